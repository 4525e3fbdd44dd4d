"""Small test clips generated with the real ffmpeg (lavfi sources), never stored binary blobs."""

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
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y"]
    if video:
        command += ["-t", str(duration), "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}"]
    if audio:
        command += ["-t", str(audio_duration or duration), "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    if video:
        command += VIDEO_CODECS.get(suffix, VIDEO_CODECS[".mp4"])
    if audio:
        command += ["-c:a", AUDIO_CODECS.get(suffix, "aac")] if suffix in AUDIO_CODECS else []
    command += [*extra, str(path)]
    subprocess.run(command, check=True)
    return path


def picture(path: Path, color: str, size: str = "1280x720") -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"color={color}:size={size}", "-frames:v", "1", str(path)],
        check=True,
    )
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
    centre = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            "-vf",
            f"crop=2:2:{width // 2}:{height // 2}",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return (width, height), centre[:3]
