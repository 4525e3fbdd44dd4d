"""Where every media file lives, on disk or in object storage, and the URL it is served at (PeerTube's layout).

Originals stay outside MEDIA_ROOT and are never served; everything under MEDIA_ROOT is served by
videos.web.media with HTTP Range support.

A local video's files are all in one place, which `Video.storage` names: the local disk (the embedded
default), or the S3 buckets of videos.object_storage once configured (every new video then), under the
same relative paths. `MediaFile` names one file wherever it is; `place`, `fetch`, `remove` and `copy` act
on it where the video's files are, so transcoding, uploads, edits and moves never ask which. In a bucket,
a public video's playable files are readable by anyone and viewers get their bucket (or CDN) URL; every
other video's files, and every original, are private and reach their viewers through the web node.

A remote video's thumbnail and preview are downloaded by the import and kept like a local video's images,
where its `Video.storage` says (a new remote video gets the storage new uploads get), so a second web node
needs no shared disk for them either. Its HLS playlists and files are not copied here: the import stores
their absolute URLs on the origin, and viewers get them through our own REMOTE_HLS_PREFIX, which
federation.endpoints.media_proxy streams from the origin (so a page never makes the viewer's browser talk
to another host). `playlist_url`, `file_url` and friends are the one place that knows both cases, and they
look at those URLs before `Video.storage`; pages and the API ask them, never the rows.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from django.conf import settings
from django.db.models import Q

from videos import object_storage
from videos.constants import FileStorage, VideoPrivacy
from videos.models import StreamingPlaylist, Video, VideoFile, VideoSource

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
    # Our copies of followed instances' HLS files (docs/redundancy.md), under PeerTube's path for them.
    "redundancy/hls": "/static/redundancy/hls",
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
    return stored_media_file(file).path


def stored_media_file(file: VideoFile) -> MediaFile:
    """A local web video or HLS rendition (fragmented MP4) as a MediaFile."""
    if file.playlist_id is None:
        return MediaFile("web-videos", file.filename)
    return hls_file(file.playlist.video, file.filename)


def media_dir(folder: str) -> Path:
    """One of the flat PUBLIC_FOLDERS (web-videos, thumbnails, previews, torrents), created on demand."""
    path = Path(settings.MEDIA_ROOT) / folder
    path.mkdir(parents=True, exist_ok=True)
    return path


def mirror_dir(video_uuid: uuid.UUID) -> Path:
    """The folder of our copy of a remote video's HLS files (not created)."""
    return Path(settings.MEDIA_ROOT) / "redundancy" / "hls" / str(video_uuid)


def mirror_url(video_uuid: uuid.UUID) -> str:
    """Where we serve our copy of a remote video's HLS files (a CacheFile's base URL)."""
    return absolute_url(f"{PUBLIC_FOLDERS['redundancy/hls']}/{video_uuid}")


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


def image_files(thumbnail: str, preview: str) -> list[MediaFile]:
    """A video's thumbnail and preview with these names (an empty name has none)."""
    return [MediaFile(folder, name) for folder, name in (("thumbnails", thumbnail), ("previews", preview)) if name]


def store_images(video: Video, thumbnail: Path, preview: Path) -> tuple[str, str]:
    """Place a new thumbnail and preview (JPEGs) of the video; returns their fresh names."""
    names = random_filename(".jpg"), random_filename(".jpg")
    for image, target in zip((thumbnail, preview), image_files(*names), strict=True):
        place(video, target, image)
    return names


def _proxied(video_uuid: uuid.UUID, origin_url: str) -> str:
    """Where we serve a remote video's HLS file: its name on the origin under REMOTE_HLS_PREFIX."""
    return f"{REMOTE_HLS_PREFIX}/{video_uuid}/{origin_url.rsplit('/', 1)[-1]}"


def _local_hls_url(video: Video, filename: str) -> str:
    """A local video's HLS file: at its bucket URL when it is public there, else through our /static route."""
    return bucket_url(video, hls_file(video, filename)) or hls_path(video.uuid, filename)


def playlist_url(playlist: StreamingPlaylist) -> str:
    """The HLS master playlist's site-relative path (a remote video's through our proxy)."""
    if playlist.playlist_url:
        return _proxied(playlist.video.uuid, playlist.playlist_url)
    return _local_hls_url(playlist.video, playlist.playlist_filename)


def segments_sha256_url(playlist: StreamingPlaylist) -> str:
    """The playlist's segments-sha256.json, like `playlist_url`."""
    if playlist.segments_sha256_url:
        return _proxied(playlist.video.uuid, playlist.segments_sha256_url)
    return _local_hls_url(playlist.video, playlist.segments_sha256_filename)


