"""What the API and pages benchmarks share: wrk as the load generator, our instance as the README runs it
(uvicorn on PostgreSQL + Redis) seeded with generated rows, a real PeerTube 7 beside it, and the report.

wrk (Debian package `wrk`) sends keep-alive requests from its own threads, as in the issue's measure
(`wrk -t2 -c20 -d10s`); a Lua `done` hook prints the counts and latency percentiles as JSON. With
`fresh=True` each request carries a new `_=<n>` query parameter, which both servers ignore but which no
response cache can answer: the price of a request computed from the database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live import LiveInstance, start_instance  # noqa: E402

# Generated rows: `{count}` public videos with one web-video file row each (as PeerTube's videos have), 3
# of 50 tags, and one word in the name shared by 1 % of the catalogue ("group7"), for search.
SEED = """
import datetime, random
from django.db import connection
from django.utils import timezone
from videos.constants import VideoState
from videos.models import Channel, Tag, Video, VideoFile
channel = Channel.objects.get(name="root_channel")
now = timezone.now()
first = Video.objects.count()
tags = [Tag.objects.get_or_create(name=f"tag{i}")[0] for i in range(50)]
for offset in range(first, first + {count}, 10000):
    videos = Video.objects.bulk_create(
        [Video(channel=channel, name=f"Benchmark video {i} group{i % 100}", description=f"Description {i} " * 20,
               state=VideoState.PUBLISHED, category=random.randint(1, 18), duration=random.randint(1, 3600),
               views=random.randint(0, 100000), published_at=now - datetime.timedelta(minutes=i))
         for i in range(offset, min(offset + 10000, first + {count}))],
    )
    VideoFile.objects.bulk_create(
        [VideoFile(video=v, resolution=240, width=320, height=240, fps=25, size=100000,
                   filename=f"{v.uuid}-240.mp4") for v in videos]
    )
    Through = Video.tags.through
    Through.objects.bulk_create([Through(video_id=v.pk, tag_id=t.pk) for v in videos for t in random.sample(tags, 3)])
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would have them in production
from videos.services import catalog_version
catalog_version.bump()  # rows written without signals: the cached answers must go
print(Video.objects.order_by("pk").values_list("uuid", flat=True)[Video.objects.count() // 2])
"""

PROFILE = """
import json, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="127.0.0.1")
result = {}
for url in URLS:
    assert client.get(url).status_code == 200, url
    total = sql = 0.0
    rounds = 20
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            client.get(url)
            total += time.perf_counter() - started
        sql += sum(float(query["time"]) for query in captured.captured_queries)
    result[url] = {"queries": len(captured), "ms": total / rounds * 1000, "sql_ms": sql / rounds * 1000}
print(json.dumps(result))
"""

WRK_SCRIPT = """
local fresh = {fresh}
local n = 0
-- Another sequence each run and thread: a later run of the same URL must not ask what an earlier one left
-- in a cache.
math.randomseed(os.time() + tonumber(tostring({{}}):match("0x(%x+)"), 16))
request = function()
  n = n + 1
  local path = wrk.path
  if fresh then
    local sep = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. sep .. "_=" .. n .. "_" .. math.random(1, 1000000000)
  end
  return wrk.format(nil, path)
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
               + summary.errors.timeout
  io.write(string.format('WRK {{"requests": %d, "seconds": %f, "errors": %d, "p50": %f, "p95": %f, "p99": %f}}\\n',
    summary.requests, summary.duration / 1e6, errors, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


@dataclass
class Result:
    rate: float
    p50: float
    p95: float
    p99: float
    errors: int

    def cell(self) -> str:
        return f"{self.rate:7.0f} req/s p99 {self.p99:6.1f} ms"


def wrk(url: str, args: argparse.Namespace, *, fresh: bool = False) -> Result:
    """`wrk -t2 -cN -dS` on one URL; requests/s and latency percentiles in ms (non-2xx counted as errors)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.replace("{fresh}", "true" if fresh else "false").replace("{{", "{").replace("}}", "}"))
    try:
        command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "-s", script.name, url]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("WRK "))
    data = json.loads(line[4:])
    return Result(data["requests"] / data["seconds"], data["p50"], data["p95"], data["p99"], data["errors"])


def parse_arguments(description: str) -> argparse.Namespace:
    """The options every benchmark takes (catalogue sizes, load, PostgreSQL, Redis, PeerTube instance)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=30, help="videos on each server for the side-by-side table")
    parser.add_argument("--large", type=int, default=100_000, help="then grow ours to this many (0: skip)")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--postgres", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"))
    parser.add_argument(
        "--peertube",
        type=int,
        default=int(os.environ.get("SIDEWAYS_PEERTUBE_FIRST", "5")),
        help="PeerTube instance number (0: no PeerTube)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        parser.error("wrk is needed: apt-get install wrk")
    return args


def start_ours(args: argparse.Namespace) -> LiveInstance:
    """The README's run command (scripts/web: uvicorn, 2 processes) on a fresh PostgreSQL database + Redis."""
    return start_instance(
        Path(tempfile.mkdtemp(prefix="sideways-bench-")),
        postgres_server_url=args.postgres,
        redis_url=args.redis,
        worker=False,
    )


def seed(instance: LiveInstance, count: int) -> str:
    """Add `count` generated public videos; returns the uuid of the middle one of the catalogue."""
    return instance.manage("shell", "-c", SEED.replace("{count}", str(count))).stdout.strip().splitlines()[-1]


def machine() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} cores, load average before the run {load[0]:.1f}, {time.strftime('%Y-%m-%d %H:%M %Z')}"


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {what}")


def ratio(ours: Result, theirs: Result | None) -> str:
    return f"{ours.rate / theirs.rate:5.1f}x" if theirs and theirs.rate else "    -"


def print_row(name: str, ours: Result, theirs: Result | None = None) -> None:
    errors = f"  ERRORS ours {ours.errors}" if ours.errors else ""
    if theirs and theirs.errors:
        errors += f"  ERRORS PeerTube {theirs.errors}"
    theirs_cell = theirs.cell() if theirs else " " * len(ours.cell())
    print(f"  {name:44} {ours.cell()}   {theirs_cell}   {ratio(ours, theirs)}{errors}", flush=True)


def print_profile(instance: LiveInstance, urls: list[str]) -> None:
    """Time and SQL of each URL computed in-process (Django's test client: no server, no response cache)."""
    profile = instance.manage("shell", "-c", PROFILE.replace("URLS", repr(urls)))
    for url, cost in json.loads(profile.stdout.strip().splitlines()[-1]).items():
        print(
            f"  {url:60} {cost['ms']:6.1f} ms: {cost['queries']} SQL queries {cost['sql_ms']:5.1f} ms, "
            f"the rest of Django {cost['ms'] - cost['sql_ms']:5.1f} ms"
        )
