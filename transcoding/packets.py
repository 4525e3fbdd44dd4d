"""Where a source's video keyframes are, read from its packets without decoding anything."""

from __future__ import annotations

import subprocess
from pathlib import Path

from videos.probe import PROBE_TIMEOUT_SECONDS


def video_packets(source: Path, between: tuple[float, float] | None = None) -> list[tuple[float, bool]]:
    """(timestamp, is keyframe) of the packets of the first video stream, in display order.

    ffprobe reads only the container's index and packet headers. With `between` (two timestamps of
    the file's own timeline) it seeks to the keyframe before the first and stops after the second,
    so a long file is not read through. An empty list means the timing cannot be vouched for: ffprobe
    failed, or a packet has no timestamp.
    """
    command = ["ffprobe", "-v", "error", "-select_streams", "v:0"]
    if between:
        command += ["-read_intervals", f"{between[0]:.6f}%{between[1]:.6f}"]
    command += ["-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", str(source)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=PROBE_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        return []
    if result.returncode != 0:
        return []
    packets = []
    for line in result.stdout.splitlines():
        time, _, flags = line.partition(",")
        try:
            packets.append((float(time), "K" in flags))
        except ValueError:
            return []
    return sorted(packets)
