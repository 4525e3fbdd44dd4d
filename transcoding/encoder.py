"""Encode a planned ladder into PeerTube's fMP4 HLS renditions with as few decodes as possible.

PeerTube runs one ffmpeg per rendition, so it decodes (and scales down from full size) the source
once per rung. Here each ffmpeg process decodes the source once, scales in a cascade (1080 -> 720
-> 480 ...) and feeds one libx264 per rung. Two processes share the machine's two cores: a small
one makes the lowest rung first (so a viewer can start watching early), a niced one makes all the
others. Audio is encoded once, before both, and stream-copied into every rung.
"""
from __future__ import annotations

import os
import re
import selectors
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from transcoding import x264
from transcoding.ladder import Rung
from videos.probe import MediaInfo

HLS_OPTIONS = [
    "-f", "hls", "-hls_time", "4", "-hls_list_size", "0", "-hls_playlist_type", "vod",
    "-hls_segment_type", "fmp4", "-hls_flags", "single_file",
]
ERROR_LINES = 3  # last ffmpeg error lines quoted in an EncodeError
BACKGROUND_NICENESS = 10  # the process making the higher rungs yields to the one making the first


@dataclass(frozen=True)
class RungOutput:
    rung: Rung
    playlist: Path  # the rung's VOD m3u8
    media: Path  # the single fragmented MP4 the playlist addresses by byte ranges


class EncodeError(Exception):
    """ffmpeg could not make the renditions; the message says why, for a person to read."""


def default_names(rung: Rung) -> tuple[str, str]:
    return f"{rung.resolution}.m3u8", f"{rung.resolution}-fragmented.mp4"


@dataclass
class _Job:
    """One ffmpeg process and the rungs it produces."""
    command: list[str]
    outputs: list[RungOutput]
    weight: float  # its share of the ladder's work, for progress
    process: subprocess.Popen | None = None
    log: Path | None = None
    buffer: bytes = b""
    done_seconds: float = 0.0


def can_copy_video(info: MediaInfo, rung: Rung) -> bool:
    """Whether the source's picture can be the rung as is, as PeerTube's quick transcode decides.

    H.264 yuv420p of exactly the rung's size and rate, unrotated, within PeerTube's maximum bitrate,
    with AAC audio it would keep (or none).
    """
    video, audio = info.video, info.audio
    if video is None or rung.resolution == 0:
        return False
    bitrate = video.bit_rate or info.bit_rate
    ratio = max(rung.width, rung.height) / rung.resolution
    return (
        video.codec == "h264" and video.pix_fmt == "yuv420p" and video.rotation == 0
        and (video.width, video.height) == (rung.width, rung.height)
        and abs(video.fps - rung.fps) < 0.01
        and bitrate is not None and bitrate <= x264.max_bitrate(rung.resolution, ratio, rung.fps)
        and (audio is None or _can_copy_audio(info))
    )


def _can_copy_audio(info: MediaInfo) -> bool:
    audio = info.audio
    return bool(audio and audio.codec == "aac" and audio.bit_rate and audio.bit_rate <= x264.AAC_COPY_LIMIT)


def _audio_encoder_options(info: MediaInfo) -> list[str]:
    audio = info.audio
    assert audio is not None
    if _can_copy_audio(info):
        return ["-c:a", "copy"]
    return ["-c:a", "aac", "-b:a", str(x264.audio_bitrate(audio.codec, audio.bit_rate)), "-ac", "2"]


def _fps_value(fps: float) -> str:
    return f"{fps:.3f}".rstrip("0").rstrip(".")


def _scale_cascade(info: MediaInfo, rungs: Sequence[Rung]) -> tuple[str, list[str]]:
    """A filter graph scaling each rung from the previous (larger) one, and its output labels.

    Scaling 720p down to 480p costs less than from the 1080p source, and dropping frames (60 -> 30)
    before scaling saves more; the loss against scaling from the source is negligible.
    """
    assert info.video is not None
    source = "[0:v:0]"
    current_fps = info.video.fps
    parts, labels = [], []
    for index, rung in enumerate(rungs):
        filters = []
        if rung.fps and abs(rung.fps - current_fps) > 0.01:
            filters.append(f"fps={_fps_value(rung.fps)}")
            current_fps = rung.fps
        filters.append(f"scale={rung.width}:{rung.height},format=yuv420p")
        label = f"v{index}"
        labels.append(f"[{label}]")
        if index + 1 < len(rungs):
            parts.append(f"{source}{','.join(filters)},split=2[{label}][c{index}]")
            source = f"[c{index}]"
        else:
            parts.append(f"{source}{','.join(filters)}[{label}]")
    return ";".join(parts), labels


