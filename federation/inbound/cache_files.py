"""CacheFile activities from peers: another instance announces (Create), renews (Update) or withdraws (Undo)
its mirror of a video's HLS files (docs/redundancy.md).

We keep a mirror only when the admin's policy accepts its sender (SIDEWAYS_REMOTE_REDUNDANCY_ACCEPT_FROM, as
PeerTube's remote_redundancy.videos.accept_from), only for a video we hold, and only when the mirror and
the CacheFile's id are on the sender's own host: a mirror URL ends up in our players and our CSP, so a peer
may only point viewers at itself. As PeerTube does, what is said about one of our videos is forwarded to
everyone who heard of the video, so their players find the mirror too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils.dateparse import parse_datetime

from federation.models import Actor
from federation.objects.video import federated_video_at
from federation.outbound.follows import is_followed
from federation.outbound.outbox import forward_to_followers
from federation.protocol.ids import host_of, http_url
from federation.protocol.ld import id_of
from videos.models import StreamingPlaylist, Video
from videos.services.redundancy import RedundancyError, forget_peer_mirror, record_peer_mirror

logger = logging.getLogger(__name__)

HLS_MEDIA_TYPE = "application/x-mpegURL"


@dataclass(frozen=True)
class CacheFile:
    """What we read of a CacheFile object."""

    id: str
    video_url: str
    base_url: str
    expires_at: datetime | None


def _expiry(value: object) -> tuple[bool, datetime | None]:
    """(valid, date): a missing expiry is valid (the mirror is kept until undone), a malformed one is not."""
    if value is None:
        return True, None
    try:
        date = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        date = None
    if date is None:
        return False, None
    return True, date if date.tzinfo else date.replace(tzinfo=UTC)


def parse_cache_file(data: object, sender: Actor) -> CacheFile | None:
    """The CacheFile of an HLS mirror on the sender's host, or None (PeerTube's rules, plus the host check)."""
    if not isinstance(data, dict) or data.get("type") != "CacheFile":
        return None
    link = data.get("url")
    if not isinstance(link, dict) or (link.get("mediaType") or link.get("mimeType")) != HLS_MEDIA_TYPE:
        return None  # a web-video file's mirror: PeerTube stopped making them in 7.1, and we play HLS only
    ident, video_url, base_url = http_url(data.get("id")), http_url(data.get("object")), http_url(link.get("href"))
    valid_expiry, expires_at = _expiry(data.get("expires"))
    if not (ident and video_url and base_url and valid_expiry):
        return None
    if host_of(ident) != sender.host or host_of(base_url) != sender.host:
        return None
    return CacheFile(id=ident, video_url=video_url, base_url=base_url.rstrip("/"), expires_at=expires_at)


def accepts_mirrors_from(sender: Actor) -> bool:
    """The admin's policy: mirrors from anybody, only from instances we follow, or from nobody."""
    policy = settings.SIDEWAYS_REMOTE_REDUNDANCY_ACCEPT_FROM
    return policy == "anybody" or (policy == "followings" and is_followed(sender))


def _held_video(url: str) -> Video | None:
    """Our public video, or a remote video we hold, at `url`."""
    return federated_video_at(url) or Video.objects.filter(url=url, is_local=False).first()


def _hls_playlist(video: Video) -> StreamingPlaylist | None:
    return video.streaming_playlists.order_by("pk").first()


def receive_cache_file(activity: dict, sender: Actor) -> None:
    """Create or Update{CacheFile}: keep or renew the sender's mirror, forwarded when the video is ours."""
    cache_file = parse_cache_file(activity.get("object"), sender)
    if cache_file is None:
        logger.info("Dropped CacheFile %s from %s: not an HLS mirror on its host", activity.get("id"), sender.url)
        return
    if not accepts_mirrors_from(sender):
        logger.info("Dropped CacheFile %s from %s: refused by our policy", cache_file.id, sender.url)
        return
    video = _held_video(cache_file.video_url)
    playlist = _hls_playlist(video) if video is not None else None
    if playlist is None:
        logger.info("Dropped CacheFile %s: no HLS video of ours at %s", cache_file.id, cache_file.video_url)
        return
    try:
        record_peer_mirror(playlist, cache_file.id, cache_file.base_url, sender.url, cache_file.expires_at)
    except RedundancyError as error:
        logger.warning("Dropped CacheFile from %s: %s", sender.url, error)
        return
    if video.is_local:
        forward_to_followers(activity, video, sender)


def undo_cache_file(activity: dict, sender: Actor) -> None:
    """Undo{Create{CacheFile}}: the sender dropped its mirror; forwarded when the video is ours."""
    created = activity.get("object")
    url = id_of(created.get("object")) if isinstance(created, dict) else None
    if not url:
        return
    try:
        mirror = forget_peer_mirror(url, sender.url)
    except RedundancyError as error:
        logger.warning("Ignored Undo from %s: %s", sender.url, error)
        return
    if mirror is not None and mirror.playlist.video.is_local:
        forward_to_followers(activity, mirror.playlist.video, sender)
