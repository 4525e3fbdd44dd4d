"""Mirroring followed instances' videos ("instances réplicantes", docs/redundancy.md): we copy a video's HLS
files, serve them under /static/redundancy/hls/<uuid>/, and tell its origin (Create{CacheFile}) so that
its players spread their segment requests over us; we renew the announcement before it expires (Update)
and take it back (Undo) when we drop the copy.

Every copy goes through federation.protocol.http (SSRF-safe, time-limited), may not exceed the sizes the origin
announced by more than MAX_OVERSIZE, only takes files beside the master playlist, and is checked against
the origin's segments-sha256.json before it is served. Which videos are copied is
videos.services.redundancy's business (the admin's MirroringSettings and MirroredHost rows).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urljoin

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone

from federation.actors.local import ensure_instance_actor
from federation.models import Actor
from federation.objects import activities
from federation.objects.actor import iso_date
from federation.outbound.deliveries import deliver
from federation.outbound.outbox import fan_out
from federation.protocol import http, ids
from videos.models import MirroringSettings, StreamingPlaylist, VideoRedundancy
from videos.services.redundancy import (
    mirror_candidate,
    oldest_evictable,
    our_mirrors,
    playlist_size,
    used_space,
)
from videos.storage import mirror_dir, mirror_url

logger = logging.getLogger(__name__)

# A copy may exceed the sizes the origin announced by this share (PeerTube allows 5 %).
MAX_OVERSIZE = 1.05
MAX_PLAYLIST_BYTES = 1_000_000
MAX_HASHES_BYTES = 5_000_000
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")
MAP_URI = re.compile(r'#EXT-X-MAP:.*URI="([^"]+)"')
RANGE = re.compile(r"^(\d+)-(\d+)$")  # "<first>-<last>" byte positions, both included


class MirrorError(Exception):
    """A copy we could not make (origin unreachable, too large, files not matching their hashes)."""


def cache_file_id(video_uuid: object) -> str:
    """Our CacheFile's id for a copy of this video's HLS playlist (PeerTube's path for it)."""
    return f"{ids.site()}/redundancy/streaming-playlists/hls/{video_uuid}"


# --- copying --------------------------------------------------------------------------------------------


def _text(url: str) -> str:
    try:
        body, _ = http.get_bytes(url, max_bytes=MAX_PLAYLIST_BYTES)
    except http.FetchError as error:
        raise MirrorError(f"{url}: {error}") from error
    return body.decode("utf-8", errors="replace")


def _beside(folder: str, base: str, reference: str) -> str:
    """The absolute URL of a playlist's reference, which must be a file of the master playlist's folder."""
    url = urljoin(base, reference.strip())
    name = url.removeprefix(f"{folder}/")
    if name == url or not FILE_NAME.match(name):
        raise MirrorError(f"{reference!r} is not a file beside the master playlist")
    return url


def _references(playlist_text: str) -> list[str]:
    lines = [line.strip() for line in playlist_text.splitlines()]
    return [line for line in lines if line and not line.startswith("#")] + [
        match.group(1) for line in lines if (match := MAP_URI.match(line))
    ]


def _media_urls(master_url: str) -> list[str]:
    """Every file the rendition playlists of the master playlist name (the fragmented MP4s)."""
    folder = master_url.rsplit("/", 1)[0]
    urls: dict[str, None] = {}
    for reference in _references(_text(master_url)):
        rendition = _beside(folder, master_url, reference)
        for file in _references(_text(rendition)):
            urls[_beside(folder, rendition, file)] = None
    return list(urls)


def _download(url: str, path: Path, budget: int) -> int:
    """Write the file at `url` to `path`; returns its size; MirrorError past `budget` bytes."""
    written = 0
    try:
        stream = http.stream_media(url)
        with path.open("wb") as file:
            for chunk in stream.chunks():
                written += len(chunk)
                if written > budget:
                    stream.close()
                    raise MirrorError(f"{url}: larger than its origin announced")
                file.write(chunk)
    except http.FetchError as error:
        raise MirrorError(f"{url}: {error}") from error
    if stream.content_length and int(stream.content_length) != written:
        raise MirrorError(f"{url}: cut short ({written} of {stream.content_length} bytes)")
    return written


def _check_hashes(folder: Path, hashes: dict) -> None:
    """Every copied file, every byte range of it, must match the origin's segments-sha256.json."""
    for path in folder.iterdir():
        ranges = hashes.get(path.name)
        if not isinstance(ranges, dict) or not ranges:
            raise MirrorError(f"{path.name} has no hashes in segments-sha256.json")
        data = path.read_bytes()
        for byte_range, expected in ranges.items():
            match = RANGE.match(byte_range)
            if match is None or hashlib.sha256(data[int(match[1]) : int(match[2]) + 1]).hexdigest() != expected:
                raise MirrorError(f"{path.name} {byte_range} does not match its hash")


def copy_hls(playlist: StreamingPlaylist) -> int:
    """Copy a remote video's HLS files into our mirror folder, checked; returns the bytes copied."""
    budget = int(playlist_size(playlist) * MAX_OVERSIZE)
    try:
        hashes = json.loads(_text(playlist.segments_sha256_url))
    except ValueError as error:
        raise MirrorError(f"{playlist.segments_sha256_url}: not JSON") from error
    if not isinstance(hashes, dict):
        raise MirrorError(f"{playlist.segments_sha256_url}: not a JSON object")
    target = mirror_dir(playlist.video.uuid)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".copy-"))
    try:
        total = 0
        for url in _media_urls(playlist.playlist_url):
            total += _download(url, staging / url.rsplit("/", 1)[1], budget - total)
        _check_hashes(staging, hashes)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return total


