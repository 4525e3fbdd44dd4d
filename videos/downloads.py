"""Rewriting a video's streams into a new file of our choosing (a stream copy: no encoding), with nothing
personal in it.

Two uses: a rendition as one ordinary MP4 for viewers who download rather than stream (the HLS
renditions are fragmented MP4s, which many desktop players handle badly; moov goes at the front), and
the original upload published as its first web video (videos.services.web_videos).

Whatever we publish is rewritten here rather than served as received: phones and editors write the
place of recording (GPS), the author, comments and the device's user tags into the container, and a
file built to be also a script or a page (a polyglot) keeps that payload only in bytes a remux drops.
So only the picture and sound streams are copied (no data, subtitle or attachment streams, no cover
art), without the source's global, stream or chapter metadata.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

from django.conf import settings

REMUX_TIMEOUT_SECONDS = 600


class RemuxError(Exception):
    """ffmpeg could not rewrite the file (missing or damaged file, or streams the container cannot hold)."""


def remux(source: Path, target: Path, muxer: str) -> None:
    """Copy the picture and sound of `source` into `target` with the ffmpeg muxer named, metadata left out.

    `target` is removed again when ffmpeg fails.
    """
    faststart = ["-movflags", "+faststart"] if muxer == "mp4" else []
    command = [
        "ffmpeg",
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-fflags",
        "+genpts",
        "-i",
        str(source),
        "-map",
        "0:V?",
        "-map",
        "0:a?",
        "-c",
        "copy",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        *faststart,
        "-f",
        muxer,
        str(target),
    ]
    try:
        result = subprocess.run(command, capture_output=True, timeout=REMUX_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        target.unlink(missing_ok=True)
        raise RemuxError("Rewriting the file took too long.") from error
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise RemuxError("The file's streams could not be rewritten.")


def remux_to_mp4(source: Path) -> Path:
    """Write the streams of `source` into a new progressive MP4 in the temporary folder; the caller deletes it."""
    folder = Path(settings.UPLOAD_TMP_DIR) / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.mp4"
    try:
        remux(source, target, "mp4")
    except RemuxError as error:
        raise RemuxError("The video file could not be prepared for download.") from error
    return target
