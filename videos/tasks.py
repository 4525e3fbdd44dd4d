"""Celery tasks of the videos app: periodic housekeeping (scheduled by CELERY_BEAT_SCHEDULE) and storage moves."""

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from videos.queueing import queue
from videos.resumable import drop_stale_sessions
from videos.services import storage_moves
from videos.services.redundancy import purge_expired_peer_mirrors


@shared_task(name="videos.drop_stale_uploads")
def drop_stale_uploads() -> int:
    """Abandoned resumable uploads must not fill the disk: drop those idle past the TTL."""
    return drop_stale_sessions(settings.SIDEWAYS_RESUMABLE_UPLOAD_TTL)


@shared_task(name="videos.purge_expired_mirrors")
def purge_expired_mirrors() -> int:
    """A peer that stops renewing its mirror (gone, or dropped it without a word) is no longer listed."""
    return purge_expired_peer_mirrors()


@shared_task(name="videos.move_video_storage")
def move_video_storage(video_id: int) -> None:
    """Move a video marked by storage_moves.request_move; the old copies go after the grace period.

    Routed to the "storage" queue: only workers that share the web node's disk may write to it."""
    to_buckets = storage_moves.moving_to_buckets(video_id)
    if storage_moves.move(video_id):
        delete_old = move_delete_old_copies.s(video_id, not to_buckets)
        delete_old.apply_async(countdown=settings.SIDEWAYS_STORAGE_MOVE_GRACE)


@shared_task(name="videos.move_delete_old_copies")
def move_delete_old_copies(video_id: int, from_buckets: bool) -> None:
    storage_moves.delete_old_copies(video_id, from_buckets)


@shared_task(name="videos.move_unfinished")
def move_unfinished() -> int:
    """Queue again the moves whose worker stopped (killed, restarted); a duplicate of a running one is harmless."""
    ids = storage_moves.moving_video_ids()
    for video_id in ids:
        queue(move_video_storage, video_id)
    return len(ids)


@worker_ready.connect
def resume_moves_when_a_worker_starts(**kwargs) -> None:
    queue(move_unfinished)
