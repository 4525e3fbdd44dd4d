"""What simultaneous viewers of a followed instance's video cost: requests to its origin, and threads of our
web server, for 1 and 20 viewers, with the media proxy's cache on and off, side by side in one run.

    .venv/bin/python benchmarks/remote_media.py [--viewers 1 20] [--segments 8] [--latency 0.3]

Starts a stand-in origin (a local HTTP server answering each request after --latency seconds, as a far
PeerTube would) with a remote video of --segments segments of 256 kB in one fragmented MP4, and two
instances of ours (SQLite, one web process each): one with the default cache, one with
SIDEWAYS_MEDIA_CACHE_SIZE=0. Each round, N viewers ask at once for every segment by byte range, as players
do; a fresh video per round, so the cache starts cold. Threads are the web process's, sampled every 10 ms
(peak minus its count at rest).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live import LiveInstance, start_instance  # noqa: E402
from tests.web.remote import OriginServer  # noqa: E402

SEGMENT = 256 * 1024
# Where a PeerTube origin serves HLS files, and where we proxy them (videos.storage; importing it needs Django).
HLS_PREFIX = "/static/streaming-playlists/hls"
REMOTE_HLS_PREFIX = "/remote/streaming-playlists/hls"


class SlowOrigin(OriginServer):
    """The test origin, answering each request after `latency` seconds."""

    def __init__(self, root: Path, latency: float) -> None:
        self.latency = latency
        super().__init__(root)

    def _handler(self):
        base, latency = super()._handler(), self.latency

        class Slow(base):
            def do_GET(self) -> None:
                time.sleep(latency)
                super().do_GET()

        return Slow


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def _add_video(instance: LiveInstance, origin: SlowOrigin, segments: int) -> str:
    video_uuid = str(uuid.uuid4())
    folder = origin.root / HLS_PREFIX.lstrip("/") / video_uuid
    folder.mkdir(parents=True)
    (folder / "master.m3u8").write_text("#EXTM3U\n")
    (folder / "v-360-fragmented.mp4").write_bytes(bytes(range(256)) * (SEGMENT * segments // 256))
    rung = {"resolution": 360, "width": 640, "height": 360, "fps": 25, "size": SEGMENT * segments}
    arguments = {"name": "Far river", "video_uuid": video_uuid, "rungs": [{**rung, "filename": "v-360-fragmented.mp4"}]}
    code = (
        "import json; from tests.factories import create_remote_video; "
        f"create_remote_video({origin.url!r}, **json.loads({json.dumps(arguments)!r}))"
    )
    instance.manage("shell", "-c", code)
    return video_uuid


def _viewer(url: str, segments: int) -> None:
    with requests.Session() as session:
        for number in range(segments):
            answer = session.get(url, headers={"Range": f"bytes={number * SEGMENT}-{(number + 1) * SEGMENT - 1}"})
            assert answer.status_code == 206 and len(answer.content) == SEGMENT, answer.status_code


def _round(instance: LiveInstance, origin: SlowOrigin, viewers: int, segments: int) -> tuple[int, int, float]:
    """(origin requests, peak extra threads, seconds) for `viewers` watching a new video at once."""
    video_uuid = _add_video(instance, origin, segments)
    url = f"{instance.url}{REMOTE_HLS_PREFIX}/{video_uuid}/v-360-fragmented.mp4"
    pid = instance.processes["web"].pid
    at_rest = _threads(pid)
    peak, done = at_rest, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _threads(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    before = len(origin.requested)
    started = time.monotonic()
    with ThreadPoolExecutor(viewers) as pool:
        list(pool.map(lambda _: _viewer(url, segments), range(viewers)))
    took = time.monotonic() - started
    done.set()
    sampler.join()
    return len(origin.requested) - before, peak - at_rest, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--segments", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        origin = SlowOrigin(Path(folder) / "origin", args.latency)
        (Path(folder) / "origin").mkdir(exist_ok=True)
        setups = {"cache on": {}, "cache off": {"SIDEWAYS_MEDIA_CACHE_SIZE": "0"}}
        instances = {
            name: start_instance(
                Path(folder) / name.replace(" ", "-"), worker=False, extra_env={"SIDEWAYS_WEB_WORKERS": "1", **env}
            )
            for name, env in setups.items()
        }
        try:
            print(f"{'viewers':>8} {'setup':>10} {'origin requests':>16} {'extra threads':>14} {'seconds':>8}")
            for viewers in args.viewers:
                results = {
                    name: _round(instance, origin, viewers, args.segments) for name, instance in instances.items()
                }
                for name, (requested, threads, took) in results.items():
                    print(f"{viewers:>8} {name:>10} {requested:>16} {threads:>14} {took:>8.2f}")
                off, on = results["cache off"][0], results["cache on"][0]
                print(f"{'':>8} {'':>10} origin requests, cache off / on: {off / max(on, 1):.1f}x")
        finally:
            for instance in instances.values():
                instance.stop()
            origin.stop()


if __name__ == "__main__":
    main()
