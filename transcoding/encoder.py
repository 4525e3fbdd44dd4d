"""Encode a planned ladder into PeerTube's fMP4 HLS renditions with as few decodes as possible.

PeerTube runs one ffmpeg per rendition, so it decodes (and scales down from full size) the source
once per rung. Here an ffmpeg process decodes the source once, scales in a cascade (1080 -> 720
-> 480 ...) and feeds one libx264 per rung; its rungs share one audio encoder through the tee
muxer. Two processes share the machine's two cores: a small one makes the lowest rung first (a
viewer can start watching early), a niced one makes all the others. The first also hands its
encoded audio to the second through a pipe, so the audio is encoded once for the whole ladder
(AAC that PeerTube would keep is stream-copied from the source by both).
"""
from __future__ import annotations

import os
import re
import selectors
import subprocess
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from transcoding import x264
from transcoding.ladder import Rung
from videos.probe import MediaInfo

HLS_OPTIONS = {
    "f": "hls", "hls_time": "4", "hls_list_size": "0", "hls_playlist_type": "vod",
    "hls_segment_type": "fmp4", "hls_flags": "single_file",
}
ERROR_LINES = 3  # last ffmpeg error lines quoted in an EncodeError
BACKGROUND_NICENESS = 10  # the process making the higher rungs yields to the one making the first
X264_THREADS = 2  # per encoder: enough to keep both cores busy without oversubscribing them
READ_SIZE = 65536
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
    return ["-c:a", "aac", "-b:a", str(x264.audio_bitrate(audio.codec, audio.bit_rate)), "-ac", "2",
            "-af", "aresample=first_pts=0"]


