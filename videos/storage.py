"""Where every media file lives on disk and the public URL it is served at (PeerTube's layout).

Originals stay outside MEDIA_ROOT and are never served; everything under MEDIA_ROOT is served by
videos.web.media with HTTP Range support.

A remote video's HLS playlists and files are not copied here: the import stores their absolute URLs on
the origin, and viewers get them through our own REMOTE_HLS_PREFIX, which federation.endpoints.media_proxy streams
from the origin (so a page never makes the viewer's browser talk to another host). `playlist_url`,
`file_url` and friends are the one place that knows both cases; pages and the API ask them, never the rows.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from django.conf import settings

if TYPE_CHECKING:
    from videos.models import StreamingPlaylist, VideoFile

# Followed instances' HLS files, streamed from their origin by federation.endpoints.media_proxy.
REMOTE_HLS_PREFIX = "/remote/streaming-playlists/hls"
# What each kind of media file is served as (ours from disk, a remote one through the proxy). Every file
# we serve is named by us with one of these suffixes (videos.services.web_videos picks the published
# original's from what ffprobe found); no browser runs any of these types as a page or a script. A file
# with any other suffix is only ever sent as an attachment of no type (videos.web.media).
MEDIA_CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".mka": "audio/x-matroska",
    ".ogv": "video/ogg",
    ".ogg": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".wav": "audio/wav",
    ".torrent": "application/x-bittorrent",
    ".json": "application/json",
    ".jpg": "image/jpeg",
}

# Folder under MEDIA_ROOT -> public URL prefix, as PeerTube names them.
PUBLIC_FOLDERS = {
    "streaming-playlists/hls": "/static/streaming-playlists/hls",
    "web-videos": "/static/web-videos",
    "thumbnails": "/lazy-static/thumbnails",
    "previews": "/lazy-static/previews",
    "torrents": "/lazy-static/torrents",
}


def original_dir(video_uuid: uuid.UUID) -> Path:
    return Path(settings.ORIGINALS_DIR) / str(video_uuid)


def hls_dir(video_uuid: uuid.UUID) -> Path:
    return Path(settings.MEDIA_ROOT) / "streaming-playlists" / "hls" / str(video_uuid)


def stored_file_path(file: VideoFile) -> Path:
    """Where a local web video or HLS rendition (fragmented MP4) is on disk; a remote file is not here."""
    if file.playlist_id is None:
        return Path(settings.MEDIA_ROOT) / "web-videos" / file.filename
    return hls_dir(file.playlist.video.uuid) / file.filename


def media_dir(folder: str) -> Path:
    """One of the flat PUBLIC_FOLDERS (web-videos, thumbnails, previews, torrents), created on demand."""
    path = Path(settings.MEDIA_ROOT) / folder
    path.mkdir(parents=True, exist_ok=True)
    return path


def absolute_url(path: str) -> str:
    """Our public base URL plus a site-relative path; a URL that is already absolute (a remote file) is kept."""
    return path if path.startswith(("https://", "http://")) else f"{settings.SIDEWAYS_URL}{path}"


def hls_path(video_uuid: uuid.UUID, filename: str) -> str:
    """Site-relative URL path of a file in a video's HLS folder."""
    return f"{PUBLIC_FOLDERS['streaming-playlists/hls']}/{video_uuid}/{filename}"


def hls_url(video_uuid: uuid.UUID, filename: str) -> str:
    return absolute_url(hls_path(video_uuid, filename))


def media_path(folder: str, filename: str) -> str:
    """Site-relative URL path of a file in one of the flat PUBLIC_FOLDERS."""
    return f"{PUBLIC_FOLDERS[folder]}/{filename}"


def random_filename(suffix: str) -> str:
    """PeerTube names served files with a fresh random UUID so a replaced file gets a new URL."""
    return f"{uuid.uuid4()}{suffix}"


def image_paths(thumbnail: str, preview: str) -> list[Path]:
    """The files of a video's thumbnail and preview with these names (an empty name has none)."""
    return [media_dir(folder) / name for folder, name in (("thumbnails", thumbnail), ("previews", preview)) if name]


def store_images(thumbnail: Path, preview: Path) -> tuple[str, str]:
    """Move a new thumbnail and preview (JPEGs) into the public folders; returns their fresh names."""
    names = random_filename(".jpg"), random_filename(".jpg")
    for image, target in zip((thumbnail, preview), image_paths(*names), strict=False):
        shutil.move(image, target)
    return names


def _proxied(video_uuid: uuid.UUID, origin_url: str) -> str:
    """Where we serve a remote video's HLS file: its name on the origin under REMOTE_HLS_PREFIX."""
    return f"{REMOTE_HLS_PREFIX}/{video_uuid}/{origin_url.rsplit('/', 1)[-1]}"


def playlist_url(playlist: StreamingPlaylist) -> str:
    """The HLS master playlist's site-relative path (a remote video's through our proxy)."""
    if playlist.playlist_url:
        return _proxied(playlist.video.uuid, playlist.playlist_url)
    return hls_path(playlist.video.uuid, playlist.playlist_filename)


def segments_sha256_url(playlist: StreamingPlaylist) -> str:
    """The playlist's segments-sha256.json, like `playlist_url`."""
    if playlist.segments_sha256_url:
        return _proxied(playlist.video.uuid, playlist.segments_sha256_url)
    return hls_path(playlist.video.uuid, playlist.segments_sha256_filename)


def file_url(file: VideoFile) -> str:
    """A web video (MP4) or an HLS rendition (fragmented MP4), like `playlist_url`."""
    if file.playlist_id is None:
        return file.file_url or media_path("web-videos", file.filename)
    if file.file_url:
        return _proxied(file.playlist.video.uuid, file.file_url)
    return hls_path(file.playlist.video.uuid, file.filename)


def rendition_playlist_url(file: VideoFile) -> str:
    """An HLS rendition's own .m3u8 ("" if it has none). A remote one sits beside the origin's master playlist."""
    if not file.playlist_filename:
        return ""
    return urljoin(playlist_url(file.playlist), file.playlist_filename)
