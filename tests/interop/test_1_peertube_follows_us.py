"""A real PeerTube follows our instance: it lists and plays our videos, hears of new, edited and deleted
ones within 2 s of our publication, and its users subscribe to our channels (counted here)."""

from __future__ import annotations

import time

import pytest
import requests

from tests.interop.peertube import PeerTube, publish_here, published_here, wait_until
from tests.live import LiveInstance, api_session, check_served_hls, upload_clip
from tests.media import make_clip

pytestmark = pytest.mark.interop

# How long after our publication a video, an edit or a deletion may take to show on the follower.
PROPAGATION_SECONDS = 2.0


@pytest.fixture(scope="module")
def followed(sideways: LiveInstance, peertube: PeerTube, tmp_path_factory) -> dict:
    """A video of ours published before PeerTube follows us; returns it once PeerTube got our Accept."""
    clips = tmp_path_factory.mktemp("clips-before-follow")
    before, _ = publish_here(
        sideways, api_session(sideways), make_clip(clips / "Published before the follow.mp4", duration=4)
    )
    admin = peertube.login()
    answer = admin.post(
        f"{peertube.url}/api/v1/server/following", json={"hosts": [sideways.url.split("://", 1)[1]]}, timeout=10
    )
    assert answer.status_code == 204, answer.text
    wait_until(
        lambda: any(
            f["state"] == "accepted"
            for f in admin.get(f"{peertube.url}/api/v1/server/following", timeout=10).json()["data"]
        ),
        30,
        "our Accept",
        peertube,
        sideways,
    )
    return before


def test_peertube_lists_and_plays_our_catalogue(sideways, peertube, followed):
    before = followed
    listed = wait_until(
        lambda: peertube.videos().get(before["uuid"]), 30, "our catalogue on PeerTube", peertube, sideways
    )
    assert listed["name"] == before["name"] and listed["isLocal"] is False
    assert listed["account"]["host"] == sideways.url.split("://", 1)[1]

    # It plays from our files: PeerTube's player reads our master playlist and checks every segment
    # against our segments-sha256.json.
    details = peertube.video(before["uuid"])
    playlist = details["streamingPlaylists"][0]
    assert playlist["playlistUrl"].startswith(f"{sideways.url}/static/streaming-playlists/hls/{before['uuid']}/")
    check_served_hls(playlist)


def test_new_edited_and_deleted_videos_reach_peertube_within_two_seconds(
    sideways, peertube, followed, tmp_path_factory
):
    ours = api_session(sideways)
    clips = tmp_path_factory.mktemp("clips-after-follow")
    video_id = upload_clip(sideways, ours, make_clip(clips / "Pushed to PeerTube.mp4", duration=3))
    answered_at = time.monotonic()
    video = ours.get(f"{sideways.url}/api/v1/videos/{video_id}", timeout=10).json()
    # Uploaded with waitTranscoding false (the API's default), it is shown with its web-video file at once.
    wait_until(lambda: peertube.videos().get(video["uuid"]), 10, "the pushed video", peertube, sideways)
    took = time.monotonic() - answered_at
    print(f"us -> PeerTube: new video listed {took:.2f} s after the upload's answer")
    assert took <= PROPAGATION_SECONDS

    # Once published here, an Update gives PeerTube the HLS ladder, which its player checks and plays.
    published_here_at = wait_until(
        lambda: published_here(sideways, ours, video_id) and time.monotonic(), 120, "our publication", sideways
    )
    copy = wait_until(
        lambda: (peertube.video(video["uuid"]) or {}).get("streamingPlaylists"), 10, "the ladder", peertube, sideways
    )
    print(f"us -> PeerTube: HLS ladder shown {time.monotonic() - published_here_at:.2f} s after our publication")
    check_served_hls(copy[0])

    answer = ours.put(f"{sideways.url}/api/v1/videos/{video['id']}", json={"name": "Renamed here"}, timeout=10)
    assert answer.status_code == 204
    edited_at = time.monotonic()
    wait_until(
        lambda: (peertube.video(video["uuid"]) or {}).get("name") == "Renamed here", 10, "the edit", peertube, sideways
    )
    took = time.monotonic() - edited_at
    print(f"us -> PeerTube: edit shown {took:.2f} s after it")
    assert took <= PROPAGATION_SECONDS

    # PeerTube shows an edit before it has read the video's like and dislike collections again; a video
    # deleted in between makes it log that the Update failed (its collections answer 404). Let it finish.
    time.sleep(1)
    assert ours.delete(f"{sideways.url}/api/v1/videos/{video['id']}", timeout=10).status_code == 204
    deleted_at = time.monotonic()
    wait_until(lambda: video["uuid"] not in peertube.videos(), 10, "the deletion", peertube, sideways)
    took = time.monotonic() - deleted_at
    print(f"us -> PeerTube: deletion applied {took:.2f} s after it")
    assert took <= PROPAGATION_SECONDS
    assert peertube.video(video["uuid"]) is None


def test_peertube_users_subscribe_to_our_channel_and_are_counted(sideways, peertube, followed):
    viewer = peertube.create_user("subscriber", "subscriber-password")
    host = sideways.url.split("://", 1)[1]
    answer = viewer.post(
        f"{peertube.url}/api/v1/users/me/subscriptions", json={"uri": f"root_channel@{host}"}, timeout=10
    )
    assert answer.status_code == 204, answer.text

    def counted() -> bool:
        channel = requests.get(f"{sideways.url}/api/v1/video-channels/root_channel", timeout=10).json()
        return channel["followersCount"] == 1

    wait_until(counted, 10, "the subscription counted on our channel", peertube, sideways)
    # Our Accept makes it a subscription on PeerTube (listed once accepted).
    subscriptions = wait_until(
        lambda: viewer.get(f"{peertube.url}/api/v1/users/me/subscriptions", timeout=10).json()["data"],
        10,
        "the subscription accepted on PeerTube",
        peertube,
        sideways,
    )
    assert [s["name"] for s in subscriptions] == ["root_channel"]
