"""Tier 2: an instance spread over machines that share no disk, only PostgreSQL, Redis and an S3 endpoint
(moto's standalone server). The web node and two transcoding workers each have a data folder of their
own: uploads reach the buckets, the workers fetch the originals from there and upload their rungs, the web
node serves the videos without ever seeing a worker's disk, and a move of everything to the web node's
disk and back keeps the video playable at every moment."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
import requests

from tests import s3
from tests.live import (
    ROOT_PASSWORD,
    LiveInstance,
    api_session,
    check_served_hls,
    fully_transcoded,
    kill_worker_tree,
    poll,
    served_names,
    start_instance,
    start_transcoding_worker,
    start_web_node,
    upload_clip,
    wait_for,
)
from tests.media import make_clip

pytestmark = pytest.mark.integration


@pytest.fixture
def spread_instance(real_services, tmp_path):
    """The web node (with the worker of its own machine for the storage and default queues) and two
    transcoding workers, each in its own folder, on one bucket."""
    database_url, redis_url = real_services
    with s3.s3_server() as endpoint:
        bucket = s3.new_bucket(endpoint)
        env = {
            **s3.object_storage_env(endpoint, bucket),
            "SIDEWAYS_TRANSCODING_RESOLUTIONS": "240,144",
            "SIDEWAYS_STORAGE_MOVE_GRACE": "1",
        }
        web = start_instance(
            tmp_path / "web", postgres_server_url=database_url, redis_url=redis_url, worker=False, extra_env=env
        )
        web.start_worker(concurrency=1, queues="default,storage,federation_in,federation_out")
        workers = [start_transcoding_worker(web, tmp_path / f"transcoder-{number}") for number in (1, 2)]
        try:
            for worker in workers:
                wait_for(lambda worker=worker: "ready." in worker.log("worker"), 60, "a transcoding worker", worker)
            yield web, workers, endpoint, bucket
        finally:
            for worker in workers:
                worker.stop_process("worker")
            web.stop()


def ran_a_transcode(worker: LiveInstance, event: str) -> bool:
    """Whether the worker's log shows a transcoding task `event` ("received", "succeeded")."""
    return re.search(rf"transcoding\.transcode_video\[[0-9a-f-]+\] {event}", worker.log("worker")) is not None


def bucket_keys(endpoint: str, bucket: str) -> list[str]:
    answer = s3.client(endpoint).list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in answer.get("Contents", [])]


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


class PlaybackWatcher:
    """Plays the video over and over from another thread (API → master playlist → a ranged read of each
    rendition) and records every failure, to show that a move never interrupts it."""

    def __init__(self, web: LiveInstance, session: requests.Session, video_id: int):
        self.web, self.session, self.video_id = web, session, video_id
        self.rounds, self.failures = 0, []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.play_once()
                self.rounds += 1
            except Exception as error:  # noqa: BLE001 - every kind of failure is what we record
                self.failures.append(repr(error))

    def play_once(self) -> None:
        playlist = self.session.get(f"{self.web.url}/api/v1/videos/{self.video_id}").json()["streamingPlaylists"][0]
        master = requests.get(playlist["playlistUrl"], timeout=10)
        assert master.status_code == 200 and master.text.startswith("#EXTM3U"), master.status_code
        for file in playlist["files"]:
            part = requests.get(file["fileUrl"], headers={"Range": "bytes=0-1023"}, timeout=10)
            assert part.status_code == 206 and len(part.content) == 1024, (file["fileUrl"], part.status_code)

    def __enter__(self) -> PlaybackWatcher:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=30)


