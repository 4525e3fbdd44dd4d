"""The original upload exposed as a first "web video" file with its .torrent, right after upload.

PeerTube stores the upload as a web video before transcoding, and peertube-cli polls the video until
`files[0].torrentUrl` is set; so every accepted upload gets a VideoFile row, a hard link of the
original under media/web-videos (no copy) and a real .torrent under media/torrents.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.conf import settings

from videos.models import Video, VideoFile
from videos.probe import MediaInfo
from videos.storage import absolute_url, media_dir, media_path, random_filename
from videos.torrents import write_torrent


def tracker_urls() -> list[str]:
    """The announce URLs PeerTube advertises (HTTP and WebSocket tracker of this instance)."""
    ws_scheme = "wss" if settings.INSTANCE_SCHEME == "https" else "ws"
    return [absolute_url("/tracker/announce"), f"{ws_scheme}://{settings.INSTANCE_HOST}/tracker/socket"]


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system: fall back to a copy
        shutil.copyfile(source, target)


def add_original_web_video(video: Video, original: Path, info: MediaInfo) -> VideoFile:
    """Publish the stored original as a web-video file with a torrent; undo the files on failure."""
    resolution = min(info.video.display_width, info.video.display_height) if info.video else 0
    suffix = original.suffix or ".mp4"
    filename = random_filename(f"-{resolution}{suffix}")
    torrent_filename = random_filename(f"-{resolution}.torrent")
    target = media_dir("web-videos") / filename
    torrent = media_dir("torrents") / torrent_filename
    try:
        _link_or_copy(original, target)
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
            metadata=info.raw,
        )
    except BaseException:
        target.unlink(missing_ok=True)
        torrent.unlink(missing_ok=True)
        raise
