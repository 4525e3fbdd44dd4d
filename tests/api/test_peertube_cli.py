"""Acceptance: the official @peertube/peertube-cli (from npm) logs in, uploads and finds its video on us.

Runs against a live instance as production runs it: gunicorn + a Celery worker on PostgreSQL + Redis.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.live import ROOT_PASSWORD, instance_on_real_services
from tests.media import make_clip

pytestmark = pytest.mark.integration

CLI_PACKAGE = "@peertube/peertube-cli"


def peertube_cli() -> Path:
    """The CLI installed once per machine in a cache folder outside the repository."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sideways-tube" / "peertube-cli"
    binary = cache / "node_modules" / ".bin" / "peertube-cli"
    if not binary.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(cache), CLI_PACKAGE],
            check=True,
            timeout=300,
            capture_output=True,
        )
    return binary


@pytest.fixture
def instance(real_services, tmp_path):
    yield from instance_on_real_services(real_services, tmp_path / "instance")


def run_cli(binary: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "XDG_CONFIG_HOME": str(home / ".config")}
    return subprocess.run([str(binary), *args], env=env, capture_output=True, text=True, timeout=180)


def test_peertube_cli_logs_in_uploads_and_the_video_is_listed_and_searchable(instance, tmp_path):
    binary = peertube_cli()
    home = tmp_path / "home"
    home.mkdir()
    clip = make_clip(tmp_path / "cli-clip.mp4", duration=2)

    added = run_cli(binary, home, "auth", "add", "-u", instance.url, "-U", "root", "-p", ROOT_PASSWORD, "--default")
    assert added.returncode == 0, added.stdout + added.stderr

    uploaded = run_cli(
        binary,
        home,
        "upload",
        "-f",
        str(clip),
        "-n",
        "Uploaded by the CLI",
        "-t",
        "a,b",
        "-d",
        "zebracorn description",
        "--no-wait-transcoding",
    )
    assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr
    assert "uploaded" in (uploaded.stdout + uploaded.stderr).lower()

    api = instance.url + "/api/v1"
    deadline = time.monotonic() + 60
    listed = []
    while time.monotonic() < deadline and not listed:
        listed = [
            v
            for v in requests.get(f"{api}/videos", params={"count": 25}).json()["data"]
            if v["name"] == "Uploaded by the CLI"
        ]
        time.sleep(0.5)
    assert listed, "the uploaded video never appeared in GET /api/v1/videos"
    details = requests.get(f"{api}/videos/{listed[0]['uuid']}").json()
    assert details["tags"] == ["a", "b"]
    torrent = requests.get(details["files"][0]["torrentUrl"])
    assert torrent.status_code == 200 and torrent.content.startswith(b"d") and b"6:pieces" in torrent.content
    # The upload is published at once as a copy of the original without its metadata (same streams, a
    # container and a name we chose), as an MP4 here.
    served = requests.get(details["files"][0]["fileUrl"]).content
    assert served[4:8] == b"ftyp" and abs(len(served) - clip.stat().st_size) < clip.stat().st_size * 0.05

    found = requests.get(f"{api}/search/videos", params={"search": "zebracorn"}).json()
    assert [video["uuid"] for video in found["data"]] == [listed[0]["uuid"]]