def logged_in_browser(web: LiveInstance) -> requests.Session:
    """A browser's session, logged in as root through the web site's login form on `web`."""
    browser = requests.Session()
    login_url = web.url + "/login"
    page = browser.get(login_url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = browser.post(
        login_url,
        data={"csrfmiddlewaretoken": token, "username": "root", "password": ROOT_PASSWORD},
        headers={"Referer": login_url},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    return browser


def moved(web: LiveInstance, session: requests.Session, video_id: int, to: str, served_from: str) -> dict:
    """Run the move command on the web node and wait for the move to end; returns the video's details."""
    web.manage("move_video_storage", "--to", to)

    def finished() -> dict | None:
        details = session.get(f"{web.url}/api/v1/videos/{video_id}").json()
        done = details["state"]["id"] == 1 and details["streamingPlaylists"][0]["playlistUrl"].startswith(served_from)
        return details if done else None

    return wait_for(finished, 120, f"the move to {to}", web)


def test_workers_without_a_shared_disk_transcode_and_the_web_node_serves(spread_instance, tmp_path):
    web, workers, endpoint, bucket = spread_instance
    session = api_session(web)
    clips = [make_clip(tmp_path / f"episode-{number}.mp4", duration=4) for number in (1, 2)]
    video_ids = [upload_clip(web, session, clip) for clip in clips]

    bucket_url = f"{endpoint}/{bucket}/"
    for video_id in video_ids:
        details = wait_for(lambda video_id=video_id: fully_transcoded(session, web, video_id, 2), 180, "HLS", web)
        [playlist] = details["streamingPlaylists"]
        assert playlist["playlistUrl"].startswith(bucket_url + "streaming-playlists/")
        assert all(file["fileUrl"].startswith(bucket_url) for file in playlist["files"])
        check_served_hls(playlist)
        preview = requests.get(web.url + details["previewPath"])  # our route leads to the bucket
        assert preview.status_code == 200 and preview.content.startswith(b"\xff\xd8")
        assert details["files"][0]["fileUrl"].startswith(bucket_url + "web-videos/")

    # A second web node, as on another machine: nothing of the first one's disk, the same secret key. It
    # answers the same, serves the images, and knows a user logged in on the first.
    second = start_web_node(web, tmp_path / "web-2")
    try:
        for video_id in video_ids:
            details = session.get(f"{web.url}/api/v1/videos/{video_id}").json()
            elsewhere = session.get(f"{second.url}/api/v1/videos/{video_id}").json()
            for key in ("uuid", "streamingPlaylists", "files", "previewPath", "thumbnailPath"):
                assert elsewhere[key] == details[key], key
            for path in (details["previewPath"], details["thumbnailPath"]):
                image = requests.get(second.url + path)
                assert image.status_code == 200 and image.content.startswith(b"\xff\xd8"), path
        browser = logged_in_browser(web)
        assert browser.get(f"{second.url}/videos/upload", allow_redirects=False).status_code == 200
        assert requests.get(f"{second.url}/videos/upload", allow_redirects=False).status_code == 302
    finally:
        second.stop_process("web")
    assert files_under(second.data_dir / "media") == [] and files_under(second.data_dir / "originals") == []

    # Each worker transcoded, and kept nothing: no shared disk was needed.
    for worker in workers:
        assert ran_a_transcode(worker, "succeeded")
        assert files_under(worker.data_dir / "tmp" / "transcoding") == []
        assert files_under(worker.data_dir / "media") == [] and files_under(worker.data_dir / "originals") == []
    # Neither did the web node: everything it serves is in the bucket.
    assert files_under(web.data_dir / "media") == [] and files_under(web.data_dir / "originals") == []
    keys = bucket_keys(endpoint, bucket)
    assert sum(key.startswith("originals/") for key in keys) == 2

    # Everything to the web node's disk and back, while a viewer keeps playing the first video.
    video_id = video_ids[0]
    with PlaybackWatcher(web, session, video_id) as watcher:
        details = moved(web, session, video_id, "file-system", served_from=f"{web.url}/static/")
        wait_for(lambda: watcher.rounds > 3, 30, "playback from the disk", web)
        check_served_hls(details["streamingPlaylists"][0])
        assert files_under(web.data_dir / "originals")
        wait_for(lambda: not bucket_keys(endpoint, bucket), 30, "the bucket's old copies deleted", web)

        details = moved(web, session, video_id, "object-storage", served_from=bucket_url)
        rounds = watcher.rounds
        wait_for(lambda: watcher.rounds > rounds + 3, 30, "playback from the bucket", web)
    assert watcher.failures == [] and watcher.rounds > 6
    check_served_hls(details["streamingPlaylists"][0])
    assert poll(lambda: files_under(web.data_dir / "media") == [], 30)
    assert files_under(web.data_dir / "originals") == []


def test_a_worker_killed_mid_job_leaves_nothing_a_viewer_can_reach(spread_instance, tmp_path):
    web, workers, endpoint, bucket = spread_instance
    session = api_session(web)
    clip = make_clip(tmp_path / "long.mp4", width=1280, height=720, duration=90)
    video_id = upload_clip(web, session, clip)
    details_url = f"{web.url}/api/v1/videos/{video_id}"

    def after_the_first_rung() -> dict | None:
        details = session.get(details_url).json()
        return details if details["streamingPlaylists"] and details["transcodingProgress"] is not None else None

    details = wait_for(after_the_first_rung, 180, "the first rung", web)
    [busy] = [worker for worker in workers if ran_a_transcode(worker, "received")]
    assert kill_worker_tree(busy), "the worker had no pool processes"

    # The lowest rung plays from the bucket; whatever else the killed run uploaded is complete but named by no
    # row, under a random name nobody was given.
    details = session.get(details_url).json()
    [playlist] = details["streamingPlaylists"]
    assert [file["resolution"]["id"] for file in playlist["files"]] == [144]
    check_served_hls(playlist)
    prefix = f"streaming-playlists/{details['uuid']}/"
    uploaded = {key.removeprefix(prefix) for key in bucket_keys(endpoint, bucket) if key.startswith(prefix)}
    assert served_names(playlist) <= uploaded

    # Its successor takes the job over (on its own disk), publishes the whole ladder and removes the leftovers.
    busy.start_worker(concurrency=1, queues="transcoding")
    details = wait_for(lambda: fully_transcoded(session, web, video_id, 2), 240, "the ladder after the kill", web)
    [playlist] = details["streamingPlaylists"]
    check_served_hls(playlist)
    uploaded = {key.removeprefix(prefix) for key in bucket_keys(endpoint, bucket) if key.startswith(prefix)}
    assert uploaded == served_names(playlist)
    assert files_under(web.data_dir / "media") == []
