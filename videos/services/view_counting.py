"""Counting video views: one view per viewer per video per day, without storing IP addresses.

The viewer key is a hash of (a secret that changes every day, IP, user agent): it only lives in
the cache with a TTL, so nothing links a view to an address once the day has passed.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.db.models import F

from videos.models import Video

VIEW_WINDOW_SECONDS = 24 * 3600


def viewer_key(ip: str, user_agent: str) -> str:
    """An opaque per-day token for the viewer; the daily secret is derived from SECRET_KEY and the date."""
    day = datetime.date.today().isoformat()
    secret = hmac.new(settings.SECRET_KEY.encode(), f"views-{day}".encode(), hashlib.sha256).digest()
    return hmac.new(secret, f"{ip}\n{user_agent}".encode(), hashlib.sha256).hexdigest()


def record_view(video: Video, key: str) -> bool:
    """Add one view unless this viewer already counted for this video in the window; True if counted."""
    if not cache.add(f"video-view:{video.pk}:{key}", 1, timeout=VIEW_WINDOW_SECONDS):
        return False
    Video.objects.filter(pk=video.pk).update(views=F("views") + 1)
    return True
