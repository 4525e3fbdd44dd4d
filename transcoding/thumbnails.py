"""The two still images PeerTube shows for a video: the list thumbnail and the player's preview.

Both come from one frame in the middle of the video (the first frames are often black), scaled to
cover PeerTube's sizes and cropped to them. Audio-only videos have none.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from transcoding import picture
from videos.constants import PREVIEW_SIZE, THUMBNAIL_SIZE
from videos.probe import MediaInfo, VideoStream

IMAGE_TIMEOUT_SECONDS = 120


class ImageError(Exception):
    """No frame could be taken from the video; the message is for a person to read."""


@dataclass(frozen=True)
class Images:
    thumbnail: Path
    preview: Path


def _cover(size: tuple[int, int]) -> str:
    width, height = size
    return f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},setsar=1"


def _square_pixels(video: VideoStream) -> list[str]:
    """Anamorphic (DVD, TV) frames stretched to their shown size: the cover scaling ignores pixel shape."""
    if video.sample_aspect == 1:
        return []
    return [f"scale={video.display_width}:{video.display_height}", "setsar=1"]


def make_images(source: Path, info: MediaInfo, out_dir: Path) -> Images | None:
    """Write thumbnail.jpg and preview.jpg into out_dir from one decoded frame; None for audio-only."""
    if not info.has_video:
        return None
    images = Images(thumbnail=out_dir / "thumbnail.jpg", preview=out_dir / "preview.jpg")
    prepare = ",".join([*picture.progressive(info.video), *_square_pixels(info.video), "split"])
    graph = f"[0:v:0]{prepare}[a][b];[a]{_cover(THUMBNAIL_SIZE)}[thumbnail];[b]{_cover(PREVIEW_SIZE)}[preview]"
    # The middle frame first; a file whose end does not decode still has a first frame.
    for seek in (info.duration / 2, 0):
        command = [
            "ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", f"{seek:.3f}", "-i", str(source),
            "-filter_complex", graph,
            "-map", "[thumbnail]", "-frames:v", "1", "-q:v", "3", str(images.thumbnail),
            "-map", "[preview]", "-frames:v", "1", "-q:v", "3", str(images.preview),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=IMAGE_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired as error:
            raise ImageError("Taking a thumbnail from the video took too long.") from error
        if all(path.is_file() and path.stat().st_size > 0 for path in (images.thumbnail, images.preview)):
            return images
    raise ImageError("No picture could be decoded from the video for its thumbnail.")
