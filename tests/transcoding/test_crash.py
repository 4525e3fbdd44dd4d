"""Tier 2: a worker killed with SIGKILL mid-encode leaves nothing half-published; a restarted worker
takes the job over, removes the killed run's leftovers and publishes a complete, clean ladder."""

from __future__ import annotations

import time

import pytest
import requests

from tests.live import (
    api_session,
    check_served_hls,
    fully_transcoded,
    instance_on_real_services,
    kill_worker_tree,
    served_names,
    upload_clip,
    wait_for,
)
from tests.media import make_clip

pytestmark = pytest.mark.integration

LADDER = "360,240,144"


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
    extra_env = {"SIDEWAYS_TRANSCODING_RESOLUTIONS": LADDER}
    yield from instance_on_real_services(real_services, tmp_path / "instance", extra_env=extra_env)


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
