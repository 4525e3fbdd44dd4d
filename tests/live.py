"""Running a whole instance (migrate, the web server of scripts/web, Celery worker) as real processes, for tests that speak
HTTP to it: browser tests, the PeerTube CLI, and two instances federating.

Each instance gets its own data dir, port and database: SQLite in its data dir by default, or a fresh
PostgreSQL database (and a Redis broker) when `database_url` / `redis_url` are given.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

REPO = Path(__file__).resolve().parent.parent
ROOT_PASSWORD = "root-password-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_postgres_database(server_url: str) -> str:
    """A new empty database on the server of server_url; returns its URL."""
    parts = urlsplit(server_url)
    name = f"sideways_live_{uuid.uuid4().hex[:10]}"
    connection = psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_postgres_database(database_url: str) -> None:
    parts = urlsplit(database_url)
    connection = psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
    connection.close()


@dataclass
class LiveInstance:
    url: str
    data_dir: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO, env=self.env, capture_output=True, text=True, check=True
        )

    def log(self, name: str) -> str:
        path = self.data_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start_process(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.data_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def start_worker(self, concurrency: int = 2, queues: str = "", name: str = "worker") -> subprocess.Popen:
        """A Celery worker consuming every queue, or only the comma-separated `queues`."""
        return self.start_process(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "sideways",
                "worker",
                "--concurrency",
                str(concurrency),
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                *(["--queues", queues] if queues else []),
            ],
        )

    def web_peak_rss(self) -> int:
        """Highest resident memory (bytes) any web server process reached (VmHWM): the server and its workers."""
        server = self.processes["web"].pid
        pids = [server] + [int(pid) for pid in Path(f"/proc/{server}/task/{server}/children").read_text().split()]
        peaks = []
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) * 1024)
        return max(peaks)

    def stop_process(self, name: str, sig: int | None = None) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        if sig is None:
            process.terminate()
        else:
            process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_process(name)
        if self.env.get("DATABASE_URL", "").startswith("postgres"):
            drop_postgres_database(self.env["DATABASE_URL"])


def start_instance(
    data_dir: Path,
    *,
    postgres_server_url: str | None = None,
    redis_url: str | None = None,
    worker: bool = True,
    extra_env: dict[str, str] | None = None,
) -> LiveInstance:
    """Migrate and start the web server (and a Celery worker) on a free port; returns when it answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "REDIS_URL", "CELERY_"))
    }
    env.update(
        SIDEWAYS_URL=f"http://127.0.0.1:{port}",
        SIDEWAYS_DATA_DIR=str(data_dir),
        SIDEWAYS_ROOT_PASSWORD=ROOT_PASSWORD,
        DJANGO_SETTINGS_MODULE="sideways.settings",
        FEDERATION_ALLOW_PRIVATE_ADDRESSES="true",
        PYTHONUNBUFFERED="1",
        PYTHON=sys.executable,
        # Each instance's STUN responder on a loopback port of its own (the default listens on every address).
        SIDEWAYS_STUN_LISTEN=f"127.0.0.1:{free_port()}",
    )
    if postgres_server_url:
        env["DATABASE_URL"] = create_postgres_database(postgres_server_url)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra_env or {})
    instance = LiveInstance(url=env["SIDEWAYS_URL"], data_dir=data_dir, env=env)
    try:
        instance.manage("migrate", "--noinput")
        instance.start_process("web", [str(REPO / "scripts" / "web"), f"127.0.0.1:{port}"])
        if worker:
            instance.start_worker()
        _wait_until_up(instance)
    except BaseException:
        instance.stop()
        raise
    return instance


def instance_on_real_services(
    real_services: tuple[str, str], data_dir: Path, *, worker: bool = True, extra_env: dict[str, str] | None = None
) -> Iterator[LiveInstance]:
    """For a fixture to `yield from`: an instance on tier 2's PostgreSQL and Redis (`real_services`), stopped and
    its database dropped after the test. One place, so every tier-2 fixture cleans up the same way."""
    database_url, redis_url = real_services
    instance = start_instance(
        data_dir, postgres_server_url=database_url, redis_url=redis_url, worker=worker, extra_env=extra_env
    )
    try:
        yield instance
    finally:
        instance.stop()


def start_transcoding_worker(web: LiveInstance, data_dir: Path) -> LiveInstance:
    """A transcoding worker as on another machine: the web node's settings but a data folder of its own, and
    only the transcoding queue (one job at a time). Stop it with stop_process("worker"), not stop()."""
    data_dir.mkdir(parents=True)
    worker = LiveInstance(url=web.url, data_dir=data_dir, env={**web.env, "SIDEWAYS_DATA_DIR": str(data_dir)})
    worker.start_worker(concurrency=1, queues="transcoding")
    return worker


