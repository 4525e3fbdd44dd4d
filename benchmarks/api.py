"""Benchmark of the API's hot reads, side by side with a real PeerTube 7, then at 100 000 videos.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python benchmarks/api.py [--videos 30] [--large 100000] [--peertube 5]

Ours: the README's run command (uvicorn, 2 processes) on a fresh PostgreSQL database and Redis, --videos
generated public videos. PeerTube: the interop tier's build (`scripts/peertube`, instance --peertube,
skipped when there is none), transcoding turned off, --videos tiny clips uploaded. Each URL gets
`wrk -t2 -c20 -d10s` on ours then on PeerTube, first as every client asks it (the same URL again:
what caches answer), then with a fresh query parameter on each request (computed from the database);
the ratios are ours / PeerTube's requests per second. Then ours grows to --large videos and runs again:
the share kept of the small catalogue's rate says how flat each read is. Last, where the time of an
uncomputed request goes, measured in-process: SQL queries and their time, and the rest of Django
(middleware, views, serialization).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.load import (  # noqa: E402
    machine,
    parse_arguments,
    print_profile,
    print_row,
    seed,
    start_ours,
    wait_until,
    wrk,
)
from tests.interop.peertube import PeerTube, built_checkout, start_peertube  # noqa: E402
from tests.media import make_clip  # noqa: E402

URLS = {
    "GET /api/v1/videos?count=25": "/api/v1/videos?count=25",
    "GET /api/v1/videos/{uuid}": "/api/v1/videos/{uuid}",
    "GET /api/v1/search/videos?search=group7": "/api/v1/search/videos?search=group7",
    "GET /api/v1/config": "/api/v1/config",
}


def start_peertube_with_videos(number: int, count: int) -> tuple[PeerTube, str]:
    """PeerTube instance `number` with transcoding off and `count` tiny public clips; returns it and the
    uuid of its middle video."""
    work = Path(tempfile.mkdtemp(prefix="sideways-bench-peertube-"))
    peertube = start_peertube(number, work / "peertube")
    try:
        admin = peertube.login()
        custom = admin.get(f"{peertube.url}/api/v1/config/custom", timeout=10).json()
        custom["transcoding"]["enabled"] = False
        admin.put(f"{peertube.url}/api/v1/config/custom", json=custom, timeout=10).raise_for_status()
        channel_id = admin.get(f"{peertube.url}/api/v1/users/me", timeout=10).json()["videoChannels"][0]["id"]
        clip = make_clip(work / "clip.mp4", width=160, height=120, duration=1)
        uuids = []
        for i in range(count):
            with clip.open("rb") as handle:
                answer = admin.post(
                    f"{peertube.url}/api/v1/videos/upload",
                    timeout=60,
                    files={"videofile": ("clip.mp4", handle, "video/mp4")},
                    data={"channelId": channel_id, "name": f"Benchmark video {i} group{i % 100}", "privacy": 1},
                )
            answer.raise_for_status()
            uuids.append(answer.json()["video"]["uuid"])
        wait_until(
            lambda: requests.get(f"{peertube.url}/api/v1/videos?count=1", timeout=10).json()["total"] == count,
            120,
            "PeerTube to list its videos",
        )
        # Its jobs after an upload (thumbnails, storyboards with ffmpeg) must not run during the measure.
        wait_until(
            lambda: all(
                admin.get(f"{peertube.url}/api/v1/jobs/{state}", timeout=10).json()["total"] == 0
                for state in ("active", "waiting")
            ),
            300,
            "PeerTube's jobs to finish",
        )
    except BaseException:
        peertube.stop()
        raise
    return peertube, uuids[count // 2]


def run_table(ours: str, our_urls: dict, theirs: str | None, their_urls: dict | None, args) -> dict:
    """Each URL on ours then on PeerTube, the same URL then computed; prints the rows with the ratios."""
    results = {}
    for fresh in (False, True):
        print(f"\n{'Computed each time (a fresh query parameter)' if fresh else 'The same URL again'}:")
        print(f"  {'':44} {'ours':>25}   {'PeerTube 7.0.0':>25}   ratio")
        for name, url in our_urls.items():
            mine = wrk(ours + url, args, fresh=fresh)
            peer = wrk(theirs + their_urls[name], args, fresh=fresh) if theirs else None
            print_row(name, mine, peer)
            results[name, fresh] = mine
    return results


def main() -> None:
    args = parse_arguments(__doc__)
    print(machine())
    ours = start_ours(args)
    peertube = None
    try:
        middle = seed(ours, args.videos)
        peer_urls = None
        if args.peertube and built_checkout():
            peertube, their_middle = start_peertube_with_videos(args.peertube, args.videos)
            peer_urls = {name: path.replace("{uuid}", their_middle) for name, path in URLS.items()}
        else:
            print("No PeerTube built (scripts/peertube build): ours only.")
        our_urls = {name: path.replace("{uuid}", middle) for name, path in URLS.items()}
        for url in our_urls.values():
            requests.get(ours.url + url, timeout=30).raise_for_status()
        print(f"\n{args.videos} videos on each, wrk -t2 -c{args.connections} -d{args.seconds}s:")
        small = run_table(ours.url, our_urls, peertube.url if peertube else None, peer_urls, args)
        if peertube:
            peertube.stop()
            peertube = None
        if args.large > args.videos:
            middle = seed(ours, args.large - args.videos)
            our_urls = {name: path.replace("{uuid}", middle) for name, path in URLS.items()}
            print(f"\nOurs at {args.large} videos (share of the rate at {args.videos}):")
            for fresh in (False, True):
                for name, url in our_urls.items():
                    result = wrk(ours.url + url, args, fresh=fresh)
                    kept = result.rate / small[name, fresh].rate * 100
                    label = f"{name}{' (computed)' if fresh else ''}"
                    print(f"  {label:55} {result.cell()}  p95 {result.p95:6.1f} ms  {kept:4.0f} %", flush=True)
        print(f"\nWhere a computed request's time goes (in-process, {max(args.large, args.videos)} videos):")
        print_profile(ours, list(our_urls.values()))
    finally:
        if peertube:
            peertube.stop()
        ours.stop()  # also drops its database


if __name__ == "__main__":
    main()