def file_url(file: VideoFile) -> str:
    """A web video (MP4) or an HLS rendition (fragmented MP4), like `playlist_url`."""
    if file.playlist_id is None:
        if file.file_url:
            return file.file_url
        return bucket_url(file.video, MediaFile("web-videos", file.filename)) or media_path("web-videos", file.filename)
    if file.file_url:
        return _proxied(file.playlist.video.uuid, file.file_url)
    return _local_hls_url(file.playlist.video, file.filename)


def rendition_playlist_url(file: VideoFile) -> str:
    """An HLS rendition's own .m3u8 ("" if it has none). A remote one sits beside the origin's master playlist."""
    if not file.playlist_filename:
        return ""
    return urljoin(playlist_url(file.playlist), file.playlist_filename)


# The object storage kind (bucket and prefix) of each folder. Images and torrents share one kind, so
# their key keeps the folder's name.
FOLDER_KINDS = {
    "originals": "originals",
    "streaming-playlists/hls": "streaming_playlists",
    "web-videos": "web_videos",
    "thumbnails": "images",
    "previews": "images",
    "torrents": "images",
}
# Public whatever the video's privacy, as in PeerTube (clients show a private video's thumbnail with an <img>).
ALWAYS_PUBLIC_FOLDERS = frozenset({"thumbnails", "previews", "torrents"})


@dataclass(frozen=True)
class MediaFile:
    """One file of a local video, or a remote video's image: its folder (a PUBLIC_FOLDERS key, or
    "originals") and its path in it ("<uuid>/<name>" for HLS files and originals, the bare name in the flat
    folders)."""

    folder: str
    relative: str

    @property
    def path(self) -> Path:
        """Where it is on the local disk."""
        root = Path(settings.ORIGINALS_DIR) if self.folder == "originals" else Path(settings.MEDIA_ROOT) / self.folder
        return root / self.relative

    @property
    def kind(self) -> str:
        return FOLDER_KINDS[self.folder]

    @property
    def key(self) -> str:
        """Its key in its kind's bucket (after the kind's prefix)."""
        return f"{self.folder}/{self.relative}" if self.kind == "images" else self.relative

    @property
    def content_type(self) -> str:
        return MEDIA_CONTENT_TYPES.get(Path(self.relative).suffix, "application/octet-stream")


def hls_file(video: Video, filename: str) -> MediaFile:
    return MediaFile("streaming-playlists/hls", f"{video.uuid}/{filename}")


def original_file(video: Video) -> MediaFile:
    return MediaFile("originals", video.source.path)


def in_buckets(video: Video) -> bool:
    return video.storage == FileStorage.OBJECT_STORAGE


def storage_for_new_videos() -> int:
    """New uploads go to object storage when it is configured; the embedded default keeps them on disk."""
    return FileStorage.OBJECT_STORAGE if object_storage.enabled() else FileStorage.FILE_SYSTEM


def readable_by_all(video: Video, file: MediaFile) -> bool:
    """Anyone may fetch the file at its bucket URL: images and torrents, and a public video's playable files."""
    if file.folder in ALWAYS_PUBLIC_FOLDERS:
        return True
    return file.folder != "originals" and video.privacy == VideoPrivacy.PUBLIC


def _readable_by_all_now(video: Video, file: MediaFile) -> bool:
    """`readable_by_all` with the video's privacy as it is now: the owner may have changed it while a worker
    was transcoding. Images and torrents are public whatever it is, so they need no saved row (a remote
    video's images are placed before its row is saved)."""
    if file.folder in ALWAYS_PUBLIC_FOLDERS:
        return True
    return readable_by_all(
        Video(pk=video.pk, privacy=Video.objects.values_list("privacy", flat=True).get(pk=video.pk)), file
    )


def place(video: Video, file: MediaFile, source: Path) -> None:
    """Put a finished file (consumed) where the video's files are, under its final name. In a bucket it
    appears whole at once; on disk it is renamed into place."""
    if in_buckets(video):
        object_storage.upload(
            file.kind, file.key, source, content_type=file.content_type, public=_readable_by_all_now(video, file)
        )
        source.unlink(missing_ok=True)
    else:
        file.path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, file.path)


def fetch(video: Video, file: MediaFile, work: Path) -> Path:
    """A local path to read the file at: where it is on disk, or a copy downloaded into the work folder."""
    if not in_buckets(video):
        return file.path
    target = work / Path(file.relative).name
    object_storage.download(file.kind, file.key, target)
    return target


