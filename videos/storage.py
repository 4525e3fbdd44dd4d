"""Where every media file lives on disk and the public URL it is served at (PeerTube's layout).

Originals stay outside MEDIA_ROOT and are never served; everything under MEDIA_ROOT is served by
videos.web.media with HTTP Range support.
"""
import uuid
from pathlib import Path

from django.conf import settings

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


def media_dir(folder: str) -> Path:
    """One of the flat PUBLIC_FOLDERS (web-videos, thumbnails, previews, torrents), created on demand."""
    path = Path(settings.MEDIA_ROOT) / folder
    path.mkdir(parents=True, exist_ok=True)
    return path


def absolute_url(path: str) -> str:
    return f"{settings.SIDEWAYS_URL}{path}"


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
