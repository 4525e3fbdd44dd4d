"""Mirrors of videos' HLS files on other instances ("instances réplicantes", docs/redundancy.md).

What the rest of the code asks about mirrors: which ones a video has now, how a peer's announcement of a
mirror is kept, renewed and forgotten, and which followed instance's video our own strategy copies next.
Federation turns these into CacheFile activities and does the copying.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from videos.constants import VideoPrivacy
from videos.models import MirroredHost, MirroringSettings, StreamingPlaylist, Video, VideoRedundancy
from videos.services.catalog import listed_videos


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


def viewer_mirrors(video: Video) -> list[str]:
    """The base URLs of the peers' live mirrors our viewers' players may fetch this video's segments from.

    Only for our own public videos (a followed instance's video reaches our viewers through our proxy, and a
    mirror must not learn who watches a private one), and only while SIDEWAYS_REDUNDANCY_SERVE_VIEWERS lets
    viewers' browsers go there. Uses the video's prefetched `streaming_playlists` when there are some.
    """
    if not (settings.SIDEWAYS_REDUNDANCY_SERVE_VIEWERS and video.is_local and video.privacy == VideoPrivacy.PUBLIC):
        return []
    playlist = next(iter(video.streaming_playlists.all()), None)
    if playlist is None:
        return []
    return [mirror.base_url.rstrip("/") for mirror in live_mirrors(playlist) if not mirror.is_ours]


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


# --- our own mirrors of followed instances' videos ------------------------------------------------------

# How recent "trending" is: without a view history, the most viewed of the videos published this recently.
TRENDING_DAYS = 7


def our_mirrors() -> QuerySet[VideoRedundancy]:
    return VideoRedundancy.objects.filter(actor_url="").select_related("playlist__video")


def playlist_size(playlist: StreamingPlaylist) -> int:
    """The bytes of the playlist's files, as their origin announced them."""
    return sum(file.size for file in playlist.files.all())


def used_space(strategy: str) -> int:
    """The bytes our copies chosen by this strategy take."""
    return sum(mirror.size for mirror in our_mirrors().filter(strategy=strategy))


def mirror_candidate(config: MirroringSettings) -> StreamingPlaylist | None:
    """The HLS playlist of the public remote video the strategy picks next: from an instance we may mirror,
    not mirrored by us yet; None when there is none (or the strategy is off)."""
    videos = listed_videos().filter(
        is_local=False,
        privacy=VideoPrivacy.PUBLIC,
        channel__host__in=MirroredHost.objects.values("host"),
        streaming_playlists__isnull=False,
    )
    videos = videos.exclude(streaming_playlists__redundancies__actor_url="")
    if config.strategy == MirroringSettings.Strategy.MOST_VIEWS:
        videos = videos.order_by("-views", "-published_at")
    elif config.strategy == MirroringSettings.Strategy.TRENDING:
        since = timezone.now() - timedelta(days=TRENDING_DAYS)
        videos = videos.filter(published_at__gte=since).order_by("-views", "-published_at")
    elif config.strategy == MirroringSettings.Strategy.RECENTLY_ADDED:
        videos = videos.filter(views__gte=config.min_views).order_by("-published_at")
    else:
        return None
    video = videos.first()
    return video.streaming_playlists.order_by("pk").first() if video is not None else None


def oldest_evictable(strategy: str, min_lifetime: timedelta) -> VideoRedundancy | None:
    """Our oldest copy of this strategy that has been kept its minimum lifetime (what a budget drops first)."""
    old_enough = our_mirrors().filter(strategy=strategy, created_at__lte=timezone.now() - min_lifetime)
    return old_enough.order_by("created_at").first()
