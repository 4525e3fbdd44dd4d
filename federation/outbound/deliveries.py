"""Sending activities: one Delivery row per (activity, inbox), POSTed signed, retried with backoff.

Rows rather than fire-and-forget tasks, so a restart, a broker down or a peer down for a day loses nothing:
the first try is queued when the transaction that produced the activity commits (a broker that does not
take it is only logged), and a beat task re-queues rows whose next attempt is due, including a first try
whose message never reached the broker (QUEUED_TRY_LEASE). Network errors, 408, 429 and 5xx are retried for about two days; any other answer
is final; an inbox that only fails is put in a slow lane (docs/ARCHITECTURE.md, the life of an upload).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from datetime import timedelta

from django.utils import timezone

from federation.actors.local import actor_url, signer_for
from federation.models import Actor, Delivery, Follow
from federation.protocol import http, ld_signatures
from federation.protocol.ids import key_id
from federation.queueing import task
from videos.queueing import queue_on_commit

logger = logging.getLogger(__name__)

# Seconds to wait before each retry: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h — about two days in all.
RETRY_DELAYS = (60, 300, 1800, 7200, 21600, 43200, 86400)
# A queued try that has not run after this long (its message lost, its worker gone) is queued again by the
# beat; until then the beat leaves it alone, so a busy queue does not fill up with copies of it.
QUEUED_TRY_LEASE = timedelta(minutes=10)
# An inbox with this many failed deliveries, and none that worked, within HEALTH_WINDOW is treated as dead.
DEAD_AFTER_FAILURES = 3
HEALTH_WINDOW = timedelta(days=2)
SLOW_LANE_DELAY = timedelta(hours=1)


def inbox_of(actor: Actor) -> str:
    """Where broadcasts to this actor go: its instance's shared inbox when it has one."""
    return actor.shared_inbox_url or actor.inbox_url


def follower_inboxes(actor: Actor) -> list[str]:
    """The distinct inboxes reaching every accepted follower of a local actor."""
    followers = Follow.objects.filter(target=actor, state=Follow.State.ACCEPTED).select_related("actor")
    return sorted({inbox_of(follow.actor) for follow in followers})


def is_dead(inbox: str) -> bool:
    """An inbox whose recent deliveries all failed, at least DEAD_AFTER_FAILURES of them: the slow lane."""
    recent = Delivery.objects.filter(inbox_url=inbox, updated_at__gte=timezone.now() - HEALTH_WINDOW)
    failures = recent.filter(state=Delivery.State.FAILED).count()
    return failures >= DEAD_AFTER_FAILURES and not recent.filter(state=Delivery.State.DONE).exists()


def with_signature(activity: dict, sender: Actor) -> dict:
    """The activity with its actor's JSON-LD signature when the sender wrote it (so peers may forward it and
    be believed, as PeerTube checks); one forwarded as received keeps its author's signature."""
    if activity.get("actor") != actor_url(sender) or not sender.private_key_pem or "@context" not in activity:
        return activity
    try:
        return ld_signatures.sign(activity, sender.private_key_pem, key_id(actor_url(sender)))
    except ld_signatures.UnreadableDocument:  # a context we do not hold: PeerTube takes it unsigned from its actor
        logger.warning("Activity %s sent without a JSON-LD signature: unknown context", activity.get("id"))
        return activity


def deliver(activity: dict, sender: Actor, inboxes: Iterable[str]) -> list[Delivery]:
    """Store a Delivery per distinct inbox and queue its first try once the current transaction commits.

    A dead inbox (see is_dead) gets its first try from the beat after SLOW_LANE_DELAY instead, so the few
    workers of the federation_out queue are not held by connections that time out while healthy peers wait.
    """
    activity = with_signature(activity, sender)
    now = timezone.now()
    rows = []
    for inbox in dict.fromkeys(inboxes):
        dead = is_dead(inbox)
        row = Delivery.objects.create(
            sender=sender,
            inbox_url=inbox,
            activity=activity,
            next_attempt_at=now + (SLOW_LANE_DELAY if dead else QUEUED_TRY_LEASE),
        )
        if not dead:
            queue_on_commit(task("deliver_activity"), row.pk)
        rows.append(row)
    return rows


def attempt(delivery: Delivery) -> None:
    """POST the delivery once and record the outcome: done, failed for good, or due again later."""
    delivery.attempts += 1
    try:
        http.post_activity(delivery.inbox_url, delivery.activity, signer=signer_for(delivery.sender))
    except http.FetchError as error:
        delivery.last_error = str(error)[:2000]
        if error.retryable and delivery.attempts <= len(RETRY_DELAYS):
            delay = RETRY_DELAYS[delivery.attempts - 1] * random.uniform(0.9, 1.1)  # jitter spreads a burst
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        else:
            delivery.state = Delivery.State.FAILED
            delivery.next_attempt_at = None
    else:
        delivery.state = Delivery.State.DONE
        delivery.last_error = ""
        delivery.next_attempt_at = None
    delivery.save(update_fields=["attempts", "state", "last_error", "next_attempt_at", "updated_at"])


def take_due_deliveries() -> list[int]:
    """Ids of pending deliveries whose next try has come, each leased for QUEUED_TRY_LEASE as it is taken."""
    now = timezone.now()
    due = list(
        Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now).values_list("pk", flat=True)
    )
    Delivery.objects.filter(pk__in=due).update(next_attempt_at=now + QUEUED_TRY_LEASE)
    return due
