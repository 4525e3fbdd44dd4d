"""Celery tasks of the federation queues. They take ids and re-load rows, so a repeated message is harmless."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Task, shared_task
from celery.signals import worker_ready
from django.db.models import Q
from django.utils import timezone

from federation.actors.remote import ActorError
from federation.inbound import crawl, handlers, inbox
from federation.inbound.remote_videos import VideoError
from federation.models import Actor, Delivery, InboxActivity
from federation.outbound import deliveries, interactions, outbox
from videos.models import Video
from videos.queueing import queue

logger = logging.getLogger(__name__)


# Minutes to wait before handling an activity again when the peer it needs was briefly unreachable.
HANDLING_RETRY_MINUTES = (1, 5, 30, 120)


@shared_task(name="federation.process_activity", bind=True, max_retries=len(HANDLING_RETRY_MINUTES))
def process_activity(self: Task, activity_id: int) -> None:
    """Handle one received activity once; a failure is kept on the row for the admin.

    An activity stored before its signature could be verified (federation.inbound.inbox) is verified first, and
    dropped if it does not verify. Only a peer briefly unreachable (the signer's instance, the origin of an
    announced video) is tried again, a few times over about two and a half hours; anything else is final.
    """
    activity = InboxActivity.objects.filter(pk=activity_id, processed_at=None).select_related("actor").first()
    if activity is None:
        return
    if activity.actor is None:
        try:
            if not inbox.verify_later(activity):
                return
        except ActorError as error:  # the signer's instance is unreachable for now
            if self.request.retries < len(HANDLING_RETRY_MINUTES):
                raise self.retry(countdown=60 * HANDLING_RETRY_MINUTES[self.request.retries]) from error
            logger.warning("Dropped activity %s: its signer could not be fetched: %s", activity.ap_id, error)
            activity.delete()
            return
    activity.error = ""
    try:
        handlers.handle(activity.payload, activity.actor)
    except VideoError as error:  # a video we refuse, or could not reach
        activity.error = f"Video refused: {error}"[:2000]
        if error.retryable and self.request.retries < len(HANDLING_RETRY_MINUTES):
            activity.save(update_fields=["error"])
            raise self.retry(countdown=60 * HANDLING_RETRY_MINUTES[self.request.retries]) from error
        logger.warning("Activity %s from %s: %s", activity.ap_id, activity.actor.url, activity.error)
    except Exception as error:  # a handler bug must not lose the activity silently
        logger.exception("Handling activity %s failed", activity.ap_id)
        activity.error = f"{type(error).__name__}: {error}"[:2000]
    activity.processed_at = timezone.now()
    activity.save(update_fields=["processed_at", "error"])


# A stored activity queued this long ago and still not handled is queued again (its message may be lost
# with a restarted broker); a second message is harmless, as handling re-loads the row.
QUEUED_ACTIVITY_LEASE = timedelta(minutes=10)


@shared_task(name="federation.queue_unprocessed_activities")
def queue_unprocessed_activities() -> int:
    """Queue the stored activities the broker never took (it was down when they came) or may have lost;
    the beat runs it every minute and a worker when it starts. Returns how many."""
    stale = timezone.now() - QUEUED_ACTIVITY_LEASE
    waiting = InboxActivity.objects.filter(processed_at=None).filter(Q(queued_at=None) | Q(queued_at__lt=stale))
    ids = list(waiting.values_list("pk", flat=True))
    for activity_id in ids:
        inbox.queue_activity(activity_id)
    return len(ids)


@worker_ready.connect
def recover_when_a_worker_starts(**kwargs: object) -> None:
    """Activities that came while no broker took messages are handled as soon as a worker starts."""
    queue(queue_unprocessed_activities)


@shared_task(name="federation.deliver_activity")
def deliver_activity(delivery_id: int) -> None:
    """One POST attempt of a pending delivery."""
    delivery = Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING).select_related("sender").first()
    if delivery is not None:
        deliveries.attempt(delivery)


@shared_task(name="federation.retry_due_deliveries")
def retry_due_deliveries() -> int:
    """Queue the deliveries whose backoff has elapsed (the beat runs this every minute)."""
    due = deliveries.take_due_deliveries()
    for pk in due:
        queue(deliver_activity, pk)
    return len(due)


# The fan-out of our videos' news (queued by federation.outbound.outbox's receivers): each builds the activities and
# records their deliveries. They re-load the video, so they send what is true when they run.


@shared_task(name="federation.send_video_published")
def send_video_published(video_id: int) -> None:
    video = Video.objects.filter(pk=video_id).select_related("channel__account").first()
    if video is not None:
        outbox.announce_published_video(video)


@shared_task(name="federation.announce_video")
def announce_video(video_id: int) -> None:
    video = Video.objects.filter(pk=video_id).select_related("channel__account").first()
    if video is not None:
        outbox.announce_video(video)


@shared_task(name="federation.send_video_update")
def send_video_update(video_id: int, previous_privacy: int | None) -> None:
    video = Video.objects.filter(pk=video_id).select_related("channel__account").first()
    if video is not None:
        outbox.send_video_update(video, previous_privacy)


@shared_task(name="federation.send_video_delete")
def send_video_delete(url: str, account_name: str, channel_name: str) -> None:
    outbox.send_video_delete(url, account_name, channel_name)


@shared_task(name="federation.send_actor_delete")
def send_actor_delete(actor_type: str, name: str) -> None:
    outbox.send_actor_delete(actor_type, name)


@shared_task(name="federation.crawl_outbox")
def crawl_outbox(actor_id: int) -> int:
    """Import a newly followed instance's catalogue."""
    actor = Actor.objects.filter(pk=actor_id).first()
    return crawl.crawl_outbox(actor) if actor is not None else 0


# How long handled activities and finished deliveries are kept for the admin to look at.
KEEP_FINISHED = timedelta(days=30)


@shared_task(name="federation.prune_finished_rows")
def prune_finished_rows() -> int:
    """Delete handled activities and finished deliveries older than KEEP_FINISHED (the beat runs it daily),
    so a busy federation does not grow these tables forever; returns how many rows went."""
    before = timezone.now() - KEEP_FINISHED
    activities, _ = InboxActivity.objects.filter(processed_at__lt=before).delete()
    sent, _ = Delivery.objects.filter(
        state__in=[Delivery.State.DONE, Delivery.State.FAILED], updated_at__lt=before
    ).delete()
    return activities + sent


@shared_task(name="federation.send_comment")
def send_comment_task(comment_id: int) -> None:
    interactions.send_comment(comment_id)


@shared_task(name="federation.send_comment_delete")
def send_comment_delete_task(comment_id: int) -> None:
    interactions.send_comment_delete(comment_id)


@shared_task(name="federation.send_rating")
def send_rating_task(video_id: int, account_id: int, previous: str | None, kind: str | None) -> None:
    interactions.send_rating(video_id, account_id, previous, kind)
