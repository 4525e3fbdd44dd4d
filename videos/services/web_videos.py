"""The original upload exposed as a first "web video" file with its .torrent, right after upload.

PeerTube stores the upload as a web video before transcoding, and peertube-cli polls the video until
`files[0].torrentUrl` is set; so every accepted upload gets a VideoFile row, a web video under
media/web-videos and a real .torrent under media/torrents.

The original itself is never published: it stays private to its owner (and admins) under
ORIGINALS_DIR. The web video is a stream copy of it (no encoding) without its metadata (GPS, author,
comments) and in a container and under a suffix we pick from what ffprobe found, never the uploader's
file name: what we serve is only ever a media type, whatever the upload was named or hid in its bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from videos.downloads import RemuxError, remux
from videos.models import Video, VideoFile
from videos.probe import MediaInfo, probe
from videos.storage import absolute_url, media_dir, media_path, random_filename
from videos.torrents import write_torrent


@dataclass(frozen=True)
class Container:
    """An ffmpeg muxer and the suffixes (all in storage.MEDIA_CONTENT_TYPES) of what it writes."""

    muxer: str
    video_suffix: str
    audio_suffix: str

    def suffix(self, info: MediaInfo) -> str:
        return self.video_suffix if info.has_video else self.audio_suffix


MATROSKA = Container("matroska", ".mkv", ".mka")  # holds any codec: for every other container
WEBM = Container("webm", ".webm", ".webm")
WEBM_CODECS = frozenset({"vp8", "vp9", "av1", "opus", "vorbis"})
# ffprobe's format_name -> the container a browser plays, kept as it is.
PLAYABLE_CONTAINERS = {
    "mov,mp4,m4a,3gp,3g2,mj2": Container("mp4", ".mp4", ".m4a"),
    "ogg": Container("ogg", ".ogv", ".ogg"),
    "mp3": Container("mp3", ".mp3", ".mp3"),
    "flac": Container("flac", ".flac", ".flac"),
    "wav": Container("wav", ".wav", ".wav"),
}


def published_containers(info: MediaInfo) -> list[Container]:
    """Where to copy the original's streams, best first: its own container when browsers play it, else
    (or if that muxer refuses the streams) Matroska."""
    codecs = {stream.codec for stream in (info.video, info.audio) if stream is not None}
    if info.format_name == "matroska,webm" and codecs <= WEBM_CODECS:
        return [WEBM, MATROSKA]
    container = PLAYABLE_CONTAINERS.get(info.format_name)
    return [container, MATROSKA] if container else [MATROSKA]


def tracker_urls() -> list[str]:
    """The announce URLs PeerTube advertises (HTTP and WebSocket tracker of this instance)."""
    ws_scheme = "wss" if settings.INSTANCE_SCHEME == "https" else "ws"
    return [absolute_url("/tracker/announce"), f"{ws_scheme}://{settings.INSTANCE_HOST}/tracker/socket"]


def publish_copy(original: Path, info: MediaInfo, resolution: int) -> Path:
    """The original's streams, without its metadata, in a new file of web-videos named by us.

    RemuxError when no container takes them (nothing is left behind then).
    """
    for container in published_containers(info):
        target = media_dir("web-videos") / random_filename(f"-{resolution}{container.suffix(info)}")
        try:
            remux(original, target, container.muxer)
        except RemuxError as error:
            failure = error
        else:
            return target
    raise failure


def add_original_web_video(video: Video, original: Path, info: MediaInfo) -> VideoFile:
    """Publish the stored original as a web-video file with a torrent; undo the files on failure.

    The file's metadata (answered by the API's metadataUrl) is what ffprobe finds in the published
    copy, not in the original.
    """
    resolution = min(info.video.display_width, info.video.display_height) if info.video else 0
    target = publish_copy(original, info, resolution)
    filename, suffix = target.name, target.suffix
    torrent_filename = random_filename(f"-{resolution}.torrent")
    torrent = media_dir("torrents") / torrent_filename
    try:
        write_torrent(
            target,
            torrent,
            name=f"{video.name} {resolution}p{suffix}",
            webseed_url=absolute_url(media_path("web-videos", filename)),
            announce=tracker_urls(),
        )
        return VideoFile.objects.create(
            video=video,
            resolution=resolution,
            width=info.video.display_width if info.video else None,
            height=info.video.display_height if info.video else None,
            fps=info.video.fps if info.video else 0,
            size=target.stat().st_size,
            filename=filename,
            torrent_filename=torrent_filename,
            has_audio=info.has_audio,
            has_video=info.has_video,
            metadata=probe(target).raw,
        )
    except BaseException:
        target.unlink(missing_ok=True)
        torrent.unlink(missing_ok=True)
        raise
