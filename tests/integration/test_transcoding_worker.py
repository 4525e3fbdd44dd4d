"""Tier 2: an upload through the API is transcoded by a real Celery worker on Redis and PostgreSQL,
and the HLS files are served over HTTP with byte ranges matching the published SHA-256 JSON."""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.live import ROOT_PASSWORD, LiveInstance, start_instance
from tests.media import make_clip

pytestmark = pytest.mark.integration


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


def wait_for(predicate, timeout: float, what: str, instance: LiveInstance):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}\n--- worker log ---\n{instance.log('worker')[-4000:]}")


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
    probed = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", playlist["playlistUrl"]],
        capture_output=True, check=True, timeout=60,
    ).stdout)
    heights = {s.get("height") for s in probed["streams"] if s["codec_type"] == "video"}
    assert heights == {f["height"] for f in playlist["files"]}


@pytest.fixture
def worker_instance(real_services, tmp_path):
    database_url, redis_url = real_services
    instance = start_instance(
        tmp_path / "instance", postgres_server_url=database_url, redis_url=redis_url,
        extra_env={"SIDEWAYS_TRANSCODING_RESOLUTIONS": "240,144"},
    )
    yield instance
    instance.stop()


def test_upload_is_transcoded_by_the_worker_and_served(worker_instance, tmp_path):
    clip = make_clip(tmp_path / "episode.mp4", duration=4)
    session = api_session(worker_instance)
    video_id = upload_clip(worker_instance, session, clip)

    details = wait_for(lambda: fully_transcoded(session, worker_instance, video_id, 2), 120, "the HLS ladder", worker_instance)
    [playlist] = details["streamingPlaylists"]
    assert [f["resolution"]["id"] for f in playlist["files"]] == [240, 144]
    assert details["previewPath"] and requests.get(worker_instance.url + details["previewPath"]).status_code == 200
    check_served_hls(playlist)
    assert "transcoding.transcode_video" in worker_instance.log("worker")

    download = session.get(
        f"{worker_instance.url}/download/videos/generate/{details['uuid']}?videoFileIds={playlist['files'][0]['id']}"
    )
    assert download.status_code == 200 and b"moov" in download.content[:4096]
