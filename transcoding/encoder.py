"""Encode a planned ladder into PeerTube's fMP4 HLS renditions with as few decodes as possible.

PeerTube runs one ffmpeg per rendition, so it decodes (and scales down from full size) the source
once per rung. Here an ffmpeg process decodes its part of the source once, scales in a cascade
(1080 -> 720 -> 480 ...) and feeds one libx264 per rung. The ladder is made in two phases, one after
the other: the lowest rung first, so a viewer can start watching early, then all the others.

Within a phase, the source is cut in time at its own keyframes into one slice per core (at most
MAX_SLICES), and the slices are encoded side by side, each by a single-threaded process: on the
benchmark's clip the second phase ran about 8 % faster this way than as one process with threaded
decoding and x264, whose threads wait on each other (two cores only 88 % busy). Each slice writes
one video-only file per rung; a quick join (no re-encoding) puts a rung's slices end to end with
the audio into its HLS playlist. The audio is encoded once for the whole ladder, by a process of
its own during the first phase (AAC that PeerTube would keep is copied from the source instead). A
short video, or one without a keyframe near a cut, is one slice, encoded with threads.

Every slice forces a keyframe on its first frame and every GOP_SECONDS from there, the same in
every rung, so all rungs still switch at the same segment boundaries. A stream-copied top rung
keeps the source's keyframes, which fit the encoder's grid only from the start of the file: such
a ladder is one slice.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from transcoding import picture, x264
from transcoding.ladder import Rung
from transcoding.packets import video_packets
from transcoding.stream_copy import can_copy_audio, can_copy_video
from videos.probe import MediaInfo

HLS_OPTIONS = {
    "f": "hls",
    "hls_time": "4",
    "hls_list_size": "0",
    "hls_playlist_type": "vod",
    "hls_segment_type": "fmp4",
    "hls_flags": "single_file",
}
ERROR_LINES = 3  # last ffmpeg error lines quoted in an EncodeError
X264_THREADS = 2  # per encoder of a one-slice phase: keeps both cores busy without oversubscribing them
AAC_PRIMING_SAMPLES = 1024  # silence ffmpeg's AAC encoder emits before the first real sample
SLICE_MIN_SECONDS = 4.0  # a shorter slice is not worth its own process
# Each slice process holds a whole set of x264 encoders (about 400 MB for 1080p to 360p): a big
# server still runs at most this many side by side.
MAX_SLICES = 4
CUT_TOLERANCE = 0.1  # how far (in slice lengths) a cut may move to land on a source keyframe
# A slice stops this much before the next one's keyframe, so that rounding never gives a frame at
# the cut to both slices.
CUT_MARGIN = 0.001
# ffmpeg's scheduling priority (nice), PeerTube's for VOD transcoding: requests and deliveries come first.
FFMPEG_NICENESS = 15
BASE_COMMAND = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:2", "-y"]


@dataclass(frozen=True)
class RungOutput:
    rung: Rung
    playlist: Path  # the rung's VOD m3u8
    media: Path  # the single fragmented MP4 the playlist addresses by byte ranges


@dataclass(frozen=True)
class Slice:
    """A stretch of the source, in seconds from the start of its timeline (ffmpeg shifts it to 0)."""

    start: float
    length: float | None  # None: to the end

    def seconds(self, duration: float) -> float:
        """Its length in a source of `duration` seconds."""
        return duration - self.start if self.length is None else self.length


WHOLE = [Slice(0.0, None)]


class EncodeError(Exception):
    """ffmpeg could not make the renditions; the message says why, for a person to read."""


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    return len(os.sched_getaffinity(0)) or 1


def default_names(rung: Rung) -> tuple[str, str]:
    return f"{rung.resolution}.m3u8", f"{rung.resolution}-fragmented.mp4"


def time_slices(source: Path, info: MediaInfo, count: int) -> list[Slice]:
    """`count` slices of about equal length, cut at the source's keyframes; WHOLE if that cannot be.

    Cutting where the source has a keyframe means no slice decodes frames it then throws away. Each
    cut may move by CUT_TOLERANCE of a slice to find one; a source without a keyframe there, or too
    short for `count` slices of SLICE_MIN_SECONDS, stays whole.
    """
    duration = info.duration
    if count < 2 or duration < count * SLICE_MIN_SECONDS:
        return WHOLE
    tolerance = duration / count * CUT_TOLERANCE
    starts = [0.0]
    for index in range(1, count):
        target = duration * index / count
        between = (info.start_time + target - tolerance, info.start_time + target + tolerance)
        keyframes = [time - info.start_time for time, key in video_packets(source, between) if key]
        near = [time for time in keyframes if abs(time - target) <= tolerance]
        if not near:
            return WHOLE
        starts.append(min(near, key=lambda time: abs(time - target)))
    ends = [*starts[1:], None]
    return [Slice(start, None if end is None else end - start) for start, end in zip(starts, ends, strict=False)]


def _audio_encoder_options(info: MediaInfo) -> list[str]:
    audio = info.audio
    assert audio is not None
    return [
        "-c:a",
        "aac",
        "-b:a",
        str(x264.audio_bitrate(audio.codec, audio.bit_rate)),
        "-ac",
        "2",
        "-af",
        "aresample=first_pts=0",
    ]


def _priming_offset(info: MediaInfo) -> str:
    """Where the encoded audio starts in the source's timeline.

    The audio process makes its audio start at 0 (aresample first_pts=0), and the AAC encoder puts
    its priming samples before that; ffmpeg moves the start of every input to 0, so the join must
    shift that audio back by the priming to stay in sync with the picture.
    """
    assert info.audio is not None
    return f"-{AAC_PRIMING_SAMPLES / (info.audio.sample_rate or 48_000):.6f}"


def _fps_value(fps: float) -> str:
    return f"{fps:.3f}".rstrip("0").rstrip(".")


def _scale_cascade(info: MediaInfo, rungs: Sequence[Rung], end: float | None = None) -> tuple[str, list[str]]:
    """A filter graph scaling each rung from the previous (larger) one, and its output labels.

    Scaling 720p down to 480p costs less than from the 1080p source, and dropping frames (60 -> 30)
    before scaling saves more; the loss against scaling from the source is negligible. Frames from
    `end` (seconds of the input's timeline) on are dropped, and ffmpeg stops reading there.
    """
    assert info.video is not None
    source = "[0:v:0]"
    current_fps = info.video.fps
    parts, labels = [], []
    for index, rung in enumerate(rungs):
        filters = []
        if index == 0:
            filters = ([f"trim=end={end:.6f}"] if end is not None else []) + picture.progressive(info.video)
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


def _part_name(rung: Rung, index: int) -> str:
    """A slice's file of one rung: MP4 keeps every frame's duration, which a variable rate needs."""
    return f"{rung.resolution}-{index}.mp4"


def _slice_command(
    source: Path, info: MediaInfo, rungs: Sequence[Rung], part: Slice, index: int, threaded: bool, folder: str
) -> list[str]:
    """One process decoding one slice of the source once and encoding it for `rungs`, picture only.

    `threaded` (a phase of one slice) lets the decoder and x264 use threads; slices side by side
    are single-threaded, one per core.
    """
    if not threaded:
        decoding = ["-threads", "1"]
    elif len(rungs) > 1:
        # Where several encoders already fill the cores, one decoding thread per core: ffmpeg's
        # default (one more) only adds frame-threading overhead there (6 % of wall time, measured).
        decoding = ["-threads", str(usable_cores())]
    else:
        decoding = []  # a one-rung process waits for its decoder: ffmpeg's default
    # The slice's end is a trim, not -t: -t would count from the picture's first frame, which may
    # come after the start of the file's timeline that -ss and the cuts count from.
    end = None if part.length is None else part.length - CUT_MARGIN
    graph, labels = _scale_cascade(info, rungs, end)
    seek = ["-ss", f"{part.start:.6f}"] if part.start else []
    command = [*BASE_COMMAND, *decoding, *seek, "-i", str(source), "-filter_complex", graph]
    for rung, label in zip(rungs, labels, strict=False):
        options = x264.video_options(rung.resolution, rung.fps, rung.bitrate, X264_THREADS if threaded else 1)
        command += ["-map", label, *options, "-map_metadata", "-1", "-f", "mp4", f"{folder}/{_part_name(rung, index)}"]
    return command


def _audio_command(source: Path, info: MediaInfo, audio_file: str) -> list[str]:
    """The whole ladder's audio, encoded once from the source into a file the joins copy."""
    return [
        *BASE_COMMAND,
        "-i",
        str(source),
        "-map",
        "0:a:0",
        *_audio_encoder_options(info),
        "-map_metadata",
        "-1",
        "-f",
        "nut",
        audio_file,
    ]


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


def _concat_list(rung: Rung, slices: Sequence[Slice], folder: Path) -> str:
    """Write the concat demuxer's list of a rung's slice files; return its name.

    `duration` places the next file where its slice starts in the source.
    """
    lines = []
    for index, part in enumerate(slices):
        lines.append(f"file '{_part_name(rung, index)}'")
        if part.length is not None:
            lines.append(f"duration {part.length:.6f}")
    name = f"{rung.resolution}.txt"
    (folder / name).write_text("\n".join(lines) + "\n")
    return name


def _join_command(
    source: Path,
    info: MediaInfo,
    outputs: Sequence[RungOutput],
    copy_video: Rung | None,
    slices: Sequence[Slice],
    folder: Path,
    audio_file: str | None,
) -> list[str]:
    """Put each rung's slices end to end with the audio into its HLS playlist, re-encoding nothing.

    Every rung gets its own video stream (its slices, or the source's copied) and all share one
    audio stream: the encoded audio file, or the source's own AAC. The command runs in the output
    folder, so files are named relative to it.
    """
    command, maps, slaves = [*BASE_COMMAND], [], []
    inputs = 0
    for output in outputs:
        rung = output.rung
        streams = "a"
        if rung.resolution:
            if rung == copy_video:
                command += ["-i", str(source)]
            else:
                command += ["-f", "concat", "-safe", "0", "-i", f"{folder.name}/{_concat_list(rung, slices, folder)}"]
            maps += ["-map", f"{inputs}:v:0"]
            streams = f"v:{inputs},a" if info.has_audio else f"v:{inputs}"
            inputs += 1
        slaves.append(_hls_slave(output, streams))
    if audio_file:
        command += ["-itsoffset", _priming_offset(info), "-i", audio_file]
    elif info.has_audio:
        command += ["-i", str(source)]
        # The source's AAC: MPEG-TS carries it in ADTS frames, which MP4 stores without their headers
        # (the filter leaves AAC from other containers as it is).
        maps += ["-bsf:a", "aac_adtstoasc"]
    if info.has_audio:
        maps += ["-map", f"{inputs}:a:0"]
    return command + maps + ["-c", "copy", "-map_metadata", "-1", "-f", "tee", "|".join(slaves)]


def _finish_playlist(output: RungOutput) -> None:
    """Point the playlist's EXT-X-MAP and segments at the bare media filename (docs/PROTOCOL.md §4.4)."""
    text = output.playlist.read_text()
    name = output.media.name
    text = re.sub(r'#EXT-X-MAP:URI="[^"]*"', f'#EXT-X-MAP:URI="{name}"', text)
    lines = [line if line.startswith("#") or not line.strip() else name for line in text.splitlines()]
    output.playlist.write_text("\n".join(lines) + "\n")


@dataclass
class _Process:
    """One ffmpeg process and what is followed of it."""

    command: list[str]
    seconds: float  # how much of the source it goes through
    weight: float  # its share of the ladder's work, for progress (audio and joins: next to nothing)
    messages: deque[str] = field(default_factory=lambda: deque(maxlen=ERROR_LINES))
    done_seconds: float = 0.0
    returncode: int | None = None


class _Progress:
    """Turns each process's -progress out_time into one percentage over the whole ladder."""

    def __init__(self, processes: Sequence[_Process], callback: Callable[[float], None] | None):
        self.processes = processes
        self.callback = callback
        self.reported = -1.0

    def report(self) -> None:
        total = sum(process.weight for process in self.processes)
        done = sum(p.weight * min(p.done_seconds / p.seconds, 1.0) for p in self.processes if p.seconds)
        percent = round(100 * done / total, 1)
        if self.callback is not None and percent > self.reported:
            self.reported = percent
            self.callback(percent)


def _read_lines(process: _Process, stream: IO[bytes], lines: queue.Queue) -> None:
    """Hand each line of a process's stderr to _run, then None when it ends."""
    for raw_line in stream:
        lines.put((process, raw_line.decode(errors="replace").strip()))
    lines.put((process, None))


def _run(processes: Sequence[_Process], cwd: Path, progress: _Progress) -> None:
    """Run ffmpeg processes side by side to the end, following their progress and errors (stderr).

    Callbacks run in the calling thread (Celery tasks write progress to the database from there).
    A failure, or any exception, kills all of them: no ffmpeg outlives the call. setpriv asks the
    kernel to kill them too if this worker dies, since kill -9 skips this clean-up. They run at a lower
    priority (FFMPEG_NICENESS), as PeerTube runs its transcoding, so the site and federation stay quick.
    """
    lines: queue.Queue = queue.Queue()
    running: dict[int, subprocess.Popen] = {}
    readers = []
    try:
        for process in processes:
            popen = subprocess.Popen(
                ["setpriv", "--pdeathsig", "KILL", "nice", "-n", str(FFMPEG_NICENESS), *process.command],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            running[id(process)] = popen
            readers.append(threading.Thread(target=_read_lines, args=(process, popen.stderr, lines), daemon=True))
            readers[-1].start()
        for _ in processes:
            process, line = lines.get()
            while line is not None:
                key, sign, value = line.partition("=")
                if key == "out_time_us" and value.isdigit():
                    process.done_seconds = max(process.done_seconds, int(value) / 1_000_000)
                    progress.report()
                elif line and (not sign or " " in key):  # anything but a progress line is an ffmpeg message
                    process.messages.append(line)
                process, line = lines.get()
            process.returncode = running[id(process)].wait()
            if process.returncode != 0:
                raise EncodeError(_failure_reason(process))
            process.done_seconds = process.seconds
            progress.report()
    finally:
        for popen in running.values():
            if popen.poll() is None:
                popen.kill()
            popen.wait()
        for reader in readers:
            reader.join()
        for popen in running.values():
            popen.stderr.close()


def _failure_reason(process: _Process) -> str:
    detail = "; ".join(line for line in process.messages if line)
    return f"ffmpeg could not encode the video: {detail or f'exit status {process.returncode}'}"


def _process_groups(rungs: Sequence[Rung], copy_video: Rung | None) -> list[list[Rung]]:
    """Which rungs each phase makes, the first phase's group first.

    The lowest encoded rung gets a phase of its own, run first so it is ready early; a stream-copied
    top rung costs nothing and rides along with it. The second phase makes all the other rungs.
    """
    encoded = [rung for rung in rungs if rung != copy_video]
    if len(encoded) < 2:
        return [list(rungs)]
    first = [encoded[-1]] + ([copy_video] if copy_video else [])
    return [first, encoded[:-1]]


def _work(info: MediaInfo, rungs: Sequence[Rung]) -> float:
    """Rough cost of encoding `rungs` (decoding plus encoding, in pixels per second), to weight progress."""
    video = info.video
    decode = video.width * video.height * video.fps if video else 0.0
    return max(decode / 2 + sum(r.width * r.height * r.fps for r in rungs), 1.0)


def _slice_processes(
    source: Path, info: MediaInfo, rungs: Sequence[Rung], slices: Sequence[Slice], folder: Path
) -> list[_Process]:
    """The processes making `rungs`, one per slice, to run side by side (none without rungs)."""
    if not rungs:
        return []
    threaded = len(slices) == 1
    return [
        _Process(
            _slice_command(source, info, rungs, part, number, threaded, folder.name),
            part.seconds(info.duration),
            _work(info, rungs) * part.seconds(info.duration) / info.duration,
        )
        for number, part in enumerate(slices)
    ]


def encode_ladder(
    source: Path,
    info: MediaInfo,
    rungs: Sequence[Rung],
    out_dir: Path,
    *,
    names: Callable[[Rung], tuple[str, str]] | None = None,
    on_progress: Callable[[float], None] | None = None,
    on_rung_ready: Callable[[RungOutput], None] | None = None,
    slices: int | None = None,
) -> list[RungOutput]:
    """Encode `rungs` (from plan_ladder) of `source` into HLS renditions in `out_dir`.

    `names` gives each rung's (playlist, media) filenames; `on_progress` gets 0..100 over the whole
    ladder; `on_rung_ready` gets each rung as soon as its files are complete, the lowest first.
    `slices` is how many time slices to encode side by side (default: one per usable core, at most
    MAX_SLICES); fewer may be used, see time_slices.
    Returns the outputs in the order of `rungs`; raises EncodeError when ffmpeg fails.
    """
    if not rungs:
        raise ValueError("encode_ladder needs at least one rung")
    rungs = sorted(rungs, key=lambda rung: rung.resolution, reverse=True)
    names = names or default_names
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {rung: RungOutput(rung, out_dir / names(rung)[0], out_dir / names(rung)[1]) for rung in rungs}
    source = source.resolve()
    copy_video = rungs[0] if can_copy_video(source, info, rungs[0]) else None
    encoded = [rung for rung in rungs if rung.resolution and rung != copy_video]
    count = slices or min(usable_cores(), MAX_SLICES)
    cuts = time_slices(source, info, count) if encoded and not copy_video else WHOLE
    with tempfile.TemporaryDirectory(prefix=".parts-", dir=out_dir) as work:
        folder = Path(work)
        audio_file = f"{folder.name}/audio.nut" if info.has_audio and not can_copy_audio(info) else None
        phases = []
        for index, group in enumerate(_process_groups(rungs, copy_video)):
            processes = _slice_processes(source, info, [rung for rung in group if rung in encoded], cuts, folder)
            if index == 0 and audio_file:
                processes.append(_Process(_audio_command(source, info, audio_file), info.duration, 1.0))
            join = _Process(
                _join_command(source, info, [outputs[r] for r in group], copy_video, cuts, folder, audio_file),
                info.duration,
                1.0,
            )
            phases.append((processes, join, [outputs[r] for r in group]))
        progress = _Progress([process for processes, join, _ in phases for process in [*processes, join]], on_progress)
        for processes, join, group_outputs in phases:
            _run(processes, out_dir, progress)
            _run([join], out_dir, progress)
            for output in sorted(group_outputs, key=lambda output: output.rung.resolution):
                _finish_playlist(output)
                if on_rung_ready is not None:
                    on_rung_ready(output)
    return [outputs[rung] for rung in rungs]
