"""We follow a real PeerTube: its videos, those it had and new ones, are listed here within 2 s of its
publication, its edits and deletions follow, and they play through our media proxy."""

from __future__ import annotations

import time

import pytest
import requests

from tests.interop.peertube import PeerTube, follow_peertube_from, listed_here, upload_to_peertube, wait_until
from tests.live import LiveInstance, check_served_hls
from tests.media import make_clip

pytestmark = pytest.mark.interop

PROPAGATION_SECONDS = 2.0


@pytest.fixture(scope="module")
def following_peertube(sideways: LiveInstance, peertube: PeerTube, tmp_path_factory) -> dict:
    """A PeerTube video published before we follow PeerTube; returned once PeerTube accepted our follow."""
    clips = tmp_path_factory.mktemp("peertube-clips")
    before, _ = upload_to_peertube(peertube, peertube.login(), make_clip(clips / "On PeerTube before the follow.mp4"))
    follow_peertube_from(sideways, peertube)
    return before


def test_peertube_catalogue_is_listed_and_plays_through_our_proxy(sideways, peertube, following_peertube):
    before = following_peertube
    video = wait_until(
        lambda: listed_here(sideways, before["uuid"]), 30, "PeerTube's catalogue here", peertube, sideways
    )
    assert video["name"] == before["name"] and video["channel"]["host"] == peertube.host
    details = requests.get(f"{sideways.url}/api/v1/videos/{before['uuid']}", timeout=10).json()
    playlist = details["streamingPlaylists"][0]
    assert playlist["playlistUrl"].startswith(f"{sideways.url}/remote/streaming-playlists/hls/{before['uuid']}/")
    check_served_hls(playlist)
    assert requests.get(sideways.url + details["thumbnailPath"], timeout=10).headers["Content-Type"] == "image/jpeg"


def test_new_edited_and_deleted_peertube_videos_reach_us_within_two_seconds(
    sideways, peertube, following_peertube, tmp_path_factory
):
    admin = peertube.login()
    clips = tmp_path_factory.mktemp("peertube-clips-after")
    video, published_at = upload_to_peertube(peertube, admin, make_clip(clips / "On PeerTube after the follow.mp4"))
    wait_until(lambda: listed_here(sideways, video["uuid"]), 10, "the new PeerTube video here", peertube, sideways)
    took = time.monotonic() - published_at
    print(f"PeerTube -> us: new video listed {took:.2f} s after PeerTube published it")
    assert took <= PROPAGATION_SECONDS

    answer = admin.put(
        f"{peertube.url}/api/v1/videos/{video['uuid']}", json={"name": "Renamed on PeerTube"}, timeout=10
    )
    assert answer.status_code == 204, answer.text
    edited_at = time.monotonic()
    wait_until(
        lambda: (listed_here(sideways, video["uuid"]) or {}).get("name") == "Renamed on PeerTube",
        10,
        "PeerTube's edit here",
        peertube,
        sideways,
    )
    took = time.monotonic() - edited_at
    print(f"PeerTube -> us: edit shown {took:.2f} s after it")
    assert took <= PROPAGATION_SECONDS

    assert admin.delete(f"{peertube.url}/api/v1/videos/{video['uuid']}", timeout=10).status_code == 204
    deleted_at = time.monotonic()
    wait_until(lambda: listed_here(sideways, video["uuid"]) is None, 10, "PeerTube's deletion here", peertube, sideways)
    took = time.monotonic() - deleted_at
    print(f"PeerTube -> us: deletion applied {took:.2f} s after it")
    assert took <= PROPAGATION_SECONDS
    assert requests.get(f"{sideways.url}/api/v1/videos/{video['uuid']}", timeout=10).status_code == 404
