"""Periodic housekeeping of the videos app (scheduled by CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.conf import settings

from videos.resumable import drop_stale_sessions
from videos.services.redundancy import purge_expired_peer_mirrors


@shared_task(name="videos.drop_stale_uploads")
def drop_stale_uploads() -> int:
    """Abandoned resumable uploads must not fill the disk: drop those idle past the TTL."""
    return drop_stale_sessions(settings.SIDEWAYS_RESUMABLE_UPLOAD_TTL)


@shared_task(name="videos.purge_expired_mirrors")
def purge_expired_mirrors() -> int:
    """A peer that stops renewing its mirror (gone, or dropped it without a word) is no longer listed."""
    return purge_expired_peer_mirrors()
