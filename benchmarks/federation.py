"""How long a new video takes to be listed on a follower, side by side in one run: us -> PeerTube,
PeerTube -> us, and PeerTube -> PeerTube (PeerTube's own figure, the baseline).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/11 \
        .venv/bin/python benchmarks/federation.py [--rounds 3] [--duration 10]

Needs the PeerTube that `scripts/peertube build` made. Starts our instance (PostgreSQL, Redis, its
worker, the default ladder) and two PeerTube instances; PeerTube 1 follows us and we follow it, PeerTube 2
follows PeerTube 1. Each round uploads a clip of --duration seconds (720p, H.264 + AAC) to us and one to
PeerTube 1, and times from the upload's answer to the video being listed by the follower's
`GET /api/v1/videos`. PeerTube shows its video once transcoded; ours is uploaded with waitTranscoding false
(the API's default, as PeerTube's) and shown to peers as soon as its thumbnail exists, with its web-video file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.interop.peertube import PeerTube, built_checkout, instance_numbers, start_peertube  # noqa: E402
from tests.live import LiveInstance, api_session, start_instance, upload_clip  # noqa: E402
from tests.media import make_clip  # noqa: E402
from tests.services import require_real_services  # noqa: E402


def _listed(url: str, uuid: str) -> bool:
    listing = requests.get(f"{url}/api/v1/videos", params={"count": 100, "sort": "-publishedAt"}, timeout=10).json()
    return any(video["uuid"] == uuid for video in listing["data"])


def _seconds_until_listed(
    started: float, followers: dict[str, str], uuid: str, timeout: float = 300
) -> dict[str, float]:
    """Seconds from `started` until each follower (name -> base URL) lists the video."""
    took: dict[str, float] = {}
    while len(took) < len(followers):
        if time.monotonic() - started > timeout:
            raise SystemExit(f"video {uuid} not listed on {set(followers) - set(took)} after {timeout} s")
        for name, url in followers.items():
            if name not in took and _listed(url, uuid):
                took[name] = time.monotonic() - started
        time.sleep(0.05)
    return took


def _upload_to_peertube(peertube: PeerTube, session: requests.Session, clip: Path) -> tuple[str, float]:
    channel_id = session.get(f"{peertube.url}/api/v1/users/me", timeout=10).json()["videoChannels"][0]["id"]
    with clip.open("rb") as handle:
        answer = session.post(
            f"{peertube.url}/api/v1/videos/upload",
            timeout=120,
            files={"videofile": (clip.name, handle, "video/mp4")},
            data={"channelId": channel_id, "name": clip.stem, "privacy": 1},
        )
    answered = time.monotonic()
    answer.raise_for_status()
    return answer.json()["video"]["uuid"], answered


def _follow(session: requests.Session, base: str, target: str, check) -> None:
    assert session.post(f"{base}/api/v1/server/following", json={"hosts": [target]}, timeout=30).status_code == 204
    deadline = time.monotonic() + 60
    while not check():
        if time.monotonic() > deadline:
            state = session.get(f"{base}/api/v1/server/following", timeout=10).json()["data"]
            raise SystemExit(f"{base} could not follow {target}: {state}")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10)
    args = parser.parse_args()
    if built_checkout() is None:
        raise SystemExit("no PeerTube built by scripts/peertube build: nothing to compare with")
    database_url, redis_url = require_real_services()
    work = Path(tempfile.mkdtemp(prefix="federation-bench-"))
    servers: list[PeerTube | LiveInstance] = []
    try:
        ours = start_instance(work / "sideways", postgres_server_url=database_url, redis_url=redis_url)
        servers.append(ours)
        first, second = (start_peertube(number, work / f"peertube-{number}") for number in instance_numbers())
        servers += [first, second]
        our_api, first_api, second_api = api_session(ours), first.login(), second.login()

        def follows(session: requests.Session, base: str, host: str):
            return lambda: any(
                f["following"]["host"] == host and f["state"] == "accepted"
                for f in session.get(f"{base}/api/v1/server/following", timeout=10).json()["data"]
            )

        _follow(
            first_api,
            first.url,
            ours.url.split("://", 1)[1],
            follows(first_api, first.url, ours.url.split("://", 1)[1]),
        )
        _follow(our_api, ours.url, first.url, follows(our_api, ours.url, first.host))
        _follow(second_api, second.url, first.host, follows(second_api, second.url, first.host))

        results: dict[str, list[float]] = {"us -> PeerTube": [], "PeerTube -> us": [], "PeerTube -> PeerTube": []}
        for round_number in range(args.rounds):
            clip = make_clip(work / f"round-{round_number}.mp4", width=1280, height=720, duration=args.duration)
            video_id = upload_clip(ours, our_api, clip)
            started = time.monotonic()  # the upload's answer, as for PeerTube below
            uuid = our_api.get(f"{ours.url}/api/v1/videos/{video_id}", timeout=10).json()["uuid"]
            results["us -> PeerTube"].append(_seconds_until_listed(started, {"PeerTube": first.url}, uuid)["PeerTube"])

            uuid, started = _upload_to_peertube(first, first_api, clip)
            took = _seconds_until_listed(started, {"us": ours.url, "PeerTube 2": second.url}, uuid)
            results["PeerTube -> us"].append(took["us"])
            results["PeerTube -> PeerTube"].append(took["PeerTube 2"])
            print(
                f"round {round_number + 1}: "
                + ", ".join(f"{name} {values[-1]:.2f} s" for name, values in results.items())
            )

        baseline = statistics.median(results["PeerTube -> PeerTube"])
        print(
            f"\nFrom upload answer to listed on the follower ({args.duration:g} s 720p clip, median of {args.rounds}):"
        )
        for name, values in results.items():
            median = statistics.median(values)
            print(f"  {name:22} {median:6.2f} s   ratio to PeerTube -> PeerTube: {median / baseline:.2f}")
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
