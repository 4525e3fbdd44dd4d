"""Benchmark of the P2P tracker: N simulated viewers (WebSocket peers) announcing on S swarms.

    .venv/bin/python benchmarks/tracker.py [--peers 5000] [--swarms 100] [--seconds 20] [--workers 2]
                                           [--redis redis://127.0.0.1:6379/9]

A fresh instance (SQLite) with S public videos (playlist rows only) is served by uvicorn with the given
number of workers, as the README's run command does; with --redis the workers share swarms through
Redis, as in production. Every peer connects, announces in its swarm with two offers every
--interval seconds and answers every offer it is relayed. Printed: connections, tracker messages per
second (frames sent + received by the peers), the relay latency of offers (announce sent -> offer
received by another peer: median and p99), the web processes' CPU time per message (what a message
costs, whatever else the machine runs) and their memory per connected peer.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.tracker.asgi import start_asgi_instance  # noqa: E402

SEED = """
from videos.models import Channel, StreamingPlaylist, Video, VideoFile
from videos.services.p2p import swarm_id
channel = Channel.objects.get(name="root_channel")
for number in range({count}):
    video = Video.objects.create(channel=channel, name=f"Swarm {number}", state=1, privacy=1)
    playlist = StreamingPlaylist.objects.create(video=video, playlist_filename=f"bench-{number}-master.m3u8")
    VideoFile.objects.create(playlist=playlist, resolution=360, size=1, filename=f"bench-{number}-fragmented.mp4")
print(" ".join(swarm_id(playlist) for playlist in StreamingPlaylist.objects.all()))
"""


def info_hash(master: str) -> str:
    """PeerTube 7.1+'s recipe (p2p-media-loader 2.2), first rendition."""
    return base64.b64encode(hashlib.md5(f"v2-{master}-main-0".encode()).digest()[1:]).decode()


def web_processes(pid: int) -> list[Path]:
    """/proc entries of a process and its children (uvicorn's workers)."""
    found = []
    for task in Path("/proc").iterdir():
        if not task.name.isdigit():
            continue
        try:
            status = (task / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if task.name == str(pid) or fields.get("PPid", "").strip() == str(pid):
            found.append(task)
    return found


def rss_kb(pid: int) -> int:
    """Resident memory of the web processes."""
    total = 0
    for task in web_processes(pid):
        status = (task / "status").read_text()
        total += int(status.split("VmRSS:", 1)[1].split()[0]) if "VmRSS:" in status else 0
    return total


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the web processes used so far: on a shared machine, what a message costs."""
    ticks = 0
    for task in web_processes(pid):
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class Counters:
    def __init__(self) -> None:
        self.sent = 0
        self.received = 0
        self.latencies: list[float] = []
        self.failures: collections.Counter[str] = collections.Counter()


async def peer(
    url: str,
    swarm: str,
    counters: Counters,
    connected: asyncio.Event,
    ready: list,
    stop: asyncio.Event,
    interval: float,
) -> None:
    me = "-PM0202-" + os.urandom(6).hex()
    async with websockets.connect(url, max_queue=None, ping_interval=None, open_timeout=120) as socket:
        ready.append(1)
        await connected.wait()

        async def read() -> None:
            with contextlib.suppress(websockets.ConnectionClosed):
                await answer_offers()

        async def answer_offers() -> None:
            async for text in socket:
                counters.received += 1
                message = json.loads(text)
                if "failure reason" in message:
                    counters.failures[message["failure reason"]] += 1
                elif "offer" in message:
                    counters.latencies.append(time.perf_counter() - float(message["offer"]["sdp"]))
                    await socket.send(
                        json.dumps(
                            {
                                "action": "announce",
                                "info_hash": swarm,
                                "peer_id": me,
                                "to_peer_id": message["peer_id"],
                                "offer_id": message["offer_id"],
                                "answer": {"type": "answer", "sdp": "answer"},
                            }
                        )
                    )
                    counters.sent += 1

        reader = asyncio.create_task(read())
        await asyncio.sleep(random.random() * interval)
        event = "started"
        while not stop.is_set():
            offers = [
                {"offer_id": os.urandom(10).hex(), "offer": {"type": "offer", "sdp": repr(time.perf_counter())}}
                for _ in range(2)
            ]
            await socket.send(
                json.dumps(
                    {
                        "action": "announce",
                        "info_hash": swarm,
                        "peer_id": me,
                        "numwant": 2,
                        "event": event,
                        "offers": offers,
                    }
                )
            )
            counters.sent += 1
            event = None
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except TimeoutError:
                pass
        reader.cancel()


async def run(args: argparse.Namespace, url: str, swarms: list[str], web_pid: int) -> None:
    counters, connected, stop, ready = Counters(), asyncio.Event(), asyncio.Event(), []
    before = rss_kb(web_pid)
    started = time.perf_counter()
    tasks = []
    for number in range(args.peers):
        tasks.append(
            asyncio.create_task(
                peer(url, swarms[number % len(swarms)], counters, connected, ready, stop, args.interval)
            )
        )
        if number % 200 == 199:
            await asyncio.sleep(0.05)
    while len(ready) < args.peers and not any(task.done() for task in tasks):
        await asyncio.sleep(0.2)
    connect_seconds = time.perf_counter() - started
    connected.set()
    await asyncio.sleep(args.interval + 1)  # every peer announced once: swarms are full
    after = rss_kb(web_pid)
    counters.sent = counters.received = 0
    counters.latencies.clear()
    counters.failures.clear()
    measured, cpu_before = time.perf_counter(), cpu_seconds(web_pid)
    await asyncio.sleep(args.seconds)
    elapsed, cpu = time.perf_counter() - measured, cpu_seconds(web_pid) - cpu_before
    messages = counters.sent + counters.received
    latencies = sorted(counters.latencies)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(
        f"{len(ready)} peers connected in {connect_seconds:.1f} s on {len(swarms)} swarms; "
        f"{args.workers} uvicorn worker(s), swarms {'in Redis' if args.redis else 'in each process'}"
    )
    print(f"  tracker messages        {messages / elapsed:9.0f} /s  (announces, offers, answers, replies)")
    print(
        f"  web CPU per message     {cpu / max(messages, 1) * 1e6:9.0f} µs  "
        f"({cpu / elapsed:.2f} cores busy; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    if latencies:
        print(
            f"  offer relay latency     {statistics.median(latencies) * 1000:9.1f} ms median, "
            f"{latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f} ms p99 ({len(latencies)} offers)"
        )
    print(
        f"  web memory per peer     {(after - before) / max(len(ready), 1):9.1f} kB "
        f"({before / 1024:.0f} MB idle -> {after / 1024:.0f} MB)"
    )
    print(f"  refused announces       {sum(counters.failures.values()):9d}  {dict(counters.failures)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peers", type=int, default=5000)
    parser.add_argument("--swarms", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--interval", type=float, default=5, help="seconds between a peer's announces")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", default="", help="REDIS_URL for the instance (swarms shared by workers)")
    args = parser.parse_args()
    env = {"REDIS_URL": args.redis} if args.redis else {}
    instance = start_asgi_instance(
        Path(tempfile.mkdtemp(prefix="sideways-tracker-bench-")), workers=args.workers, extra_env=env
    )
    try:
        output = instance.manage("shell", "-c", SEED.replace("{count}", str(args.swarms))).stdout
        masters = output.strip().splitlines()[-1].split()
        url = instance.url.replace("http://", "ws://") + "/tracker/socket"
        asyncio.run(run(args, url, [info_hash(master) for master in masters], instance.processes["web"].pid))
    finally:
        instance.stop()


if __name__ == "__main__":
    main()
