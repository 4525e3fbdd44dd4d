"""ffprobe, read defensively into typed dataclasses.

It lives in `videos` (the leaf app) because accepting an upload needs it: a file is only stored when
ffprobe and a short decode say it is a real video. `transcoding` plans its ladder from the same
MediaInfo. Any field ffprobe may leave out (size, profile, bit_rate, frame rate…) is optional here.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

PROBE_TIMEOUT_SECONDS = 120
INTERLACED_FIELD_ORDERS = ("tt", "bb", "tb", "bt")  # ffprobe's field_order of interlaced video


class ProbeError(Exception):
    """The file is not a media file ffmpeg can use; the message says why, for a person to read."""


@dataclass(frozen=True)
class VideoStream:
    codec: str
    width: int
    height: int
    fps: float
    pix_fmt: str = ""
    profile: str = ""
    level: int | None = None
    bit_rate: int | None = None
    rotation: int = 0
    sample_aspect: float = 1.0  # width of a pixel over its height (DVD and TV video: not square)
    interlaced: bool = False

    @property
    def display_width(self) -> int:
        """Width as shown to the viewer: pixels made square, then the rotation phones record."""
        return self.height if self.rotation in (90, 270) else self._square_width

    @property
    def display_height(self) -> int:
        return self._square_width if self.rotation in (90, 270) else self.height

    @property
    def aspect_ratio(self) -> float:
        """Width over height as shown (PeerTube's `aspectRatio`, to 4 decimals): uploads and transcoding store it."""
        return round(self.display_width / self.display_height, 4)

    @property
    def _square_width(self) -> int:
        return max(round(self.width * self.sample_aspect), 1)


@dataclass(frozen=True)
class AudioStream:
    codec: str
    bit_rate: int | None = None
    channels: int | None = None
    sample_rate: int | None = None
    channel_layout: str = ""


@dataclass(frozen=True)
class MediaInfo:
    duration: float
    format_name: str
    size: int | None
    bit_rate: int | None
    video: VideoStream | None
    audio: AudioStream | None
    start_time: float = 0.0  # where the file's timeline starts; ffmpeg shifts it to zero
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        return self.audio is not None


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if number == number and number not in (float("inf"), float("-inf")) else None


def _fraction(value: object) -> float:
    """ffprobe writes frame rates and aspect ratios as fractions ("30000/1001", "16:15"); 0 is unknown."""
    try:
        rate = Fraction(str(value).replace(":", "/"))
    except (ValueError, ZeroDivisionError):
        return 0.0
    return round(float(rate), 3) if rate > 0 else 0.0


def _rotation(stream: dict) -> int:
    rotate = _int(stream.get("tags", {}).get("rotate"))
    if rotate is None:
        for side_data in stream.get("side_data_list", []) or []:
            rotate = _int(side_data.get("rotation"))
            if rotate is not None:
                break
    return (rotate or 0) % 360


def _video_stream(stream: dict) -> VideoStream | None:
    width, height = _int(stream.get("width")), _int(stream.get("height"))
    if not width or not height:
        return None
    fps = _fraction(stream.get("avg_frame_rate")) or _fraction(stream.get("r_frame_rate"))
    return VideoStream(
        codec=str(stream.get("codec_name", "")),
        width=width,
        height=height,
        fps=fps,
        pix_fmt=str(stream.get("pix_fmt", "")),
        profile=str(stream.get("profile", "")),
        level=_int(stream.get("level")),
        bit_rate=_int(stream.get("bit_rate")),
        rotation=_rotation(stream),
        sample_aspect=_fraction(stream.get("sample_aspect_ratio")) or 1.0,
        interlaced=stream.get("field_order") in INTERLACED_FIELD_ORDERS,
    )


def parse_probe_output(data: dict) -> MediaInfo:
    """Build MediaInfo from ffprobe's JSON; raise ProbeError when nothing playable is in it."""
    fmt = data.get("format") or {}
    video = audio = None
    for stream in data.get("streams") or []:
        kind = stream.get("codec_type")
        is_cover_art = (stream.get("disposition") or {}).get("attached_pic") == 1
        if kind == "video" and video is None and not is_cover_art:
            video = _video_stream(stream)
        elif kind == "audio" and audio is None:
            audio = AudioStream(
                codec=str(stream.get("codec_name", "")),
                bit_rate=_int(stream.get("bit_rate")),
                channels=_int(stream.get("channels")),
                sample_rate=_int(stream.get("sample_rate")),
                channel_layout=str(stream.get("channel_layout", "")),
            )
    if video is None and audio is None:
        raise ProbeError("The file contains no video or audio stream.")
    duration = _float(fmt.get("duration"))
    if duration is None:
        durations = [_float(s.get("duration")) for s in data.get("streams") or []]
        duration = max((d for d in durations if d is not None), default=None)
    if not duration or duration <= 0:
        raise ProbeError("The file has no duration: it is not a complete video.")
    return MediaInfo(
        duration=duration,
        format_name=str(fmt.get("format_name", "")),
        size=_int(fmt.get("size")),
        bit_rate=_int(fmt.get("bit_rate")),
        video=video,
        audio=audio,
        start_time=_float(fmt.get("start_time")) or 0.0,
        raw=data,
    )


def probe(path: Path) -> MediaInfo:
    """Run ffprobe on a file and return what it holds, or raise ProbeError with a readable reason."""
    command = [
        "ffprobe",
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        str(path),
    ]
    try:
        result = subprocess.run(command, capture_output=True, timeout=PROBE_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        raise ProbeError("Reading the file took too long.") from error
    if result.returncode != 0:
        raise ProbeError("The file is not a video ffmpeg can read.")
    try:
        data = json.loads(result.stdout or b"{}")
    except json.JSONDecodeError as error:
        raise ProbeError("The file is not a video ffmpeg can read.") from error
    return parse_probe_output(data)


def check_decodable(path: Path, info: MediaInfo) -> None:
    """Decode the first frame and one near the end: a truncated or corrupt file fails here.

    ffprobe alone trusts the container's header, so an upload cut short (with its index at the front)
    would pass it; decoding the last second too catches it without reading the whole file. Both the
    picture and the sound are read, as either may be the one that lasts to the end (a song whose
    picture stops early is a complete file).
    """
    streams = [
        *(["-map", "0:v:0", "-frames:v", "1"] if info.has_video else []),
        *(["-map", "0:a:0"] if info.has_audio else []),
    ]
    near_end = max(info.duration - 1.5, 0)
    for seek in (["-ss", "0"], ["-ss", f"{near_end:.3f}"]):
        command = [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-xerror",
            *seek,
            "-i",
            str(path),
            *streams,
            "-t",
            "0.5",
            "-f",
            "framecrc",
            "-",
        ]
        try:
            result = subprocess.run(command, capture_output=True, timeout=PROBE_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired as error:
            raise ProbeError("Decoding the file took too long.") from error
        decoded = [line for line in result.stdout.splitlines() if line and not line.startswith(b"#")]
        if result.returncode != 0 or not decoded:
            raise ProbeError("The file is damaged or incomplete: ffmpeg cannot decode it.")
