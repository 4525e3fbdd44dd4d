"""Which renditions to make of a source: pure functions of its probe result and the configured rungs.

The "resolution" of a rendition is its smaller side, as in PeerTube, so a portrait phone video gets
a 1080p rendition that is 1080x1920. Sources are never upscaled, and the source's own resolution is
always kept when it sits below the top configured rung (PeerTube transcodes the original too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from transcoding import x264
from videos.probe import MediaInfo

MAX_FPS = 60
HD_STANDARD_FPS = (60, 50)
STANDARD_FPS = (30, 25, 24)
KEEP_FPS_MIN_RESOLUTION = 720  # below this, sources above 30 fps are brought down to 30/25/24
DEFAULT_FPS = 30  # when the container does not say


@dataclass(frozen=True)
class Rung:
    resolution: int  # the smaller side of the output; 0 = audio-only
    width: int
    height: int
    fps: float
    bitrate: int  # x264 maxrate (bufsize is twice it), or the audio bitrate of an audio-only rung


def _standard_rate(fps: float, standards: Sequence[int]) -> int:
    """The highest standard rate that divides the source rate (60 -> 30), so frames drop evenly."""
    whole = round(fps)
    return next((rate for rate in standards if whole % rate == 0), standards[-1])


def output_fps(source_fps: float, resolution: int, is_source_resolution: bool) -> float:
    fps = source_fps or DEFAULT_FPS
    if not is_source_resolution and resolution < KEEP_FPS_MIN_RESOLUTION and fps > STANDARD_FPS[0]:
        fps = _standard_rate(fps, STANDARD_FPS)
    if fps > MAX_FPS:
        fps = _standard_rate(fps, HD_STANDARD_FPS)
    return max(fps, 1)


def _even(value: float) -> int:
    """Round down to even: x264 needs even sizes and a picture must never grow."""
    return max(2, int(value) // 2 * 2)


def _even_nearest(value: float) -> int:
    """Round to the nearest even number, halves up, as ffmpeg's `scale=-2:h` does (854x480 -> 428x240)."""
    return max(2, int(value / 2 + 0.5) * 2)


def plan_ladder(info: MediaInfo, resolutions: Sequence[int]) -> list[Rung]:
    """The renditions to encode, highest first; a single audio-only rung when there is no picture."""
    if info.video is None:
        audio = info.audio
        bitrate = x264.audio_bitrate(audio.codec, audio.bit_rate) if audio else 0
        return [Rung(0, 0, 0, 0, bitrate)]
    video = info.video
    width, height = video.display_width, video.display_height
    short, long = min(width, height), max(width, height)
    ratio = long / short
    source_resolution = _even(short)
    configured = [r for r in resolutions if r > 0]
    chosen = {r for r in configured if r <= short}
    if not configured or source_resolution < max(configured):
        chosen.add(source_resolution)
    input_bitrate = video.bit_rate or info.bit_rate
    rungs = []
    for resolution in sorted(chosen, reverse=True):
        long_side = min(_even_nearest(resolution * ratio), _even(long))
        fps = output_fps(video.fps, resolution, resolution == source_resolution)
        size = (long_side, resolution) if width >= height else (resolution, long_side)
        bitrate = x264.target_bitrate(resolution, ratio, fps, input_bitrate)
        rungs.append(Rung(resolution, *size, fps, bitrate))
    return rungs