def remove(video: Video, files: list[MediaFile]) -> None:
    """Delete these files of the video, from wherever its files are (missing ones are fine)."""
    if in_buckets(video):
        for kind in {file.kind for file in files}:
            object_storage.delete(kind, [file.key for file in files if file.kind == kind])
        return
    for file in files:
        file.path.unlink(missing_ok=True)
        folder = file.path.parent
        if file.folder in ("originals", "streaming-playlists/hls") and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def hls_files_present(video: Video) -> list[MediaFile]:
    """What is in the video's HLS folder (or prefix), named by rows or not."""
    if in_buckets(video):
        keys = object_storage.list_keys("streaming_playlists", str(video.uuid))
        return [MediaFile("streaming-playlists/hls", key) for key in keys]
    folder = hls_dir(video.uuid)
    return [hls_file(video, path.name) for path in folder.iterdir()] if folder.is_dir() else []


def video_media(video: Video) -> list[MediaFile]:
    """Every file the video's rows name: original, web videos, torrents, HLS files, thumbnail and preview."""
    files = []
    source = VideoSource.objects.filter(video=video).first()
    if source is not None:
        files.append(MediaFile("originals", source.path))
    for playlist in StreamingPlaylist.objects.filter(video=video):
        names = [playlist.playlist_filename, playlist.segments_sha256_filename]
        files += [hls_file(video, name) for name in names if name]
    for row in VideoFile.objects.filter(Q(video=video) | Q(playlist__video=video)):
        if row.playlist_id is None and row.filename:
            files.append(MediaFile("web-videos", row.filename))
        elif row.playlist_id is not None:
            files += [hls_file(video, name) for name in (row.filename, row.playlist_filename) if name]
        if row.torrent_filename:
            files.append(MediaFile("torrents", row.torrent_filename))
    return files + image_files(video.thumbnail_filename, video.preview_filename)


def every_file(video: Video) -> list[MediaFile]:
    """What deleting the video must remove: the files its rows name and any left in its HLS folder."""
    return list(dict.fromkeys(video_media(video) + hls_files_present(video)))


def remove_every_file(video: Video, files: list[MediaFile]) -> None:
    """Remove the video's files (every_file, read while its rows still existed) and its folders on disk."""
    remove(video, files)
    if not in_buckets(video):
        for folder in (original_dir(video.uuid), hls_dir(video.uuid)):
            shutil.rmtree(folder, ignore_errors=True)


def copy(video: Video, file: MediaFile, to_buckets: bool) -> None:
    """Copy one file of the video from the disk to its bucket, or back; a copy already complete (same size)
    is kept, so an interrupted move picks up where it stopped. The source stays."""
    if to_buckets:
        public = readable_by_all(video, file)
        if object_storage.size(file.kind, file.key) != file.path.stat().st_size:
            object_storage.upload(file.kind, file.key, file.path, content_type=file.content_type, public=public)
        else:  # copied by an earlier run, maybe before a change of privacy
            object_storage.set_public(file.kind, file.key, public)
        return
    size = object_storage.size(file.kind, file.key)
    if file.path.is_file() and file.path.stat().st_size == size:
        return
    file.path.parent.mkdir(parents=True, exist_ok=True)
    partial = file.path.with_name(f".{file.path.name}.{uuid.uuid4().hex}.part")  # one per run: runs may overlap
    object_storage.download(file.kind, file.key, partial)
    partial.rename(file.path)


def send_to_buckets(video: Video, files: list[MediaFile]) -> None:
    """A new video's files, written on this disk by the upload, go to its buckets; the disk keeps none."""
    for file in files:
        copy(video, file, to_buckets=True)
    for file in files:
        file.path.unlink(missing_ok=True)
    original_dir(video.uuid).rmdir()


def apply_privacy(video: Video) -> None:
    """A video in the buckets changed privacy: its playable files become readable by all, or by nobody."""
    if not in_buckets(video):
        return
    for file in video_media(video):
        if file.folder in ("streaming-playlists/hls", "web-videos"):
            object_storage.set_public(file.kind, file.key, readable_by_all(video, file))


def file_in_buckets(video: Video, file: MediaFile) -> bool:
    """Whether this file of the video is in a bucket: the video's own files (a remote video's images
    included) are where `Video.storage` says; our copies of a remote video's HLS files (redundancy/hls)
    are always on this disk."""
    return in_buckets(video) and file.folder in FOLDER_KINDS


def bucket_url(video: Video, file: MediaFile) -> str | None:
    """The bucket (or CDN) URL viewers get for the file, when it is in a bucket and anyone may read it there."""
    if file_in_buckets(video, file) and readable_by_all(video, file):
        return object_storage.public_url(file.kind, file.key)
    return None