def _hls_output(output: RungOutput) -> list[str]:
    return [
        "-map_metadata", "-1", "-max_muxing_queue_size", "1024", *HLS_OPTIONS,
        "-hls_segment_filename", str(output.media), str(output.playlist),
    ]


def _build_command(
    source: Path, info: MediaInfo, outputs: Sequence[RungOutput], copy_video: Rung | None,
    audio_input: Path | None, x264_threads: int,
) -> list[str]:
    """An ffmpeg command decoding the source once and writing the given rungs.

    `audio_input` is the audio encoded beforehand (copied into every rung); without it the source's
    audio is encoded (or copied) here, which only encodes it once when there is a single output.
    """
    command = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats",
               "-progress", "pipe:1", "-y", "-i", str(source)]
    if audio_input is not None:
        command += ["-i", str(audio_input)]
        audio = ["-map", "1:a:0", "-c:a", "copy"]
    elif info.has_audio:
        audio = ["-map", "0:a:0", *_audio_encoder_options(info)]
    else:
        audio = []
    encoded = [o.rung for o in outputs if o.rung.resolution and o.rung != copy_video]
    labels = iter([])
    if encoded:
        graph, cascade_labels = _scale_cascade(info, encoded)
        command += ["-filter_complex", graph]
        labels = iter(cascade_labels)
    for output in outputs:
        rung = output.rung
        if rung.resolution == 0:
            video = ["-vn"]
        elif rung == copy_video:
            video = ["-map", "0:v:0", "-c:v", "copy"]
        else:
            video = ["-map", next(labels), *x264.video_options(rung.fps, rung.bitrate, x264_threads)]
        command += [*video, *audio, *_hls_output(output)]
    return command


def _work(rung: Rung, copied: bool) -> float:
    """Relative cost of making a rung, for weighting progress across processes."""
    if copied or rung.resolution == 0:
        return 1.0
    return rung.width * rung.height * rung.fps / 10_000


def _finish_playlist(output: RungOutput) -> None:
    """Point the playlist's EXT-X-MAP and segments at the bare media filename (PROTOCOL.md §4.4)."""
    text = output.playlist.read_text()
    name = output.media.name
    text = re.sub(r'#EXT-X-MAP:URI="[^"]*"', f'#EXT-X-MAP:URI="{name}"', text)
    lines = [line if line.startswith("#") or not line.strip() else name for line in text.splitlines()]
    output.playlist.write_text("\n".join(lines) + "\n")


class _Runner:
    """Runs ffmpeg processes side by side, following their -progress output in the caller's thread.

    Callbacks run in the calling thread (Celery tasks write progress to the database from there).
    Any failure or exception kills every process still running: no ffmpeg outlives the call.
    """

    def __init__(self, duration: float, log_dir: Path, on_progress: Callable[[float], None] | None):
        self.duration = duration
        self.log_dir = log_dir
        self.on_progress = on_progress
        self.reported = -1.0

    def run(self, jobs: Sequence[_Job], on_done: Callable[[_Job], None]) -> None:
        selector = selectors.DefaultSelector()
        try:
            for index, job in enumerate(jobs):
                job.log = self.log_dir / f"ffmpeg-{index}.log"
                with job.log.open("wb") as log:
                    job.process = subprocess.Popen(job.command, stdout=subprocess.PIPE, stderr=log)
                selector.register(job.process.stdout, selectors.EVENT_READ, job)
            while selector.get_map():
                for key, _ in selector.select():
                    job = key.data
                    chunk = os.read(key.fd, 65536)
                    if chunk:
                        self._read_progress(job, chunk, jobs)
                        continue
                    selector.unregister(key.fileobj)
                    self._wait(job)
                    on_done(job)
        finally:
            selector.close()
            for job in jobs:
                if job.process is not None and job.process.poll() is None:
                    job.process.kill()
                    job.process.wait()
                if job.process is not None and job.process.stdout:
                    job.process.stdout.close()

    def _read_progress(self, job: _Job, chunk: bytes, jobs: Sequence[_Job]) -> None:
        *lines, job.buffer = (job.buffer + chunk).split(b"\n")
        for line in lines:
            key, _, value = line.decode(errors="replace").partition("=")
            if key == "out_time_us" and value.strip().lstrip("-").isdigit():
                job.done_seconds = max(job.done_seconds, int(value) / 1_000_000)
        self.report(jobs)

    def report(self, jobs: Sequence[_Job]) -> None:
        total = sum(job.weight for job in jobs)
        done = sum(job.weight * min(job.done_seconds / self.duration, 1.0) for job in jobs)
        percent = round(100 * done / total, 1) if total else 100.0
        if self.on_progress is not None and percent > self.reported:
            self.reported = percent
            self.on_progress(percent)

    def _wait(self, job: _Job) -> None:
        returncode = job.process.wait()
        if returncode != 0:
            raise EncodeError(_failure_reason(job.log, returncode))
        job.done_seconds = self.duration


