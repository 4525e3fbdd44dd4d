"""What PeerTube users do to our videos is kept here: likes, dislikes, views and threaded comments; and our
viewers' comments reach PeerTube, signed, and show there."""

from __future__ import annotations

import pytest
import requests

from tests.interop.peertube import PeerTube, publish_here, wait_until
from tests.live import LiveInstance, api_session
from tests.media import make_clip

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def our_video_on_peertube(sideways: LiveInstance, peertube: PeerTube, tmp_path_factory) -> dict:
    """One of our videos, listed on a PeerTube that follows us (the follow is made if no earlier test did)."""
    admin = peertube.login()
    host = sideways.url.split("://", 1)[1]
    following = admin.get(f"{peertube.url}/api/v1/server/following", timeout=10).json()["data"]
    if not any(f["following"]["host"] == host for f in following):
        assert (
            admin.post(f"{peertube.url}/api/v1/server/following", json={"hosts": [host]}, timeout=10).status_code == 204
        )
    clips = tmp_path_factory.mktemp("clips-interactions")
    video, _ = publish_here(sideways, api_session(sideways), make_clip(clips / "Talk about it.mp4", duration=4))
    wait_until(lambda: peertube.video(video["uuid"]), 30, "our video on PeerTube", peertube, sideways)
    return video


def _ours(sideways: LiveInstance, uuid: str) -> dict:
    return requests.get(f"{sideways.url}/api/v1/videos/{uuid}", timeout=10).json()


def test_likes_dislikes_and_views_from_peertube_are_counted(sideways, peertube, our_video_on_peertube):
    uuid = our_video_on_peertube["uuid"]
    fans = [peertube.create_user(f"fan{i}", "fan-password-1") for i in range(2)]
    critic = peertube.create_user("critic", "critic-password-1")
    for fan in fans:
        assert (
            fan.put(f"{peertube.url}/api/v1/videos/{uuid}/rate", json={"rating": "like"}, timeout=10).status_code == 204
        )
    assert (
        critic.put(f"{peertube.url}/api/v1/videos/{uuid}/rate", json={"rating": "dislike"}, timeout=10).status_code
        == 204
    )
    wait_until(
        lambda: (_ours(sideways, uuid)["likes"], _ours(sideways, uuid)["dislikes"]) == (2, 1),
        15,
        "PeerTube's likes and dislikes counted here",
        peertube,
        sideways,
    )
    assert (
        fans[0].put(f"{peertube.url}/api/v1/videos/{uuid}/rate", json={"rating": "none"}, timeout=10).status_code == 204
    )
    wait_until(lambda: _ours(sideways, uuid)["likes"] == 1, 15, "an Undo of a like", peertube, sideways)
    page = requests.get(
        f"{sideways.url}/w/{_ours(sideways, uuid)['shortUUID']}", headers={"Accept-Language": "en"}, timeout=10
    ).text
    assert "1 like" in page and "1 dislike" in page  # an anonymous viewer's page

    # A like here sends an Update of the video: PeerTube reads our counts again.
    ours = api_session(sideways)
    assert ours.put(f"{sideways.url}/api/v1/videos/{uuid}/rate", json={"rating": "like"}, timeout=10).status_code == 204
    wait_until(
        lambda: (peertube.video(uuid) or {}).get("likes") == 2, 15, "our like counted on PeerTube", peertube, sideways
    )

    # A viewer on PeerTube watches 3 s of the 4 s video: PeerTube counts a view and tells us.
    viewer = requests.Session()
    for seconds in (0, 3):
        answer = viewer.post(f"{peertube.url}/api/v1/videos/{uuid}/views", json={"currentTime": seconds}, timeout=10)
        assert answer.status_code == 204, answer.text
    wait_until(lambda: _ours(sideways, uuid)["views"] >= 1, 20, "PeerTube's view counted here", peertube, sideways)


def test_comments_travel_both_ways_threaded(sideways, peertube, our_video_on_peertube):
    uuid = our_video_on_peertube["uuid"]
    commenter = peertube.create_user("commenter", "commenter-password-1")
    answer = commenter.post(
        f"{peertube.url}/api/v1/videos/{uuid}/comment-threads", json={"text": "Written on PeerTube"}, timeout=10
    )
    assert answer.status_code == 200, answer.text

    def thread_here(text: str) -> dict | None:
        threads = requests.get(f"{sideways.url}/api/v1/videos/{uuid}/comment-threads", timeout=10).json()["data"]
        return next((t for t in threads if t["text"] == text), None)

    thread = wait_until(lambda: thread_here("Written on PeerTube"), 15, "PeerTube's comment here", peertube, sideways)
    assert thread["account"]["host"] == peertube.host

    # Our viewer answers it here: the reply reaches PeerTube, in the same thread.
    ours = api_session(sideways)
    answer = ours.post(
        f"{sideways.url}/api/v1/videos/{uuid}/comments/{thread['id']}", json={"text": "Answered here"}, timeout=10
    )
    assert answer.status_code == 200, answer.text

    def replies_on_peertube() -> list[str]:
        threads = requests.get(f"{peertube.url}/api/v1/videos/{uuid}/comment-threads", timeout=10).json()["data"]
        root = next((t for t in threads if t["text"] == "Written on PeerTube"), None)
        if root is None:
            return []
        tree = requests.get(f"{peertube.url}/api/v1/videos/{uuid}/comment-threads/{root['id']}", timeout=10).json()
        return [child["comment"]["text"] for child in tree["children"]]

    wait_until(lambda: replies_on_peertube() == ["Answered here"], 15, "our reply on PeerTube", peertube, sideways)

    # A new thread of ours shows on PeerTube; deleting it here (the video's owner may) removes it there.
    answer = ours.post(
        f"{sideways.url}/api/v1/videos/{uuid}/comment-threads", json={"text": "Our own thread"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    own = answer.json()["comment"]

    def peertube_threads() -> list[str]:
        threads = requests.get(f"{peertube.url}/api/v1/videos/{uuid}/comment-threads", timeout=10).json()["data"]
        return [t["text"] for t in threads if not t["isDeleted"]]

    wait_until(lambda: "Our own thread" in peertube_threads(), 15, "our thread on PeerTube", peertube, sideways)
    assert ours.delete(f"{sideways.url}/api/v1/videos/{uuid}/comments/{own['id']}", timeout=10).status_code == 204
    wait_until(lambda: "Our own thread" not in peertube_threads(), 15, "our deletion on PeerTube", peertube, sideways)

    # The owner deletes PeerTube's comment here too; it is gone from our page.
    assert ours.delete(f"{sideways.url}/api/v1/videos/{uuid}/comments/{thread['id']}", timeout=10).status_code == 204
    assert thread_here("Written on PeerTube") is None
