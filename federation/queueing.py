"""How a service queues one of federation.tasks: by the name Celery registered it under.

federation.tasks sits on top of the services it runs (the inbox, the handlers, the deliveries, the outbox),
so a service importing it back to queue a task would close an import cycle. Celery keeps every task by its
name once federation.tasks is imported (by the worker's autodiscovery, and by FederationConfig.ready in the
web process), so the services look the task up here and queue it with videos.queueing as any other.
"""

from __future__ import annotations

from celery import Task, current_app


def task(name: str) -> Task:
    """The task registered as `federation.<name>`, e.g. task("deliver_activity")."""
    return current_app.tasks[f"federation.{name}"]
