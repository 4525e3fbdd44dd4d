"""A comment written on a second PeerTube about a video of the first, which we follow: the first PeerTube
forwards it to us under its own HTTP signature, and we take it on the strength of its author's JSON-LD
signature (RsaSignature2017), made by the second PeerTube."""

from __future__ import annotations

import pytest
import requests

from tests.interop.peertube import (
    PeerTube,
    instance_numbers,
    listed_here,
    start_peertube,
    upload_to_peertube,
    wait_until,
)
from tests.live import LiveInstance, api_session
from tests.media import make_clip

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def second_peertube(peertube: PeerTube, tmp_path_factory) -> PeerTube:
    number = instance_numbers()[1]
    server = start_peertube(number, tmp_path_factory.mktemp(f"peertube-{number}"))
    yield server
    server.stop()


def _follow(session: requests.Session, base: str, target: str, target_host: str, *servers) -> None:
    following = session.get(f"{base}/api/v1/server/following", timeout=10).json()["data"]
    if not any(f["following"]["host"] == target_host for f in following):
        assert session.post(f"{base}/api/v1/server/following", json={"hosts": [target]}, timeout=30).status_code == 204
    wait_until(
        lambda: any(
            f["following"]["host"] == target_host and f["state"] == "accepted"
            for f in session.get(f"{base}/api/v1/server/following", timeout=10).json()["data"]
        ),
        30,
        f"{base} following {target}",
        *servers,
    )


def test_a_comment_forwarded_by_peertube_is_verified_and_kept(
    sideways: LiveInstance, peertube, second_peertube, tmp_path_factory
):
    _follow(api_session(sideways), sideways.url, peertube.url, peertube.host, peertube, sideways)
    clips = tmp_path_factory.mktemp("forwarded")
    video, _ = upload_to_peertube(peertube, peertube.login(), make_clip(clips / "Discussed elsewhere.mp4"))
    uuid = video["uuid"]
    wait_until(lambda: listed_here(sideways, uuid), 15, "the video here", peertube, sideways)

    # The second PeerTube's user finds the video by its URL rather than through an instance follow: PeerTube
    # delivers from a worker thread whose HTTP agent keeps idle sockets and tries once, and the first
    # PeerTube's server closes idle sockets after 5 s, so a comment sent over the socket a follow left open
    # is lost between the two PeerTubes ("socket hang up"). Without a follow, it goes over a fresh socket.
    writer = second_peertube.create_user("elsewhere", "elsewhere-password-1")
    found = writer.get(
        f"{second_peertube.url}/api/v1/search/videos", params={"search": f"{peertube.url}/videos/watch/{uuid}"}
    )
    assert found.status_code == 200 and found.json()["total"] == 1, found.text
    answer = writer.post(
        f"{second_peertube.url}/api/v1/videos/{uuid}/comment-threads",
        json={"text": "Said on the second PeerTube"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text

    def comment_here() -> dict | None:
        threads = requests.get(f"{sideways.url}/api/v1/videos/{uuid}/comment-threads", timeout=10).json()["data"]
        return next((t for t in threads if t["text"] == "Said on the second PeerTube"), None)

    comment = wait_until(comment_here, 20, "the forwarded comment here", peertube, second_peertube, sideways)
    assert comment["account"]["name"] == "elsewhere" and comment["account"]["host"] == second_peertube.host