# --- announcing -----------------------------------------------------------------------------------------


def _origin(playlist: StreamingPlaylist) -> tuple[str, str | None]:
    """The video's account URL and the inbox that reaches it (its instance's shared inbox if it has one)."""
    account = playlist.video.channel.account
    actor = (
        Actor.objects.filter(account=account).first()
        or Actor.objects.filter(host=account.host, type=Actor.Type.APPLICATION).first()
    )
    inbox = (actor.shared_inbox_url or actor.inbox_url) if actor is not None else None
    return account.url, inbox


def _announcement(mirror: VideoRedundancy) -> dict:
    account_url, inbox = _origin(mirror.playlist)
    return {
        "id": mirror.url,
        "video_url": mirror.playlist.video.url,
        "base_url": mirror.base_url,
        "expires": iso_date(mirror.expires_at) if mirror.expires_at else None,
        "account_url": account_url,
        "inbox": inbox,
    }


def _send(announcement: dict, activity: dict) -> None:
    if announcement["inbox"]:
        deliver(activity, ensure_instance_actor(), [announcement["inbox"]])


def _created(announcement: dict) -> dict:
    return activities.cache_file(announcement, "Create", f"{announcement['id']}/activity")


def mirror_playlist(playlist: StreamingPlaylist, strategy: str, config: MirroringSettings) -> VideoRedundancy:
    """Copy the playlist's files and announce the copy to the video's origin."""
    size = copy_hls(playlist)
    expires_at = None if strategy == "manual" else timezone.now() + config.min_lifetime
    mirror, _ = VideoRedundancy.objects.update_or_create(
        url=cache_file_id(playlist.video.uuid),
        defaults={
            "playlist": playlist,
            "base_url": mirror_url(playlist.video.uuid),
            "strategy": strategy,
            "size": size,
            "expires_at": expires_at,
            "actor_url": "",
        },
    )
    mirror.playlist = playlist
    announcement = _announcement(mirror)
    _send(announcement, _created(announcement))
    logger.info("Mirrored %s (%s bytes, strategy %s)", playlist.video.url, size, strategy)
    return mirror


def renew(mirror: VideoRedundancy, config: MirroringSettings) -> None:
    """Push the copy's expiry one minimum lifetime further and tell the origin (Update{CacheFile})."""
    mirror.expires_at = timezone.now() + config.min_lifetime
    mirror.save(update_fields=["expires_at", "updated_at"])
    announcement = _announcement(mirror)
    _send(
        announcement,
        activities.cache_file(announcement, "Update", f"{mirror.url}/updates/{iso_date(mirror.updated_at)}"),
    )


def forget(announcement: dict) -> None:
    """After one of our copies' rows went: remove its files and take back its announcement (Undo)."""
    shutil.rmtree(mirror_dir(announcement["video_uuid"]), ignore_errors=True)
    _send(announcement, activities.undo(_created(announcement), ensure_instance_actor()))


@receiver(pre_delete, sender=VideoRedundancy, dispatch_uid="federation.forget_mirror")
def on_mirror_deleted(sender: type, instance: VideoRedundancy, **kwargs: object) -> None:
    """Dropped by us (budget, expiry, admin) or with its video (the origin deleted it): what the Undo needs is
    read now, while the video's row is still there; the files go and the Undo is sent by a task."""
    if not instance.is_ours:
        return
    announcement = {**_announcement(instance), "video_uuid": str(instance.playlist.video.uuid)}
    fan_out("forget_mirror", announcement)


# --- the periodic run -----------------------------------------------------------------------------------


def _make_room(strategy: str, config: MirroringSettings, needed: int) -> bool:
    """Drop our oldest copies of the strategy past their minimum lifetime until `needed` bytes fit."""
    while used_space(strategy) + needed > config.size:
        oldest = oldest_evictable(strategy, config.min_lifetime)
        if oldest is None:
            return False
        logger.info("Dropping our copy %s to make room", oldest.url)
        oldest.delete()
    return True


def run() -> None:
    """One round, as PeerTube's scheduler: drop the copies whose strategy changed or whose budget shrank, copy
    the strategy's next video if it fits (after dropping the oldest copies old enough to go), then renew
    the copies about to expire (after the drops, so no Update can overtake an Undo of the same copy)."""
    config = MirroringSettings.current()
    for mirror in our_mirrors().exclude(strategy="manual").order_by("created_at"):  # the oldest go first
        if mirror.strategy != config.strategy or used_space(mirror.strategy) > config.size:
            mirror.delete()
    playlist = mirror_candidate(config)
    if playlist is not None and _make_room(config.strategy, config, playlist_size(playlist)):
        try:
            mirror_playlist(playlist, config.strategy, config)
        except MirrorError as error:
            logger.warning("Could not mirror %s: %s", playlist.video.url, error)
    elif playlist is not None:
        logger.info("No room to mirror %s within the budget", playlist.video.url)
    soon = timezone.now() + config.min_lifetime / 2
    for mirror in our_mirrors().exclude(strategy="manual").filter(expires_at__lte=soon):
        renew(mirror, config)
