"""Remote videos: a peer's Video object checked, then stored as our rows, playable from its origin.

PeerTube's Video object (docs/PROTOCOL.md §3.3) is parsed into a small typed RemoteVideo first, so every check of
hostile input sits in one function and the database code only sees clean values. The thumbnail and preview
are downloaded here (pages never load images from other hosts) and kept where a new local video's files go
(videos.storage: the local disk, or the images bucket once object storage is configured); the HLS
playlists and files stay on the origin and are played from there, as PeerTube does. A video is only ever
updated or deleted by its origin host (the `url` host must be the signer's host).
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from federation.actors.local import ensure_instance_actor, signer_for
from federation.actors.remote import ActorError, fetch_actor
from federation.models import Actor
from federation.protocol import http
from federation.protocol.ids import PUBLIC, host_of, http_url
from federation.protocol.ld import as_list, id_of
from videos import storage
from videos.constants import (
    VIDEO_DESCRIPTION_MAX_LENGTH,
    VIDEO_NAME_LENGTH,
    VIDEO_SUPPORT_MAX_LENGTH,
    VIDEO_TAG_LENGTH,
    CommentsPolicy,
    StreamingPlaylistType,
    VideoPrivacy,
    VideoState,
)
from videos.identifiers import ascii_number
from videos.models import StreamingPlaylist, Video, VideoFile
from videos.services import editing
from videos.services.uploads import set_tags, temp_upload_path
from videos.storage import MediaFile, image_files

logger = logging.getLogger(__name__)

DURATION = re.compile(r"^PT(\d{1,9})S$")
INT_MAX, BIGINT_MAX, SMALLINT_MAX = 2**31 - 1, 2**63 - 1, 2**15 - 1  # what our columns can hold
JPEG_MAGIC = b"\xff\xd8\xff"
REMOTE_TAG_MIN_LENGTH = 2  # PeerTube refuses shorter tags in what peers send


class VideoError(Exception):
    """A remote video we refuse (malformed, not from its origin, unreachable); the message says why.

    `retryable` when the cause was a peer briefly unreachable (network error, 408, 429, 5xx): trying again
    later may succeed.
    """

    @property
    def retryable(self) -> bool:
        cause = self.__cause__
        while cause is not None and not isinstance(cause, http.FetchError):
            cause = cause.__cause__
        return bool(cause is not None and cause.retryable)


@dataclass(frozen=True)
class RemoteFile:
    url: str
    resolution: int
    width: int | None
    height: int | None
    fps: float
    size: int


@dataclass(frozen=True)
class RemoteVideo:
    url: str
    uuid: uuid.UUID
    name: str
    description: str
    support: str
    duration: int
    channel_url: str
    published_at: datetime
    originally_published_at: datetime | None
    category: int | None
    licence: int | None
    language: str
    tags: list[str]
    nsfw: bool
    comments_enabled: bool
    download_enabled: bool
    views: int
    aspect_ratio: float | None
    thumbnail_url: str
    preview_url: str | None
    playlist_url: str
    segments_sha256_url: str | None
    public: bool
    hls_files: list[RemoteFile] = field(default_factory=list)


def _int(value: object, maximum: int = INT_MAX) -> int | None:
    """A JSON integer our columns can hold (a peer's out-of-range number must not crash the import)."""
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= maximum
    return value if ok else None


def _identifier(value: object) -> str | None:
    ident = value.get("identifier") if isinstance(value, dict) else None
    return ident if isinstance(ident, str) else None


def _code(value: object) -> int | None:
    """A category or licence: PeerTube's numeric identifier, when it fits our small integer column."""
    number = ascii_number(_identifier(value) or "")
    return number if number is not None and number <= SMALLINT_MAX else None


def _date(value: object) -> datetime | None:
    """An ISO 8601 date, or None when it is missing or not a real date (such as a 13th month)."""
    try:
        return parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _files(links: list) -> list[RemoteFile]:
    files = []
    for link in links:
        if not isinstance(link, dict) or link.get("mediaType") != "video/mp4" or link.get("rel"):
            continue
        url, height, width = http_url(link.get("href")), _int(link.get("height")), _int(link.get("width"))
        if url and height is not None:
            fps = link.get("fps")
            # The rendition's resolution is its short side (a portrait 1080x1920 file is "1080p").
            resolution = min(height, width) if width else height
            files.append(
                RemoteFile(
                    url,
                    resolution,
                    width,
                    height,
                    float(fps) if isinstance(fps, (int, float)) else 0.0,
                    _int(link.get("size"), BIGINT_MAX) or 0,
                )
            )
    return files


def parse_video(data: dict) -> RemoteVideo:
    """Check a Video object as PeerTube does when it receives one, and keep what we use of it."""
    if not isinstance(data, dict) or data.get("type") != "Video":
        raise VideoError("not a Video object")
    url = http_url(data.get("id"))
    name = data.get("name")
    duration = DURATION.match(data.get("duration") or "") if isinstance(data.get("duration"), str) else None
    published = _date(data.get("published"))
    try:
        video_uuid = uuid.UUID(str(data.get("uuid")))
    except ValueError:
        video_uuid = None
    if (
        not url
        or not isinstance(name, str)
        or not VIDEO_NAME_LENGTH[0] <= len(name) <= VIDEO_NAME_LENGTH[1]
        or duration is None
        or not published
        or video_uuid is None
        or video_uuid.version != 4
    ):
        raise VideoError("the Video lacks a valid id, name, duration, uuid or published date")
    channels = [
        id_of(item)
        for item in as_list(data.get("attributedTo"))
        if isinstance(item, dict) and item.get("type") == "Group"
    ]
    channel_url = next((c for c in channels if c and host_of(c) == host_of(url)), None)
    if channel_url is None:
        raise VideoError("the Video names no channel of its own instance")
    icons = [
        icon
        for icon in as_list(data.get("icon"))
        if isinstance(icon, dict)
        and icon.get("mediaType") == "image/jpeg"
        and http_url(icon.get("url"))
        and _int(icon.get("width"))
        and _int(icon.get("height"))
    ]
    if not icons:
        raise VideoError("the Video has no JPEG thumbnail")
    icons.sort(key=lambda icon: icon["width"])
    if data.get("isLiveBroadcast") is True or _int(data.get("state")) not in (None, VideoState.PUBLISHED):
        raise VideoError("the Video is a live or is not published (neither is supported here)")
    links = [link for link in as_list(data.get("url")) if isinstance(link, dict)]
    hls = next((link for link in links if link.get("mediaType") == "application/x-mpegURL"), None)
    hls_tags = as_list(hls.get("tag")) if hls else []
    if hls is None or not http_url(hls.get("href")) or not _files(hls_tags):
        raise VideoError("the Video has no HLS playlist with files (the only way we play remote videos)")
    sha256 = next((tag for tag in hls_tags if isinstance(tag, dict) and tag.get("name") == "sha256"), None)
    content = data.get("content") if isinstance(data.get("content"), str) else ""
    comments_policy = _int(data.get("commentsPolicy"))
    aspect_ratio = data.get("aspectRatio")
    return RemoteVideo(
        url=url,
        uuid=video_uuid,
        name=name,
        description=content[:VIDEO_DESCRIPTION_MAX_LENGTH],
        support=(data.get("support") if isinstance(data.get("support"), str) else "")[:VIDEO_SUPPORT_MAX_LENGTH],
        duration=int(duration.group(1)),
        channel_url=channel_url,
        published_at=published,
        originally_published_at=_date(data.get("originallyPublishedAt")),
        category=_code(data.get("category")),
        licence=_code(data.get("licence")),
        language=(_identifier(data.get("language")) or "")[:10],
        tags=[
            tag["name"]
            for tag in as_list(data.get("tag"))
            if isinstance(tag, dict)
            and tag.get("type") == "Hashtag"
            and isinstance(tag.get("name"), str)
            and REMOTE_TAG_MIN_LENGTH <= len(tag["name"]) <= VIDEO_TAG_LENGTH[1]
        ],
        nsfw=data.get("sensitive") is True,
        comments_enabled=comments_policy != CommentsPolicy.DISABLED
        if comments_policy
        else data.get("commentsEnabled") is not False,
        download_enabled=data.get("downloadEnabled") is not False,
        views=_int(data.get("views"), BIGINT_MAX) or 0,
        aspect_ratio=float(aspect_ratio) if isinstance(aspect_ratio, (int, float)) else None,
        thumbnail_url=icons[0]["url"],
        preview_url=icons[-1]["url"] if len(icons) > 1 else None,
        playlist_url=http_url(hls.get("href")),
        segments_sha256_url=http_url(sha256.get("href")) if sha256 else None,
        # PeerTube's rule: addressed to the public, it is public; otherwise it is unlisted.
        public=bool({PUBLIC, "as:Public", "Public"} & set(as_list(data.get("to")))),
        hls_files=_files(hls_tags),
    )


def _image_name(video_url: str, url: str) -> str:
    """An image's name comes from the video's and the image's URLs: PeerTube gives a replaced image a new
    URL, so the same name is the same image."""
    return f"{hashlib.sha256(f'{video_url} {url}'.encode()).hexdigest()[:32]}.jpg"


def _download_jpeg(holder: Video, video_url: str, url: str | None, folder: str, current: str) -> tuple[str, bool]:
    """The name of an image of the video, placed where the video's files are ("" when it could not be had),
    and whether it was placed just now.

    The image the video already has (`current`, its row's name) is not fetched again: the Updates a video
    gets (one per new rendition) do not download its images each time. An image that cannot be downloaded,
    or is not a JPEG, does not keep the video out, as on PeerTube: the video shows without it, and its next
    Update tries again.
    """
    if url is None:
        return "", False
    name = _image_name(video_url, url)
    if name == current:
        return name, False
    try:
        body, _ = http.get_bytes(url)
    except http.FetchError as error:
        logger.warning("Video %s: could not download its image %s: %s", video_url, url, error)
        return "", False
    if not body.startswith(JPEG_MAGIC):
        logger.warning("Video %s: its image %s is not a JPEG", video_url, url)
        return "", False
    partial = temp_upload_path()
    try:
        partial.write_bytes(body)
        # Whole or absent, even if two workers import the video at once (a rename on disk, one PUT in a bucket).
        storage.place(holder, MediaFile(folder, name), partial)
    finally:
        partial.unlink(missing_ok=True)
    return name, True


def _save(
    remote: RemoteVideo, channel: Actor, file_storage: int, thumbnail: str, preview: str
) -> tuple[Video, list[MediaFile]]:
    """Create or update the rows of a remote video (a new one in `file_storage`, where its images were
    placed); returns it and the images it no longer uses."""
    # Locked, so an Update and an Announce of the same video handled at once do not both write its files.
    existing = Video.objects.select_for_update().filter(url=remote.url, is_local=False).first()
    video = existing or Video(uuid=remote.uuid, is_local=False, storage=file_storage)
    old_images = image_files(video.thumbnail_filename, video.preview_filename)
    video.url = remote.url
    video.channel = channel.channel
    video.name, video.description, video.support = remote.name, remote.description, remote.support
    video.duration, video.aspect_ratio, video.views = remote.duration, remote.aspect_ratio, remote.views
    video.category, video.licence, video.language = remote.category, remote.licence, remote.language
    video.nsfw, video.download_enabled = remote.nsfw, remote.download_enabled
    video.comments_policy = CommentsPolicy.ENABLED if remote.comments_enabled else CommentsPolicy.DISABLED
    video.state, video.transcoding_progress = VideoState.PUBLISHED, None
    video.privacy = VideoPrivacy.PUBLIC if remote.public else VideoPrivacy.UNLISTED
    video.published_at, video.originally_published_at = remote.published_at, remote.originally_published_at
    video.thumbnail_filename, video.preview_filename = thumbnail, preview
    video.save()
    set_tags(video, remote.tags)
    video.streaming_playlists.all().delete()
    playlist = StreamingPlaylist.objects.create(
        video=video,
        type=StreamingPlaylistType.HLS,
        playlist_url=remote.playlist_url,
        segments_sha256_url=remote.segments_sha256_url or "",
    )
    VideoFile.objects.bulk_create(
        VideoFile(
            playlist=playlist,
            resolution=f.resolution,
            width=f.width,
            height=f.height,
            fps=f.fps,
            size=f.size,
            file_url=f.url,
            has_video=f.resolution > 0,
        )
        for f in remote.hls_files
    )
    kept = image_files(thumbnail, preview)
    return video, [image for image in old_images if image not in kept]


def import_video(data: dict, origin_host: str) -> Video:
    """Store (or refresh) the Video object `data`, which `origin_host` ("host[:port]") sent or served.

    Raises VideoError when the object is malformed, claims another host, or reuses a uuid we already have.
    """
    remote = parse_video(data)
    if host_of(remote.url) != origin_host:
        raise VideoError(f"{origin_host} may not speak for a video of {host_of(remote.url)}")
    if Video.objects.filter(uuid=remote.uuid).exclude(url=remote.url).exists():
        raise VideoError("another video already has this uuid")
    try:
        channel = fetch_actor(remote.channel_url)
    except ActorError as error:
        raise VideoError(f"could not fetch the video's channel: {error}") from error
    if channel.channel is None:
        raise VideoError("the video's channel is not a Group")
    # A video we have keeps its storage (and its images, when their URLs did not change); a new one goes
    # where new local videos go. Its images are placed before its row is saved: it never shows without them.
    existing = Video.objects.filter(url=remote.url, is_local=False).first()
    holder = existing or Video(is_local=False, storage=storage.storage_for_new_videos())
    current = (existing.thumbnail_filename, existing.preview_filename) if existing else ("", "")
    thumbnail, fresh_thumbnail = _download_jpeg(holder, remote.url, remote.thumbnail_url, "thumbnails", current[0])
    preview, fresh_preview = _download_jpeg(holder, remote.url, remote.preview_url, "previews", current[1])
    placed = image_files(thumbnail if fresh_thumbnail else "", preview if fresh_preview else "")
    try:
        with transaction.atomic():
            video, old_images = _save(remote, channel, holder.storage, thumbnail, preview)
    except IntegrityError as error:
        # Another worker stored it meanwhile (a video's Create and Announce arrive together). Its copy
        # stands, with the same image files (their names come from the URLs), so they stay.
        stored = Video.objects.filter(url=remote.url, is_local=False).first()
        if stored is None:
            raise VideoError("another video already has this uuid") from error
        return stored
    except Exception:  # a failed save leaves no image of this attempt behind
        storage.remove(holder, placed)
        raise
    storage.remove(video, old_images)
    return video


def fetch_video(url: str) -> Video:
    """Fetch a video by its URL from its origin (signed by our instance actor) and import it."""
    if not http_url(url):
        raise VideoError("not a video URL")
    try:
        data = http.get_json(url, signer=signer_for(ensure_instance_actor()))
    except http.FetchError as error:
        raise VideoError(f"could not fetch {url}: {error}") from error
    return import_video(data, host_of(url))


def speaks_for(sender: Actor, video: Video) -> bool:
    """Whether `sender` may change or delete this remote video: its account, its channel, or its instance
    (as PeerTube checks), never just any actor of the same host."""
    if video.is_local or host_of(video.url) != sender.host:
        return False
    return sender.type == Actor.Type.APPLICATION or sender.url in (video.channel.url, video.channel.account.url)


def delete_video(url: str, origin_host: str) -> bool:
    """Forget the remote video `url` when its origin deletes it; False when we did not have it."""
    video = Video.objects.filter(url=url, is_local=False).first()
    if video is None or host_of(url) != origin_host:
        return False
    editing.delete_video(video)
    return True
