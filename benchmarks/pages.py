"""Benchmark of the two busiest HTML pages, home and watch, under gunicorn on PostgreSQL, plus SQL queries per page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/pages.py

Same set-up as benchmarks/api.py (fresh instance and database, --videos public videos seeded, keep-alive
client threads): the watched video also gets an HLS ladder (rows only) so the player partial renders
its full form. Query counts are measured in-process for several pages and videos to show they stay
the same whatever the page or the size of the catalogue.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.api import SEED, hammer, parse_arguments, print_report, start_benchmark_instance  # noqa: E402

# Two watched videos (one with a 5-rung ladder) and their short UUIDs.
LADDER = """
from videos.models import StreamingPlaylist, Video, VideoFile
videos = list(Video.objects.order_by("pk")[:2])
playlist = StreamingPlaylist.objects.create(video=videos[0], playlist_filename="bench-master.m3u8")
for resolution in (1080, 720, 480, 360, 240):
    VideoFile.objects.create(playlist=playlist, resolution=resolution, size=resolution * 1000,
                             filename=f"bench-{resolution}-fragmented.mp4")
print(" ".join(video.short_uuid for video in videos))
"""

QUERY_COUNTS = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="127.0.0.1")
result = {}
for url in URLS:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    result[url] = len(queries)
print(json.dumps(result))
"""


def main() -> None:
    args = parse_arguments(__doc__)
    instance = start_benchmark_instance(args)
    try:
        instance.manage("shell", "-c", SEED.replace("{count}", str(args.videos)))
        with_ladder, plain = instance.manage("shell", "-c", LADDER).stdout.strip().splitlines()[-1].split()
        urls = ["/", "/?page=2", "/?page=50", f"/w/{with_ladder}", f"/w/{plain}", f"/videos/embed/{with_ladder}"]
        counts = json.loads(
            instance.manage("shell", "-c", QUERY_COUNTS.replace("URLS", repr(urls))).stdout.strip().splitlines()[-1]
        )
        for url in ("/", f"/w/{with_ladder}"):
            requests.get(instance.url + url).raise_for_status()  # warm up
        results = {
            "GET / (home)": hammer(instance.url + "/", args.clients, args.seconds),
            "GET /w/{shortUUID} (watch)": hammer(f"{instance.url}/w/{with_ladder}", args.clients, args.seconds),
            "GET /videos/embed/{shortUUID}": hammer(
                f"{instance.url}/videos/embed/{with_ladder}", args.clients, args.seconds
            ),
        }
        print_report(args, results, counts)
    finally:
        instance.stop()  # also drops its database


if __name__ == "__main__":
    main()
