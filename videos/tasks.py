"""Periodic housekeeping of the videos app (scheduled by CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.conf import settings

from videos.resumable import drop_stale_sessions


@shared_task(name="videos.drop_stale_uploads")
def drop_stale_uploads() -> int:
    """Abandoned resumable uploads must not fill the disk: drop those idle past the TTL."""
    return drop_stale_sessions(settings.SIDEWAYS_RESUMABLE_UPLOAD_TTL)
