"""Small test clips generated with the real ffmpeg (lavfi sources), never stored binary blobs."""

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

VIDEO_CODECS = {
    ".mp4": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast"],
    ".mov": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast"],
    ".mkv": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast"],
    ".webm": ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"],
    ".avi": ["-c:v", "mpeg4", "-q:v", "5"],
}
AUDIO_CODECS = {".mp4": "aac", ".mov": "aac", ".mkv": "aac", ".webm": "libopus", ".avi": "libmp3lame"}


def ffmpeg(*arguments: str, cwd: Path | None = None) -> bytes:
    """Run ffmpeg the one way tests and benchmarks need it, and return what it wrote to stdout.

    `-nostdin` because under pytest ffmpeg would otherwise wait on (or eat) the terminal's input,
    `-v error` so a failure prints only its reason, `-y` so a rerun overwrites; a failure raises.
    """
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", *arguments]
    return subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, check=True).stdout


def ffprobe(path: Path, *options: str) -> dict:
    """ffprobe's JSON about a file with these `-show_...` options: the tests' own reading, independent of
    videos.probe, so a check of what we publish does not share the blind spots of the code it checks."""
    command = ["ffprobe", "-v", "error", "-of", "json", *options, str(path)]
    return json.loads(subprocess.run(command, capture_output=True, check=True).stdout)


def still_frame(clip: Path, path: Path, *, at: float = 1, size: str | None = None) -> Path:
    """One frame of the clip `at` seconds in, as the image path's suffix says (scaled to `size`, e.g. "850:480"):
    the preview or thumbnail an import or the pipeline would have made."""
    scale = ["-vf", f"scale={size}"] if size else []
    ffmpeg("-ss", str(at), "-i", str(clip), "-frames:v", "1", *scale, str(path))
    return path


def peertube_hls_output(segment_seconds: int, media: str, playlist: str) -> list[str]:
    """ffmpeg's output options for one rung as PeerTube lays it out: a VOD playlist of fragmented-MP4
    segments all in one file (`media`), addressed by byte ranges. Shared by the player tests' ladders and
    the benchmark's copy of PeerTube's command, so both make the same layout."""
    return [
        "-f",
        "hls",
        "-hls_time",
        str(segment_seconds),
        "-hls_list_size",
        "0",
        "-hls_playlist_type",
        "vod",
        "-hls_segment_type",
        "fmp4",
        "-hls_flags",
        "single_file",
        "-hls_segment_filename",
        media,
        playlist,
    ]


def make_clip(
    path: Path,
    *,
    width: int = 320,
    height: int = 240,
    duration: float = 3,
    fps: int = 25,
    audio: bool = True,
    video: bool = True,
    audio_duration: float | None = None,
    extra: Sequence[str] = (),
) -> Path:
    """Write a test-pattern clip (with a 440 Hz tone when audio) in the container path's suffix says.

    The tone lasts `audio_duration` when given (else as long as the picture); `extra` output options
    go last, e.g. a bitrate cap or rotation metadata.
    """
    suffix = path.suffix.lower()
    command: list[str] = []
    if video:
        command += ["-t", str(duration), "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}"]
    if audio:
        command += ["-t", str(audio_duration or duration), "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    if video:
        command += VIDEO_CODECS.get(suffix, VIDEO_CODECS[".mp4"])
    if audio:
        command += ["-c:a", AUDIO_CODECS.get(suffix, "aac")] if suffix in AUDIO_CODECS else []
    ffmpeg(*command, *extra, str(path))
    return path


def picture(path: Path, color: str, size: str = "1280x720") -> Path:
    ffmpeg("-f", "lavfi", "-i", f"color={color}:size={size}", "-frames:v", "1", str(path))
    return path


def image_size_and_color(path: Path) -> tuple[tuple[int, int], bytes]:
    """The JPEG's size and its centre pixel (RGB), read with ffmpeg."""
    probe = (
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .split(",")
    )
    width, height = int(probe[0]), int(probe[1])
    crop = f"crop=2:2:{width // 2}:{height // 2}"
    centre = ffmpeg("-i", str(path), "-vf", crop, "-f", "rawvideo", "-pix_fmt", "rgb24", "-")
    return (width, height), centre[:3]
