"""Mirrors of videos' HLS files on other instances ("instances réplicantes", docs/redundancy.md).

What the rest of the code asks about mirrors: which ones a video has now, and how a peer's announcement
of a mirror is kept, renewed and forgotten. Federation turns CacheFile activities into these calls.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from videos.models import StreamingPlaylist, VideoRedundancy


class RedundancyError(Exception):
    """A mirror announcement we refuse (another actor's mirror)."""


def unexpired(queryset: QuerySet[VideoRedundancy] | None = None) -> QuerySet[VideoRedundancy]:
    """The mirrors that have not expired yet (those without an expiry never do)."""
    queryset = VideoRedundancy.objects.all() if queryset is None else queryset
    return queryset.filter(Q(expires_at=None) | Q(expires_at__gt=timezone.now()))


def live_mirrors(playlist: StreamingPlaylist) -> list[VideoRedundancy]:
    """The playlist's unexpired mirrors, oldest first (prefetched `redundancies` are used as they are)."""
    now = timezone.now()
    mirrors = [mirror for mirror in playlist.redundancies.all() if mirror.expires_at is None or mirror.expires_at > now]
    return sorted(mirrors, key=lambda mirror: mirror.created_at)


def record_peer_mirror(
    playlist: StreamingPlaylist, url: str, base_url: str, actor_url: str, expires_at: datetime | None
) -> VideoRedundancy:
    """Keep a peer's announced mirror, or renew it (new expiry, new base URL) when the same actor repeats it."""
    mirror = VideoRedundancy.objects.filter(url=url).first()
    if mirror is None:
        return VideoRedundancy.objects.create(
            playlist=playlist, url=url, base_url=base_url, actor_url=actor_url, expires_at=expires_at
        )
    if mirror.actor_url != actor_url or mirror.playlist_id != playlist.pk:
        raise RedundancyError(f"{url} is another actor's mirror, or another video's")
    mirror.base_url, mirror.expires_at = base_url, expires_at
    mirror.save(update_fields=["base_url", "expires_at", "updated_at"])
    return mirror


def forget_peer_mirror(url: str, actor_url: str) -> VideoRedundancy | None:
    """Forget a peer's mirror it undid; returns it (unsaved) if there was one, None otherwise."""
    mirror = VideoRedundancy.objects.filter(url=url).select_related("playlist__video").first()
    if mirror is None:
        return None
    if mirror.actor_url != actor_url:
        raise RedundancyError(f"{url} is another actor's mirror")
    mirror.delete()
    return mirror


def purge_expired_peer_mirrors() -> int:
    """Forget the peers' mirrors whose expiry passed without an Update renewing them; returns how many."""
    expired = VideoRedundancy.objects.exclude(actor_url="").filter(expires_at__lte=timezone.now())
    return expired.delete()[0]
