"""The two still images PeerTube shows for a video, the list thumbnail and the player's preview,
drawn from one picture: a frame of the video (transcoding) or an image its owner chose.

Both are scaled to cover PeerTube's sizes and cropped to them, so every card has the same shape.
It lives in `videos` because accepting an owner's image is part of editing a video; transcoding
draws its frames through the same function.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from videos.constants import PREVIEW_SIZE, THUMBNAIL_SIZE

IMAGE_TIMEOUT_SECONDS = 120
IMAGE_CODECS = ("png", "mjpeg", "webp")  # what PeerTube accepts: .png, .jpg/.jpeg, .webp


class ImageError(Exception):
    """No picture could be drawn; the message is for a person to read."""


def _cover(size: tuple[int, int]) -> str:
    width, height = size
    return f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},setsar=1"


def draw(source: Path, thumbnail: Path, preview: Path, *, seek: float = 0.0, prepare: Sequence[str] = ()) -> bool:
    """Write the thumbnail and preview JPEGs from the picture of `source` at `seek` seconds.

    `prepare` filters run on that picture first (deinterlacing, square pixels). Whether both images
    were written: a picture that does not decode writes none.
    """
    graph = (
        f"[0:v:0]{','.join([*prepare, 'split'])}[a][b];"
        f"[a]{_cover(THUMBNAIL_SIZE)}[thumbnail];[b]{_cover(PREVIEW_SIZE)}[preview]"
    )
    command = [
        "ffmpeg",
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-ss",
        f"{seek:.3f}",
        "-i",
        str(source),
        "-filter_complex",
        graph,
        "-map",
        "[thumbnail]",
        "-frames:v",
        "1",
        "-q:v",
        "3",
        str(thumbnail),
        "-map",
        "[preview]",
        "-frames:v",
        "1",
        "-q:v",
        "3",
        str(preview),
    ]
    try:
        subprocess.run(command, capture_output=True, timeout=IMAGE_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        raise ImageError("Drawing the video's images took too long.") from error
    return all(path.is_file() and path.stat().st_size > 0 for path in (thumbnail, preview))


def check_image(path: Path) -> None:
    """Raise ImageError unless the file is a PNG, JPEG or WebP picture."""
    command = ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", str(path)]
    try:
        result = subprocess.run(command, capture_output=True, timeout=IMAGE_TIMEOUT_SECONDS, check=False)
        streams = json.loads(result.stdout or b"{}").get("streams") or []
    except (subprocess.TimeoutExpired, json.JSONDecodeError):
        streams = []
    if len(streams) != 1 or streams[0].get("codec_name") not in IMAGE_CODECS:
        raise ImageError("The image must be a PNG, JPEG or WebP picture.")


@contextmanager
def drawn_from(thumbnail_source: Path, preview_source: Path | None = None) -> Iterator[tuple[Path, Path]]:
    """The thumbnail and preview drawn from an owner's pictures, in a scratch folder for the block.

    The preview comes from the thumbnail's picture when no other is given. Raises ImageError for
    anything but a readable PNG, JPEG or WebP picture.
    """
    preview_source = preview_source or thumbnail_source
    for source in {thumbnail_source, preview_source}:
        check_image(source)
    with tempfile.TemporaryDirectory() as scratch:
        thumbnail, preview = Path(scratch) / "thumbnail.jpg", Path(scratch) / "preview.jpg"
        if not draw(thumbnail_source, thumbnail, preview):
            raise ImageError("The image could not be read.")
        if preview_source != thumbnail_source and not draw(preview_source, Path(scratch) / "unused.jpg", preview):
            raise ImageError("The preview image could not be read.")
        yield thumbnail, preview
