"""A rendition as one ordinary MP4 file, for viewers who download rather than stream.

The HLS renditions are fragmented MP4s, which many desktop players handle badly; remuxing one into a
progressive MP4 (moov at the front) copies the streams as they are, so it costs no encoding.
"""
from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

from django.conf import settings

REMUX_TIMEOUT_SECONDS = 600


class RemuxError(Exception):
    """ffmpeg could not rewrite the file (missing or damaged rendition)."""


def remux_to_mp4(source: Path) -> Path:
    """Write the streams of `source` into a new progressive MP4 in the temporary folder; the caller deletes it."""
    folder = Path(settings.UPLOAD_TMP_DIR) / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.mp4"
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source),
               "-map", "0", "-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(target)]
    try:
        result = subprocess.run(command, capture_output=True, timeout=REMUX_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        target.unlink(missing_ok=True)
        raise RemuxError("Preparing the download took too long.") from error
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise RemuxError("The video file could not be prepared for download.")
    return target