def _failure_reason(log: Path, returncode: int) -> str:
    return _summarise(log.read_text(errors="replace"), returncode)


def _summarise(stderr: str, returncode: int) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    detail = "; ".join(lines[-ERROR_LINES:]) or f"exit status {returncode}"
    return f"ffmpeg could not encode the video: {detail}"


def _encode_audio(source: Path, info: MediaInfo, target: Path) -> None:
    """Encode the source's audio once, for every rung to stream-copy."""
    command = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source),
               "-map", "0:a:0", "-vn", *_audio_encoder_options(info), str(target)]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        raise EncodeError(_summarise(result.stderr.decode(errors="replace"), result.returncode))


def _process_groups(rungs: Sequence[Rung], copy_video: Rung | None) -> list[list[Rung]]:
    """Which rungs each ffmpeg process makes, the first process's group first.

    The lowest encoded rung gets a process of its own, so it is ready early while the other process
    encodes the rest; a stream-copied top rung costs nothing and rides along with it.
    """
    encoded = [rung for rung in rungs if rung != copy_video]
    if len(encoded) < 2:
        return [list(rungs)]
    first = [encoded[-1]] + ([copy_video] if copy_video else [])
    return [first, encoded[:-1]]


def encode_ladder(
    source: Path,
    info: MediaInfo,
    rungs: Sequence[Rung],
    out_dir: Path,
    *,
    names: Callable[[Rung], tuple[str, str]] | None = None,
    on_progress: Callable[[float], None] | None = None,
    on_rung_ready: Callable[[RungOutput], None] | None = None,
) -> list[RungOutput]:
    """Encode `rungs` (from plan_ladder) of `source` into HLS renditions in `out_dir`.

    `names` gives each rung's (playlist, media) filenames; `on_progress` gets 0..100 over the whole
    ladder; `on_rung_ready` gets each rung as soon as its files are complete, the lowest first.
    Returns the outputs in the order of `rungs`; raises EncodeError when ffmpeg fails.
    """
    if not rungs:
        raise ValueError("encode_ladder needs at least one rung")
    rungs = sorted(rungs, key=lambda rung: rung.resolution, reverse=True)
    names = names or default_names
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {rung: RungOutput(rung, out_dir / names(rung)[0], out_dir / names(rung)[1]) for rung in rungs}
    copy_video = rungs[0] if can_copy_video(info, rungs[0]) else None
    groups = _process_groups(rungs, copy_video)

    def finished(job: _Job) -> None:
        for output in sorted(job.outputs, key=lambda output: output.rung.resolution):
            _finish_playlist(output)
            if on_rung_ready is not None:
                on_rung_ready(output)

    with tempfile.TemporaryDirectory(prefix=".encode-", dir=out_dir) as work_dir:
        work = Path(work_dir)
        audio_input = None
        if info.has_audio and len(rungs) > 1 and not _can_copy_audio(info):
            audio_input = work / "audio.mka"
            _encode_audio(source, info, audio_input)
        jobs = []
        for index, group in enumerate(groups):
            command = _build_command(source, info, [outputs[r] for r in group], copy_video, audio_input,
                                     x264_threads=2)
            if index > 0:
                command = ["nice", "-n", str(BACKGROUND_NICENESS), *command]
            weight = sum(_work(rung, rung == copy_video) for rung in group)
            jobs.append(_Job(command, [outputs[r] for r in group], weight))
        runner = _Runner(info.duration, work, on_progress)
        runner.run(jobs, finished)
        runner.report(jobs)
    return [outputs[rung] for rung in rungs]
