"""Counting video views: one view per viewer per video per day, without storing IP addresses.

The viewer key is a hash of (a secret that changes every day, IP, user agent): it only lives in
the cache with a TTL, so nothing links a view to an address once the day has passed.

A rush on one video must not cost a database write per viewer: in the web server (inside
batched_views(), see sideways.asgi) counted views wait in the process's memory and flush_views() adds
them up, one UPDATE per video, every FLUSH_SECONDS and once more when it stops; then cached pages are
recomputed once to show them. Elsewhere (a worker handling a peer's View) each view is written at once.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import threading
from collections import Counter
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.db.models import F

from videos.models import Video
from videos.services import catalog_version

VIEW_WINDOW_SECONDS = 24 * 3600
FLUSH_SECONDS = 5

_pending: Counter[int] = Counter()
_pending_lock = threading.Lock()
_batching = threading.Event()


def viewer_key(ip: str, user_agent: str) -> str:
    """An opaque per-day token for the viewer; the daily secret is derived from SECRET_KEY and the date."""
    day = datetime.date.today().isoformat()
    secret = hmac.new(settings.SECRET_KEY.encode(), f"views-{day}".encode(), hashlib.sha256).digest()
    return hmac.new(secret, f"{ip}\n{user_agent}".encode(), hashlib.sha256).hexdigest()


def record_view(video: Video, key: str) -> bool:
    """Add one view unless this viewer already counted for this video in the window; True if counted."""
    if not cache.add(f"video-view:{video.pk}:{key}", 1, timeout=VIEW_WINDOW_SECONDS):
        return False
    if not _batching.is_set():
        Video.objects.filter(pk=video.pk).update(views=F("views") + 1)
        return True
    with _pending_lock:
        _pending[video.pk] += 1
    return True


@contextlib.contextmanager
def batched_views() -> Iterator[None]:
    """While inside, this process's counted views wait in memory until flush_views() is called."""
    _batching.set()
    try:
        yield
    finally:
        _batching.clear()


def flush_views() -> int:
    """Write the views counted since the last flush (one UPDATE per video); returns how many were written.

    Counts that could not be written (database down) wait for the next flush.
    """
    with _pending_lock:
        pending = dict(_pending)
        _pending.clear()
    written = 0
    try:
        for video_id, count in list(pending.items()):
            if Video.objects.filter(pk=video_id).update(views=F("views") + count):  # 0: deleted meanwhile
                written += count
            del pending[video_id]
    except Exception:
        with _pending_lock:
            _pending.update(pending)
        raise
    if written:
        catalog_version.bump()  # cached pages show the new counts from now on
    return written
