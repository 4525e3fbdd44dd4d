"""A real PeerTube server run by `scripts/peertube start`, and what the interop tests do with it.

The server is the one `scripts/peertube build` made (or the built checkout that
SIDEWAYS_PEERTUBE_CHECKOUT names); without one, the interop tier is skipped with a message saying so.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.live import REPO, LiveInstance, api_session, free_port, poll, upload_clip

SCRIPT = REPO / "scripts" / "peertube"
VERSION = "7.0.0"


def instance_numbers() -> tuple[int, int]:
    """The two PeerTube instance numbers (databases peertube_testN, Redis databases 2 + N) a run uses.

    SIDEWAYS_PEERTUBE_FIRST (1, 3 or 5; default 1) lets up to three runs share one machine."""
    first = int(os.environ.get("SIDEWAYS_PEERTUBE_FIRST", "1"))
    if first not in (1, 3, 5):
        raise ValueError("SIDEWAYS_PEERTUBE_FIRST must be 1, 3 or 5")
    return first, first + 1


def our_redis_database() -> int:
    """The Redis database of our instance's broker in a run, apart from its PeerTube instances' ones."""
    return 10 + instance_numbers()[0]


def built_checkout() -> str | None:
    """The PeerTube checkout the tier runs, or None when there is no built one on this machine."""
    found = subprocess.run([str(SCRIPT), "path"], capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else None


@dataclass
class PeerTube:
    """One running PeerTube instance in test mode (its root password is "test<N>")."""

    number: int
    url: str
    data_dir: Path
    process: subprocess.Popen
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def host(self) -> str:
        return self.url.split("://", 1)[1]

    def login(self, username: str = "root", password: str | None = None) -> requests.Session:
        """An API session with a bearer token, as PeerTube's own client gets one."""
        session = requests.Session()
        client = session.get(f"{self.url}/api/v1/oauth-clients/local", timeout=10).json()
        token = session.post(
            f"{self.url}/api/v1/users/token",
            timeout=10,
            data={
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
                "grant_type": "password",
                "username": username,
                "password": password or f"test{self.number}",
            },
        )
        token.raise_for_status()
        session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        return session

    def create_user(self, username: str, password: str) -> requests.Session:
        """A new regular user of this PeerTube, logged in."""
        admin = self.login()
        answer = admin.post(
            f"{self.url}/api/v1/users",
            timeout=10,
            json={
                "username": username,
                "password": password,
                "email": f"{username}@example.com",
                "role": 2,
                "videoQuota": -1,
                "videoQuotaDaily": -1,
            },
        )
        answer.raise_for_status()
        return self.login(username, password)

    def videos(self, **params: str) -> dict[str, dict]:
        """The public videos this PeerTube lists, by uuid."""
        listing = self.session.get(f"{self.url}/api/v1/videos", params={"count": 100, **params}, timeout=10)
        listing.raise_for_status()
        return {video["uuid"]: video for video in listing.json()["data"]}

    def video(self, uuid: str) -> dict | None:
        answer = self.session.get(f"{self.url}/api/v1/videos/{uuid}", timeout=10)
        return answer.json() if answer.status_code == 200 else None

    def log_entries(self) -> list[dict]:
        """PeerTube's own log (JSON lines), as written so far."""
        path = self.data_dir / "logs" / "peertube.log"
        if not path.exists():
            return []
        entries = []
        for line in path.read_text(errors="replace").splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
        return entries

    def log_tail(self, count: int = 40) -> str:
        lines = [
            f"{e.get('level')}: {e.get('message')} {json.dumps(e.get('err', ''))[:300]}"
            for e in self.log_entries()
            if e.get("level") != "debug"
        ]
        return "\n".join(lines[-count:])

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_peertube(number: int, data_dir: Path, timeout: float = 120) -> PeerTube:
    """`scripts/peertube start` on a free loopback port; returns once its API answers."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    console = (data_dir / "console.log").open("ab")
    process = subprocess.Popen(
        [str(SCRIPT), "start", str(number), str(port), str(data_dir)], stdout=console, stderr=subprocess.STDOUT
    )
    server = PeerTube(number=number, url=f"http://127.0.0.1:{port}", data_dir=data_dir, process=process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"PeerTube exited:\n{(data_dir / 'console.log').read_text(errors='replace')[-4000:]}")
        try:
            if requests.get(f"{server.url}/api/v1/config", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"PeerTube did not answer in {timeout} s")


def wait_until(predicate, timeout: float, what: str, *servers) -> object:
    """Poll `predicate` every 0.1 s until it returns something true; fail with the servers' logs."""
    result = poll(predicate, timeout, interval=0.1)
    if not result:
        logs = "\n".join(_log_of(server) for server in servers)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{logs}")
    return result