def start_web_node(web: LiveInstance, data_dir: Path) -> LiveInstance:
    """A second web node of the same instance, as on another machine behind the same front door: the first
    node's settings and secret key, a data folder and a port of its own; only the database, Redis and the
    buckets are shared. Stop it with stop_process("web"), not stop() (that would drop the shared database)."""
    data_dir.mkdir(parents=True)
    port = free_port()
    env = {
        **web.env,
        "SIDEWAYS_DATA_DIR": str(data_dir),
        "SECRET_KEY": (web.data_dir / "secret_key").read_text().strip(),
        "SIDEWAYS_STUN_LISTEN": f"127.0.0.1:{free_port()}",
    }
    node = LiveInstance(url=f"http://127.0.0.1:{port}", data_dir=data_dir, env=env)
    node.start_process("web", [str(REPO / "scripts" / "web"), f"127.0.0.1:{port}"])
    try:
        _wait_until_up(node)
    except BaseException:
        node.stop_process("web")
        raise
    return node


def _wait_until_up(instance: LiveInstance, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        web = instance.processes["web"]
        if web.poll() is not None:
            raise RuntimeError(f"the web server exited:\n{instance.log('web')}")
        try:
            requests.get(instance.url + "/django-admin/login/", timeout=2)
            return
        except (requests.ConnectionError, requests.Timeout):  # a busy machine: the server still importing
            time.sleep(0.2)
    raise RuntimeError(f"instance did not answer in {timeout} s:\n{instance.log('web')}")


def api_session(instance: LiveInstance) -> requests.Session:
    """A session logged in as root through PeerTube's OAuth password grant."""
    session = requests.Session()
    client = session.get(instance.url + "/api/v1/oauth-clients/local").json()
    token = session.post(
        instance.url + "/api/v1/users/token",
        data={**client, "grant_type": "password", "username": "root", "password": ROOT_PASSWORD},
    )
    token.raise_for_status()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return session


def upload_clip(instance: LiveInstance, session: requests.Session, clip: Path) -> int:
    """Legacy multipart upload into root's channel; returns the video id."""
    channel_id = session.get(instance.url + "/api/v1/users/me").json()["videoChannels"][0]["id"]
    with clip.open("rb") as handle:
        response = session.post(
            instance.url + "/api/v1/videos/upload",
            data={"channelId": channel_id, "name": clip.stem},
            files={"videofile": (clip.name, handle, "video/mp4")},
        )
    response.raise_for_status()
    return response.json()["video"]["id"]


def poll(predicate, timeout: float, interval: float = 0.3):
    """The first true result of `predicate`, called every `interval` seconds, or None after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return None


def wait_for(predicate, timeout: float, what: str, instance: LiveInstance):
    result = poll(predicate, timeout)
    if not result:
        raise AssertionError(f"timed out waiting for {what}\n--- worker log ---\n{instance.log('worker')[-4000:]}")
    return result


def fully_transcoded(session: requests.Session, instance: LiveInstance, video_id: int, rungs: int) -> dict | None:
    details = session.get(f"{instance.url}/api/v1/videos/{video_id}").json()
    playlists = details["streamingPlaylists"]
    done = details["transcodingProgress"] is None and playlists and len(playlists[0]["files"]) == rungs
    return details if details["state"]["id"] == 1 and done else None


def check_served_hls(playlist: dict) -> None:
    """Master and rung playlists over HTTP; every segment fetched by Range hashes as the JSON says."""
    master = requests.get(playlist["playlistUrl"])
    assert master.status_code == 200 and master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    hashes = requests.get(playlist["segmentsSha256Url"]).json()
    base = playlist["playlistUrl"].rsplit("/", 1)[0]
    names = [line for line in master.text.splitlines() if line and not line.startswith("#")]
    assert len(names) == len(playlist["files"])
    for name in names:
        rung = requests.get(f"{base}/{name}").text
        media = re.search(r'#EXT-X-MAP:URI="([^"]+)"', rung).group(1)
        for byte_range, digest in hashes[media].items():
            first, last = byte_range.split("-")
            part = requests.get(f"{base}/{media}", headers={"Range": f"bytes={first}-{last}"})
            assert part.status_code == 206
            assert hashlib.sha256(part.content).hexdigest() == digest
    probed = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", playlist["playlistUrl"]],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    )
    heights = {s.get("height") for s in probed["streams"] if s["codec_type"] == "video"}
    assert heights == {f["height"] for f in playlist["files"]}


def descendants(pid: int) -> list[int]:
    """Every process below pid (Celery pool children, their ffmpeg processes), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def kill_worker_tree(instance) -> list[int]:
    """SIGKILL the worker and everything it started, as an OOM killer or a power cut would."""
    victims = descendants(instance.processes["worker"].pid)
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    instance.stop_process("worker", signal.SIGKILL)
    return victims


def served_names(playlist: dict) -> set[str]:
    names = {playlist["playlistUrl"].rsplit("/", 1)[1], playlist["segmentsSha256Url"].rsplit("/", 1)[1]}
    for file in playlist["files"]:
        names |= {file["fileUrl"].rsplit("/", 1)[1], file["playlistUrl"].rsplit("/", 1)[1]}
    return names
