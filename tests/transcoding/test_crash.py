"""Tier 2: a worker killed with SIGKILL mid-encode leaves nothing half-published; a restarted worker
takes the job over, removes the killed run's leftovers and publishes a complete, clean ladder."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.live import api_session, check_served_hls, fully_transcoded, start_instance, upload_clip, wait_for
from tests.media import make_clip

pytestmark = pytest.mark.integration

LADDER = "360,240,144"


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


def job_row(instance, video_id: int) -> str:
    return (
        instance.manage(
            "shell",
            "-c",
            "from transcoding.models import TranscodingJob as J; "
            f"print(*J.objects.filter(video_id={video_id}).values_list('status', 'attempts').get())",
        )
        .stdout.strip()
        .splitlines()[-1]
    )


@pytest.fixture
def crash_instance(real_services, tmp_path):
    database_url, redis_url = real_services
    instance = start_instance(
        tmp_path / "instance",
        postgres_server_url=database_url,
        redis_url=redis_url,
        extra_env={"SIDEWAYS_TRANSCODING_RESOLUTIONS": LADDER},
    )
    yield instance
    instance.stop()


@pytest.mark.parametrize("moment", ["before the first rung", "after the first rung"])
def test_worker_killed_mid_encode_recovers_cleanly(crash_instance, tmp_path, moment):
    instance = crash_instance
    # Long enough that each phase of the encode lasts seconds (the first about 3 s on two cores).
    clip = make_clip(tmp_path / "long.mp4", width=1280, height=720, duration=120)
    session = api_session(instance)
    video_id = upload_clip(instance, session, clip)
    details_url = f"{instance.url}/api/v1/videos/{video_id}"

    def mid_encode() -> dict | None:
        details = session.get(details_url).json()
        started = (details["transcodingProgress"] or 0) >= 1
        return (
            details if started and bool(details["streamingPlaylists"]) == (moment == "after the first rung") else None
        )

    wait_for(mid_encode, 120, f"the encode {moment}", instance)
    assert kill_worker_tree(instance), "the worker had no pool processes"
    time.sleep(1)

    # Killed mid-encode: nothing is published, or only the complete lowest rung (published first).
    details = session.get(details_url).json()
    if moment == "after the first rung":
        assert details["state"]["id"] == 1
        [playlist] = details["streamingPlaylists"]
        assert [f["resolution"]["id"] for f in playlist["files"]] == [144]
        check_served_hls(playlist)
    else:
        assert details["state"]["id"] == 2 and details["streamingPlaylists"] == []
    assert details["transcodingProgress"] < 100
    assert job_row(instance, video_id) == "running 1"

    instance.start_worker()
    details = wait_for(
        lambda: fully_transcoded(session, instance, video_id, 3), 240, "the ladder after restart", instance
    )
    [playlist] = details["streamingPlaylists"]
    assert [f["resolution"]["id"] for f in playlist["files"]] == [360, 240, 144]
    check_served_hls(playlist)
    folder = instance.data_dir / "media" / "streaming-playlists" / "hls" / details["uuid"]
    assert {p.name for p in folder.iterdir()} == served_names(playlist)
    assert not (instance.data_dir / "tmp" / "transcoding" / details["uuid"]).exists()
    assert job_row(instance, video_id) == "done 2"
    assert "abandoned" in instance.log("worker")
    assert requests.get(playlist["playlistUrl"]).status_code == 200
