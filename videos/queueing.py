"""Queueing a Celery task without letting the broker decide the outcome of a request.

The broker (Redis) may be down or slow while the database works. What a task is about is always in a
database row first (a transcoding job, a received activity, a delivery), and each app has a sweep that
queues again rows whose task never ran; so a message that could not be sent is logged and left for that
sweep, never raised into the upload, the edit or the inbox request that wanted it.
"""

from __future__ import annotations

import logging

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def queue(task: Task, *args: object) -> bool:
    """Send the task now; False (logged) when the broker could not take it."""
    try:
        task.delay(*args)
    except Exception:  # kombu/redis raise many kinds; none of them may escape into the caller
        logger.warning("Could not queue %s%r: left for the sweep", task.name, args, exc_info=True)
        return False
    return True


def queue_on_commit(task: Task, *args: object) -> None:
    """Send the task once the current transaction commits (so the worker finds the rows), tolerating a
    broker that is down."""
    transaction.on_commit(lambda: queue(task, *args))