def _log_of(server) -> str:
    if isinstance(server, PeerTube):
        return f"--- PeerTube {server.url} ---\n{server.log_tail()}"
    return f"--- SideWays {server.url} worker ---\n{server.log('worker')[-4000:]}\n--- web ---\n{server.log('web')[-2000:]}"


# --- what the tests do on both sides ---------------------------------------------------------------


def published_here(instance: LiveInstance, session: requests.Session, video_id: int) -> dict | None:
    details = session.get(f"{instance.url}/api/v1/videos/{video_id}", timeout=10).json()
    return details if details["state"]["id"] == 1 else None


def publish_here(instance: LiveInstance, session: requests.Session, clip) -> tuple[dict, float]:
    """Upload a clip; returns our video once published and the moment we saw it published."""
    video_id = upload_clip(instance, session, clip)
    video = wait_until(lambda: published_here(instance, session, video_id), 120, "our video published", instance)
    return video, time.monotonic()


def upload_to_peertube(peertube: PeerTube, session: requests.Session, clip: Path) -> tuple[dict, float]:
    """Upload a clip to PeerTube's root channel; returns the video once PeerTube published it (transcoded,
    as PeerTube waits for it by default) and the moment it was seen published."""
    channel_id = session.get(f"{peertube.url}/api/v1/users/me", timeout=10).json()["videoChannels"][0]["id"]
    with clip.open("rb") as handle:
        answer = session.post(
            f"{peertube.url}/api/v1/videos/upload",
            timeout=60,
            files={"videofile": (clip.name, handle, "video/mp4")},
            data={"channelId": channel_id, "name": clip.stem, "privacy": 1, "waitTranscoding": "true"},
        )
    answer.raise_for_status()
    uuid = answer.json()["video"]["uuid"]

    def published() -> dict | None:
        video = session.get(f"{peertube.url}/api/v1/videos/{uuid}", timeout=10).json()
        return video if video["state"]["id"] == 1 and video["streamingPlaylists"] else None

    video = wait_until(published, 180, "PeerTube to publish its video", peertube)
    return video, time.monotonic()


def follow_us_from(peertube: PeerTube, sideways: LiveInstance) -> None:
    """PeerTube's admin follows our instance (unless an earlier test did); returns once PeerTube got our Accept."""
    admin = peertube.login()

    def accepted() -> bool:
        following = admin.get(f"{peertube.url}/api/v1/server/following", timeout=10).json()["data"]
        return any(f["following"]["host"] == host_of(sideways) and f["state"] == "accepted" for f in following)

    if accepted():
        return
    answer = admin.post(f"{peertube.url}/api/v1/server/following", json={"hosts": [host_of(sideways)]}, timeout=10)
    assert answer.status_code == 204, answer.text
    wait_until(accepted, 30, "our Accept", peertube, sideways)


def follow_peertube_from(sideways: LiveInstance, peertube: PeerTube) -> None:
    """Our admin follows PeerTube (unless an earlier test did); returns once PeerTube accepted."""
    ours = api_session(sideways)

    def accepted() -> bool:
        following = ours.get(f"{sideways.url}/api/v1/server/following", timeout=10).json()["data"]
        return any(f["following"]["host"] == peertube.host and f["state"] == "accepted" for f in following)

    if accepted():
        return
    answer = ours.post(f"{sideways.url}/api/v1/server/following", json={"hosts": [peertube.url]}, timeout=30)
    assert answer.status_code == 204, answer.text
    wait_until(accepted, 30, "PeerTube's Accept", peertube, sideways)


def host_of(sideways: LiveInstance) -> str:
    return sideways.url.split("://", 1)[1]


def listed_here(sideways: LiveInstance, uuid: str) -> dict | None:
    listing = requests.get(
        f"{sideways.url}/api/v1/videos", params={"isLocal": "false", "count": 100}, timeout=10
    ).json()
    return next((video for video in listing["data"] if video["uuid"] == uuid), None)
