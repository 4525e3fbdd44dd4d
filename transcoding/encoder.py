"""Encode a planned ladder into PeerTube's fMP4 HLS renditions with as few decodes as possible.

PeerTube runs one ffmpeg per rendition, so it decodes (and scales down from full size) the source
once per rung. Here an ffmpeg process decodes the source once, scales in a cascade (1080 -> 720
-> 480 ...) and feeds one libx264 per rung; its rungs share one audio encoder through the tee
muxer. Two processes run one after the other, each keeping both cores busy on its own (frame-
threaded decoding, two x264 threads per rung): a small one makes the lowest rung first, so a
viewer can start watching early, then one makes all the others. The first also writes its encoded
audio to a file that the second copies, so the audio is encoded once for the whole ladder (AAC
that PeerTube would keep is stream-copied from the source by both).

Running them side by side, the second niced, was measured worse: on a busy machine a niced
process gets almost no CPU, and the first process already fills both cores.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from transcoding import picture, x264
from transcoding.ladder import Rung
from transcoding.stream_copy import can_copy_audio, can_copy_video
from videos.probe import MediaInfo

HLS_OPTIONS = {
    "f": "hls", "hls_time": "4", "hls_list_size": "0", "hls_playlist_type": "vod",
    "hls_segment_type": "fmp4", "hls_flags": "single_file",
}
ERROR_LINES = 3  # last ffmpeg error lines quoted in an EncodeError
X264_THREADS = 2  # per encoder: enough to keep both cores busy without oversubscribing them
AAC_PRIMING_SAMPLES = 1024  # silence ffmpeg's AAC encoder emits before the first real sample


@dataclass(frozen=True)
class RungOutput:
    rung: Rung
    playlist: Path  # the rung's VOD m3u8
    media: Path  # the single fragmented MP4 the playlist addresses by byte ranges


class EncodeError(Exception):
    """ffmpeg could not make the renditions; the message says why, for a person to read."""


def default_names(rung: Rung) -> tuple[str, str]:
    return f"{rung.resolution}.m3u8", f"{rung.resolution}-fragmented.mp4"


def _audio_encoder_options(info: MediaInfo) -> list[str]:
    audio = info.audio
    assert audio is not None
    if can_copy_audio(info):
        return ["-c:a", "copy"]
    return ["-c:a", "aac", "-b:a", str(x264.audio_bitrate(audio.codec, audio.bit_rate)), "-ac", "2",
            "-af", "aresample=first_pts=0"]


def _priming_offset(info: MediaInfo) -> str:
    """Where the handed-over audio starts in the first process's timeline.

    The first process makes its audio start at 0 (aresample first_pts=0), and the AAC encoder puts
    its priming samples before that; ffmpeg moves the start of every input to 0, so the second
    process must shift that audio back by the priming to stay in sync with the first's.
    """
    assert info.audio is not None
    return f"-{AAC_PRIMING_SAMPLES / (info.audio.sample_rate or 48_000):.6f}"


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
        filters = picture.progressive(info.video) if index == 0 else []
        if rung.fps and abs(rung.fps - current_fps) > 0.01:
            filters.append(f"fps={_fps_value(rung.fps)}")
            current_fps = rung.fps
        filters.append(f"scale={rung.width}:{rung.height},format=yuv420p")
        labels.append(f"[v{index}]")
        if index + 1 < len(rungs):
            parts.append(f"{source}{','.join(filters)},split=2[v{index}][c{index}]")
            source = f"[c{index}]"
        else:
            parts.append(f"{source}{','.join(filters)}[v{index}]")
    return ";".join(parts), labels


def _escape(value: str, special: str) -> str:
    return "".join(f"\\{char}" if char in special or char in "\\'" else char for char in value)


def _tee_slave(options: dict[str, str], target: str) -> str:
    """One slave of the tee muxer: its options are unescaped twice (slave list, then options), its
    filename once."""
    spec = ":".join(f"{key}={_escape(value, ':')}" for key, value in options.items())
    return _escape(f"[{spec}]{target}", "|")


def _hls_slave(output: RungOutput, streams: str) -> str:
    options = {"select": streams, "onfail": "abort", **HLS_OPTIONS, "hls_segment_filename": output.media.name}
    return _tee_slave(options, output.playlist.name)


def _build_command(
    source: Path, info: MediaInfo, outputs: Sequence[RungOutput], copy_video: Rung | None, *,
    audio_in: str | None = None, audio_out: str | None = None,
) -> list[str]:
    """An ffmpeg command decoding the source once and writing `outputs` through one tee muxer.

    Every rung gets its own video stream (encoded from the scale cascade, or the source's copied) and
    all share a single audio stream: encoded here from the source, or copied from the `audio_in` file
    another process encoded; `audio_out` also writes that audio, in NUT, to a file for the next
    process. Progress and errors go to stderr. The command runs in the output folder, so files are
    named relative to it.
    """
    encoded = [o.rung for o in outputs if o.rung.resolution and o.rung != copy_video]
    # Where several encoders already fill the cores, one decoding thread per core: ffmpeg's default
    # (one more) only adds frame-threading overhead there (6 % of wall time, measured). A one-rung
    # process keeps the default, as its decoder is what it waits for.
    decoding = ["-threads", str(os.cpu_count() or 2)] if len(encoded) > 1 else []
    command = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats",
               "-progress", "pipe:2", "-y", *decoding, "-i", str(source)]
    if audio_in:
        command += ["-itsoffset", _priming_offset(info), "-i", audio_in]
    labels = iter([])
    if encoded:
        graph, cascade_labels = _scale_cascade(info, encoded)
        command += ["-filter_complex", graph]
        labels = iter(cascade_labels)
    slaves = []
    video_index = 0
    for output in outputs:
        rung = output.rung
        if rung.resolution == 0:
            slaves.append(_hls_slave(output, "a"))
            continue
        if rung == copy_video:
            command += ["-map", "0:v:0", f"-c:v:{video_index}", "copy"]
        else:
            options = x264.video_options(rung.resolution, rung.fps, rung.bitrate, X264_THREADS)
            command += ["-map", next(labels), *_for_stream(options, f"v:{video_index}")]
        slaves.append(_hls_slave(output, f"v:{video_index},a" if info.has_audio else f"v:{video_index}"))
        video_index += 1
    if info.has_audio:
        if audio_in:
            command += ["-map", "1:a:0", "-c:a", "copy"]
        else:
            command += ["-map", "0:a:0", *_audio_encoder_options(info)]
    if audio_out:
        slaves.append(_tee_slave({"select": "a", "f": "nut", "onfail": "abort"}, audio_out))
    return command + ["-map_metadata", "-1", "-max_muxing_queue_size", "1024", "-f", "tee", "|".join(slaves)]


def _for_stream(options: list[str], stream: str) -> list[str]:
    """Give every option of one output stream its stream specifier (-crf -> -crf:v:1)."""
    return [f"{item}:{stream}" if item.startswith("-") else item for item in options]


def _finish_playlist(output: RungOutput) -> None:
    """Point the playlist's EXT-X-MAP and segments at the bare media filename (PROTOCOL.md §4.4)."""
    text = output.playlist.read_text()
    name = output.media.name
    text = re.sub(r'#EXT-X-MAP:URI="[^"]*"', f'#EXT-X-MAP:URI="{name}"', text)
    lines = [line if line.startswith("#") or not line.strip() else name for line in text.splitlines()]
    output.playlist.write_text("\n".join(lines) + "\n")


@dataclass
class _Process:
    """One ffmpeg process, the rungs it writes and what is followed of it."""
    command: list[str]
    outputs: list[RungOutput]
    weight: float  # its share of the ladder's work, for progress
    messages: deque[str] = field(default_factory=lambda: deque(maxlen=ERROR_LINES))
    done_seconds: float = 0.0
    returncode: int | None = None


class _Progress:
    """Turns each process's -progress out_time into one percentage over the whole ladder."""

    def __init__(self, processes: Sequence[_Process], duration: float, callback: Callable[[float], None] | None):
        self.processes = processes
        self.duration = duration
        self.callback = callback
        self.reported = -1.0

    def report(self) -> None:
        total = sum(process.weight for process in self.processes)
        done = sum(p.weight * min(p.done_seconds / self.duration, 1.0) for p in self.processes)
        percent = round(100 * done / total, 1)
        if self.callback is not None and percent > self.reported:
            self.reported = percent
            self.callback(percent)


def _run(process: _Process, cwd: Path, progress: _Progress) -> None:
    """Run one ffmpeg to the end, following its progress and error messages (both on stderr).

    Callbacks run in the calling thread (Celery tasks write progress to the database from there).
    Any failure or exception kills the process: no ffmpeg outlives the call. setpriv asks the kernel
    to kill it too if this worker dies, since kill -9 skips this clean-up.
    """
    command = ["setpriv", "--pdeathsig", "KILL", *process.command]
    popen = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    try:
        for raw_line in popen.stderr:
            line = raw_line.decode(errors="replace").strip()
            key, sign, value = line.partition("=")
            if key == "out_time_us" and value.isdigit():
                process.done_seconds = max(process.done_seconds, int(value) / 1_000_000)
                progress.report()
            elif line and (not sign or " " in key):  # anything but a progress line is an ffmpeg message
                process.messages.append(line)
        process.returncode = popen.wait()
    finally:
        if popen.poll() is None:
            popen.kill()
        popen.wait()
        popen.stderr.close()
    if process.returncode != 0:
        raise EncodeError(_failure_reason(process))
    process.done_seconds = progress.duration
    progress.report()


def _failure_reason(process: _Process) -> str:
    detail = "; ".join(line for line in process.messages if line)
    return f"ffmpeg could not encode the video: {detail or f'exit status {process.returncode}'}"


def _process_groups(rungs: Sequence[Rung], copy_video: Rung | None) -> list[list[Rung]]:
    """Which rungs each ffmpeg process makes, the first process's group first.

    The lowest encoded rung gets a process of its own, run first so it is ready early; a stream-copied
    top rung costs nothing and rides along with it. The second process makes all the other rungs.
    """
    encoded = [rung for rung in rungs if rung != copy_video]
    if len(encoded) < 2:
        return [list(rungs)]
    first = [encoded[-1]] + ([copy_video] if copy_video else [])
    return [first, encoded[:-1]]


def _work(info: MediaInfo, rungs: Sequence[Rung], copy_video: Rung | None) -> float:
    """Rough cost of a process (decoding plus encoding, in pixels per second), to weight progress."""
    video = info.video
    decode = video.width * video.height * video.fps if video else 0.0
    encode = sum(r.width * r.height * r.fps for r in rungs if r != copy_video)
    return max(decode / 2 + encode, 1.0)


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
    copy_video = rungs[0] if can_copy_video(source, info, rungs[0]) else None
    groups = _process_groups(rungs, copy_video)
    hand_over_audio = info.has_audio and len(groups) > 1 and not can_copy_audio(info)
    with tempfile.TemporaryDirectory(prefix=".audio-", dir=out_dir) as audio_dir:
        audio = f"{Path(audio_dir).name}/audio.nut" if hand_over_audio else None
        processes = [
            _Process(
                _build_command(source.resolve(), info, [outputs[r] for r in group], copy_video,
                               audio_out=audio if index == 0 else None, audio_in=audio if index > 0 else None),
                [outputs[r] for r in group],
                _work(info, group, copy_video),
            )
            for index, group in enumerate(groups)
        ]
        progress = _Progress(processes, info.duration, on_progress)
        for process in processes:
            _run(process, out_dir, progress)
            for output in sorted(process.outputs, key=lambda output: output.rung.resolution):
                _finish_playlist(output)
                if on_rung_ready is not None:
                    on_rung_ready(output)
    return [outputs[rung] for rung in rungs]
