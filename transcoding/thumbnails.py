"""The thumbnail and preview of a transcoded video, drawn from one frame in its middle (the first
frames are often black) by videos.images. Audio-only videos have none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from transcoding import picture
from videos.images import ImageError, draw
from videos.probe import MediaInfo, VideoStream


@dataclass(frozen=True)
class Images:
    thumbnail: Path
    preview: Path


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
    prepare = [*picture.progressive(info.video), *_square_pixels(info.video)]
    # The middle frame first; a file whose end does not decode still has a first frame.
    for seek in (info.duration / 2, 0):
        if draw(source, images.thumbnail, images.preview, seek=seek, prepare=prepare):
            return images
    raise ImageError("No picture could be decoded from the video for its thumbnail.")