def _priming_offset(info: MediaInfo) -> str:
    """Where the relayed audio starts in the first process's timeline.

    The first process makes its audio start at 0 (aresample first_pts=0), and the AAC encoder puts
    its priming samples before that; ffmpeg moves the start of every input to 0, so the second
    process must shift the piped audio back by the priming to stay in sync with the first's.
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
        filters = []
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
    audio_from_stdin: bool, audio_to_stdout: bool,
) -> list[str]:
    """An ffmpeg command decoding the source once and writing `outputs` through one tee muxer.

    Every rung gets its own video stream (encoded from the scale cascade, or the source's copied) and
    all share a single audio stream: encoded here from the source, or copied from stdin when another
    process encoded it; `audio_to_stdout` also sends that audio, in NUT, to stdout for the next
    process. Progress and errors go to stderr. The command runs in the output folder, so the HLS
    files are named relative to it.
    """
    command = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats",
               "-progress", "pipe:2", "-y", "-i", str(source)]
    if audio_from_stdin:
        command += ["-itsoffset", _priming_offset(info), "-f", "nut", "-i", "pipe:0"]
    encoded = [o.rung for o in outputs if o.rung.resolution and o.rung != copy_video]
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
            options = x264.video_options(rung.fps, rung.bitrate, X264_THREADS)
            command += ["-map", next(labels), *_for_stream(options, f"v:{video_index}")]
        slaves.append(_hls_slave(output, f"v:{video_index},a" if info.has_audio else f"v:{video_index}"))
        video_index += 1
    if info.has_audio:
        if audio_from_stdin:
            command += ["-map", "1:a:0", "-c:a", "copy"]
        else:
            command += ["-map", "0:a:0", *_audio_encoder_options(info)]
    if audio_to_stdout:
        slaves.append(_tee_slave({"select": "a", "f": "nut", "onfail": "abort"}, "pipe:1"))
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
    """One ffmpeg process, the rungs it writes and what the runner follows of it."""
    command: list[str]
    outputs: list[RungOutput]
    weight: float  # its share of the ladder's work, for progress
    niceness: int = 0
    popen: subprocess.Popen | None = None
    partial_line: bytes = b""
    messages: deque[str] = field(default_factory=lambda: deque(maxlen=ERROR_LINES))
    done_seconds: float = 0.0


@dataclass
class _Relay:
    """Audio on its way from one process's stdout to the next one's stdin.

    Buffered here, so the fast first process never waits for the slower one (a pipe holds 64 KiB).
    """
    source: IO[bytes]
    target: IO[bytes]
    pending: bytearray = field(default_factory=bytearray)
    source_done: bool = False


class _Runner:
    """Runs ffmpeg processes side by side, following their -progress output in the caller's thread.

    Each process writes its progress and its error messages to stderr. When `relay_audio` is set, the
    first process's stdout (its encoded audio) is fed to the second's stdin. Callbacks run in the
    calling thread (Celery tasks write progress to the database from there). Any failure or exception
    kills every process still running: no ffmpeg outlives the call.
    """

    def __init__(self, duration: float, on_progress: Callable[[float], None] | None):
        self.duration = duration
        self.on_progress = on_progress
        self.reported = -1.0
        self.selector = selectors.DefaultSelector()

    def run(self, processes: Sequence[_Process], cwd: Path, relay_audio: bool,
            on_done: Callable[[_Process], None]) -> None:
        try:
            for index, process in enumerate(processes):
                # setpriv: the kernel kills ffmpeg if this worker dies (kill -9 skips our clean-up).
                command = ["setpriv", "--pdeathsig", "KILL", "nice", "-n", str(process.niceness), *process.command]
                process.popen = subprocess.Popen(
                    command, cwd=cwd, stderr=subprocess.PIPE,
                    stdin=subprocess.PIPE if relay_audio and index == 1 else subprocess.DEVNULL,
                    stdout=subprocess.PIPE if relay_audio and index == 0 else subprocess.DEVNULL,
                )
                self.selector.register(process.popen.stderr, selectors.EVENT_READ, process)
            if relay_audio:
                relay = _Relay(processes[0].popen.stdout, processes[1].popen.stdin)
                os.set_blocking(relay.target.fileno(), False)
                self.selector.register(relay.source, selectors.EVENT_READ, relay)
            while self.selector.get_map():
                for key, _ in self.selector.select():
                    if isinstance(key.data, _Relay):
                        self._relay(key.data, reading=key.fileobj is key.data.source)
                    else:
                        self._follow(key.data, processes, on_done)
        finally:
            self.selector.close()
            for process in processes:
                if process.popen is not None:
                    if process.popen.poll() is None:
                        process.popen.kill()
                    process.popen.wait()
                    for stream in (process.popen.stdin, process.popen.stdout, process.popen.stderr):
                        if stream is not None:
                            stream.close()

    def _relay(self, relay: _Relay, reading: bool) -> None:
        was_empty = not relay.pending
        if reading:
            chunk = os.read(relay.source.fileno(), READ_SIZE)
            relay.pending += chunk
            if not chunk:
                relay.source_done = True
                self.selector.unregister(relay.source)
        else:
            try:
                written = os.write(relay.target.fileno(), relay.pending)
            except BlockingIOError:
                written = 0
            except BrokenPipeError:  # the reader died: its exit status will tell why
                written = len(relay.pending)
            del relay.pending[:written]
        if relay.pending and was_empty:
            self.selector.register(relay.target, selectors.EVENT_WRITE, relay)
        elif not relay.pending and not was_empty:
            self.selector.unregister(relay.target)
        if relay.source_done and not relay.pending:
            relay.target.close()

    def _follow(self, process: _Process, processes: Sequence[_Process], on_done: Callable[[_Process], None]) -> None:
        chunk = os.read(process.popen.stderr.fileno(), READ_SIZE)
        if not chunk:
            self.selector.unregister(process.popen.stderr)
            if process.popen.wait() != 0:
                raise EncodeError(_failure_reason(process))
            process.done_seconds = self.duration
            on_done(process)
            self.report(processes)
            return
        *lines, process.partial_line = (process.partial_line + chunk).split(b"\n")
        for line in lines:
            key, sign, value = line.decode(errors="replace").strip().partition("=")
            if key == "out_time_us" and value.isdigit():
                process.done_seconds = max(process.done_seconds, int(value) / 1_000_000)
            elif not sign or " " in key:  # anything but a progress line is an ffmpeg message
                process.messages.append(line.decode(errors="replace").strip())
        self.report(processes)

    def report(self, processes: Sequence[_Process]) -> None:
        total = sum(process.weight for process in processes)
        done = sum(process.weight * min(process.done_seconds / self.duration, 1.0) for process in processes)
        percent = round(100 * done / total, 1)
        if self.on_progress is not None and percent > self.reported:
            self.reported = percent
            self.on_progress(percent)


def _failure_reason(process: _Process) -> str:
    detail = "; ".join(line for line in process.messages if line)
    return f"ffmpeg could not encode the video: {detail or f'exit status {process.popen.returncode}'}"


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
    copy_video = rungs[0] if can_copy_video(info, rungs[0]) else None
    groups = _process_groups(rungs, copy_video)
    relay_audio = info.has_audio and len(groups) > 1 and not _can_copy_audio(info)
    source = source.resolve()
    processes = []
    for index, group in enumerate(groups):
        command = _build_command(source, info, [outputs[r] for r in group], copy_video,
                                 audio_from_stdin=relay_audio and index > 0,
                                 audio_to_stdout=relay_audio and index == 0)
        processes.append(_Process(command, [outputs[r] for r in group], _work(info, group, copy_video),
                                  niceness=BACKGROUND_NICENESS if index else 0))

    def finished(process: _Process) -> None:
        for output in sorted(process.outputs, key=lambda output: output.rung.resolution):
            _finish_playlist(output)
            if on_rung_ready is not None:
                on_rung_ready(output)

    _Runner(info.duration, on_progress).run(processes, out_dir, relay_audio, finished)
    return [outputs[rung] for rung in rungs]
