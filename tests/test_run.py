"""`make run` (scripts/run) runs the web server, the Celery worker and Celery beat as one unit: when one of
them dies, or the run is stopped, none is left behind. Before, beat was embedded in the worker and
outlived a killed worker, so after a restart every periodic task ran twice."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.live import REPO, ROOT_PASSWORD, free_port


def process_group(pgid: int) -> dict[int, str]:
    """pid → command line of every live process in the group."""
    members = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members[int(stat.parent.name)] = cmdline
    return members


@pytest.fixture
def run(tmp_path):
    port = free_port()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "REDIS_URL", "CELERY_"))
    }
    env.update(
        SIDEWAYS_URL=f"http://127.0.0.1:{port}",
        SIDEWAYS_DATA_DIR=str(tmp_path / "data"),
        SIDEWAYS_ROOT_PASSWORD=ROOT_PASSWORD,
    )
    with (tmp_path / "run.log").open("wb") as log:
        process = subprocess.Popen(
            [str(REPO / "scripts" / "run")],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 180
    while True:
        assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "run.log").read_text()
        try:
            requests.get(env["SIDEWAYS_URL"] + "/api/v1/config", timeout=2)
            break
        except requests.ConnectionError:
            time.sleep(0.5)
    yield process
    if process_group(process.pid):
        os.killpg(process.pid, signal.SIGKILL)


def wait_until_gone(pgid: int, timeout: float = 60) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    while (left := process_group(pgid)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def the_one(processes: dict[int, str], role: str) -> int:
    """The main process of the worker or beat (the one that is a child of scripts/run)."""
    matching = [pid for pid, cmdline in processes.items() if f"celery -A sideways {role}" in cmdline]
    parents = {pid: int((Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split())[1]) for pid in matching}
    return min(pid for pid in matching if parents[pid] not in matching)


@pytest.mark.parametrize("stop", ["kill the worker", "terminate the run"])
def test_nothing_is_left_behind(run, stop):
    processes = process_group(run.pid)
    worker, beat = the_one(processes, "worker"), the_one(processes, "beat")
    assert beat != worker  # beat runs as its own process
    if stop == "kill the worker":
        os.kill(worker, signal.SIGKILL)
    else:
        run.terminate()
    run.wait(timeout=60)
    assert wait_until_gone(run.pid) == {}
