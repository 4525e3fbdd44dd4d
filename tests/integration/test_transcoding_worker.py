"""Tier 2: an upload through the API is transcoded by a real Celery worker on Redis and PostgreSQL,
and the HLS files are served over HTTP with byte ranges matching the published SHA-256 JSON."""

from __future__ import annotations

import pytest
import requests

from tests.live import api_session, check_served_hls, fully_transcoded, instance_on_real_services, upload_clip, wait_for
from tests.media import make_clip

pytestmark = pytest.mark.integration


@pytest.fixture
def worker_instance(real_services, tmp_path):
    extra_env = {"SIDEWAYS_TRANSCODING_RESOLUTIONS": "240,144"}
    yield from instance_on_real_services(real_services, tmp_path / "instance", extra_env=extra_env)


def test_upload_is_transcoded_by_the_worker_and_served(worker_instance, tmp_path):
    clip = make_clip(tmp_path / "episode.mp4", duration=4)
    session = api_session(worker_instance)
    video_id = upload_clip(worker_instance, session, clip)

    details = wait_for(
        lambda: fully_transcoded(session, worker_instance, video_id, 2), 120, "the HLS ladder", worker_instance
    )
    [playlist] = details["streamingPlaylists"]
    assert [f["resolution"]["id"] for f in playlist["files"]] == [240, 144]
    assert details["previewPath"] and requests.get(worker_instance.url + details["previewPath"]).status_code == 200
    check_served_hls(playlist)
    assert "transcoding.transcode_video" in worker_instance.log("worker")

    download = session.get(
        f"{worker_instance.url}/download/videos/generate/{details['uuid']}?videoFileIds={playlist['files'][0]['id']}"
    )
    assert download.status_code == 200 and b"moov" in download.content[:4096]
