"""Benchmark of the hottest API reads (list, details, search) under gunicorn on PostgreSQL, plus SQL queries per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/api.py

Starts a fresh instance (own database, gunicorn as in production, no worker needed), seeds
--videos public videos, then hammers `GET /api/v1/videos?count=25` and `GET /api/v1/videos/{id}`
from --clients threads for --seconds each. Query counts are measured in-process with Django's
CaptureQueriesContext for several page sizes to show they do not grow with the page.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live import LiveInstance, start_instance  # noqa: E402

SEED = """
import datetime, random
from django.db import connection
from django.utils import timezone
from videos.constants import VideoState
from videos.models import Channel, Tag, Video
channel = Channel.objects.get(name="root_channel")
now = timezone.now()
tags = [Tag.objects.get_or_create(name=f"tag{i}")[0] for i in range(50)]
videos = Video.objects.bulk_create(
    [Video(channel=channel, name=f"Benchmark video {i}", description=f"Description {i} " * 20,
           state=VideoState.PUBLISHED, category=random.randint(1, 18), duration=random.randint(1, 3600),
           views=random.randint(0, 100000), published_at=now - datetime.timedelta(minutes=i))
     for i in range({count})],
    batch_size=2000,
)
Through = Video.tags.through
Through.objects.bulk_create(
    [Through(video_id=v.pk, tag_id=t.pk) for v in videos for t in random.sample(tags, 3)], batch_size=5000
)
# Fresh statistics, as autovacuum would have them in production (otherwise the planner assumes 1 row).
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
print(videos[len(videos) // 2].pk)
"""

QUERY_COUNTS = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="127.0.0.1")
result = {}
for url in ["/api/v1/videos?count=1", "/api/v1/videos?count=25", "/api/v1/videos?count=100",
            "/api/v1/videos/{video_id}"]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    result[url] = len(queries)
print(json.dumps(result))
"""


def hammer(url: str, clients: int, seconds: float) -> float:
    """Requests per second achieved by `clients` keep-alive threads during `seconds`."""
    done = [0] * clients
    stop = time.monotonic() + seconds

    def run(index: int) -> None:
        with requests.Session() as session:
            while time.monotonic() < stop:
                response = session.get(url)
                response.raise_for_status()
                done[index] += 1

    threads = [threading.Thread(target=run, args=(index,)) for index in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def parse_arguments(description: str) -> argparse.Namespace:
    """The options every benchmark takes (catalogue size, load, duration, PostgreSQL server)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument(
        "--postgres", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    return parser.parse_args()


def start_benchmark_instance(args: argparse.Namespace) -> LiveInstance:
    """gunicorn as in production on a fresh PostgreSQL database (dropped by `stop()`), no worker."""
    return start_instance(
        Path(tempfile.mkdtemp(prefix="sideways-bench-")), postgres_server_url=args.postgres, worker=False
    )


def print_report(args: argparse.Namespace, results: dict[str, float], counts: dict[str, int]) -> None:
    print(f"{args.videos} videos, PostgreSQL, gunicorn 2 workers x 4 threads, {args.clients} client threads")
    for name, rate in results.items():
        print(f"  {name:32} {rate:8.1f} req/s")
    print("SQL queries per request:")
    for url, count in counts.items():
        print(f"  {url:32} {count}")


def main() -> None:
    args = parse_arguments(__doc__)
    instance = start_benchmark_instance(args)
    try:
        video_id = (
            instance.manage("shell", "-c", SEED.replace("{count}", str(args.videos))).stdout.strip().splitlines()[-1]
        )
        counts = json.loads(
            instance.manage("shell", "-c", QUERY_COUNTS.replace("{video_id}", video_id)).stdout.strip().splitlines()[-1]
        )
        api = instance.url + "/api/v1"
        requests.get(f"{api}/videos?count=25").raise_for_status()  # warm up
        results = {
            "GET /api/v1/videos?count=25": hammer(f"{api}/videos?count=25", args.clients, args.seconds),
            "GET /api/v1/videos/{id}": hammer(f"{api}/videos/{video_id}", args.clients, args.seconds),
            "GET /api/v1/search/videos": hammer(f"{api}/search/videos?search=video+42", args.clients, args.seconds),
        }
        print_report(args, results, counts)
    finally:
        instance.stop()  # also drops its database


if __name__ == "__main__":
    main()
