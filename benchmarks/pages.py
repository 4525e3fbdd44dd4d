"""Benchmark of the pages anonymous viewers open: home, watch and embed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python benchmarks/pages.py [--videos 30] [--large 100000]

Same set-up as benchmarks/api.py (the README's run command on PostgreSQL + Redis, generated rows; the
watched video also gets a 5-rung HLS ladder so the player renders its full form), `wrk -t2 -c20 -d10s`
per page: the same URL again (what every anonymous viewer gets, from the response cache), then computed
each time (a fresh query parameter), at --videos and at --large videos. The interop tier's PeerTube runs
without its web client, so there is no PeerTube page to compare with: the goal is absolute (1 000 req/s,
p99 under 50 ms). Last, SQL queries and time per computed page, in-process.
"""

from __future__ import annotations

import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.load import machine, parse_arguments, print_profile, seed, start_ours, wrk  # noqa: E402

LADDER = """
from videos.models import StreamingPlaylist, Video, VideoFile
video = Video.objects.get(uuid="UUID")
playlist = StreamingPlaylist.objects.create(video=video, playlist_filename="bench-master.m3u8")
for resolution in (1080, 720, 480, 360, 240):
    VideoFile.objects.create(playlist=playlist, resolution=resolution, size=resolution * 1000,
                             filename=f"bench-{resolution}-fragmented.mp4")
print(video.short_uuid)
"""


def run(instance_url: str, pages: dict[str, str], args, baseline: dict | None = None) -> dict:
    results = {}
    for fresh in (False, True):
        for name, path in pages.items():
            result = wrk(instance_url + path, args, fresh=fresh)
            results[name, fresh] = result
            label = f"{name}{' (computed)' if fresh else ''}"
            kept = f"  {result.rate / baseline[name, fresh].rate * 100:4.0f} %" if baseline else ""
            errors = f"  ERRORS {result.errors}" if result.errors else ""
            print(f"  {label:44} {result.cell()}{kept}{errors}", flush=True)
    return results


def main() -> None:
    args = parse_arguments(__doc__)
    print(machine())
    ours = start_ours(args)
    try:
        middle = seed(ours, args.videos)
        short = ours.manage("shell", "-c", LADDER.replace("UUID", middle)).stdout.strip().splitlines()[-1]
        pages = {
            "GET / (home)": "/",
            "GET /w/{shortUUID} (watch)": f"/w/{short}",
            "GET /videos/embed/{shortUUID}": f"/videos/embed/{short}",
        }
        for path in pages.values():
            requests.get(ours.url + path, timeout=30).raise_for_status()
        print(f"\n{args.videos} videos, wrk -t2 -c{args.connections} -d{args.seconds}s:")
        small = run(ours.url, pages, args)
        if args.large > args.videos:
            seed(ours, args.large - args.videos)
            print(f"\n{args.large} videos (share of the rate at {args.videos}):")
            run(ours.url, pages, args, small)
        print(f"\nWhere a computed page's time goes (in-process, {max(args.large, args.videos)} videos):")
        print_profile(ours, list(pages.values()))
    finally:
        ours.stop()  # also drops its database


if __name__ == "__main__":
    main()
