"""Tier 2: two live instances federate over real HTTP, each with its own PostgreSQL database, Redis
broker and Celery worker.

B follows A through PeerTube's server-follows API; A accepts; B imports A's catalogue from A's outbox,
then hears of A's new, edited and deleted videos through its inbox. Forged or unsigned activities posted
to B change nothing.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import requests

from federation.protocol.signatures import generate_keypair, sign_headers
from tests.live import LiveInstance, api_session, start_instance, upload_clip, wait_for
from tests.media import make_clip

pytestmark = pytest.mark.integration


def _redis_database(url: str, number: int) -> str:
    """The same Redis server, an emptied database of its own: each instance's worker must see only its
    own queues (and nothing another test left queued)."""
    database = urlunsplit(urlsplit(url)._replace(path=f"/{number}"))
    redis.Redis.from_url(database).flushdb()
    return database


@pytest.fixture
def two_instances(real_services, tmp_path):
    database_url, redis_url = real_services
    instances = []
    try:
        for index, name in enumerate(("origin", "follower"), start=14):
            instances.append(
                start_instance(
                    tmp_path / name,
                    postgres_server_url=database_url,
                    redis_url=_redis_database(redis_url, index),
                    extra_env={"SIDEWAYS_TRANSCODING_RESOLUTIONS": "240"},
                )
            )
        yield instances
    finally:
        for instance in instances:
            instance.stop()


def _published(session: requests.Session, instance: LiveInstance, video_id: int) -> dict | None:
    details = session.get(f"{instance.url}/api/v1/videos/{video_id}").json()
    return details if details["state"]["id"] == 1 and details["transcodingProgress"] is None else None


def _remote_videos(instance: LiveInstance) -> dict[str, dict]:
    listing = requests.get(f"{instance.url}/api/v1/videos", params={"isLocal": "false", "count": 50}).json()
    return {video["uuid"]: video for video in listing["data"]}


def _logs(*instances: LiveInstance) -> str:
    return "\n".join(f"--- {i.url} worker ---\n{i.log('worker')[-3000:]}" for i in instances)


def test_follow_import_push_update_delete_and_forgery(two_instances, tmp_path):
    origin, follower = two_instances
    origin_api, follower_api = api_session(origin), api_session(follower)

    # A video published on the origin before anyone follows it: B must find it in A's outbox.
    first_id = upload_clip(origin, origin_api, make_clip(tmp_path / "before-follow.mp4", duration=3))
    first = wait_for(lambda: _published(origin_api, origin, first_id), 120, "first video published", origin)

    answer = follower_api.post(f"{follower.url}/api/v1/server/following", json={"hosts": [origin.url]})
    assert answer.status_code == 204, answer.text
    origin_host = urlsplit(origin.url).netloc
    wait_for(
        lambda: [
            f
            for f in follower_api.get(f"{follower.url}/api/v1/server/following").json()["data"]
            if f["following"]["host"] == origin_host and f["state"] == "accepted"
        ],
        60,
        "the origin to accept the follow",
        follower,
    )
    followers = requests.get(f"{origin.url}/api/v1/server/followers").json()["data"]
    assert [f["follower"]["host"] for f in followers] == [urlsplit(follower.url).netloc]

    imported = wait_for(
        lambda: _remote_videos(follower).get(first["uuid"]),
        60,
        "the outbox video imported\n" + _logs(origin, follower),
        follower,
    )
    assert imported["name"] == first["name"] and imported["isLocal"] is False
    assert imported["channel"]["host"] == origin_host
    # The thumbnail was copied to the follower; the HLS stays on the origin and reaches viewers through
    # the follower's media proxy, byte for byte.
    assert requests.get(follower.url + imported["thumbnailPath"]).headers["Content-Type"] == "image/jpeg"
    details = requests.get(f"{follower.url}/api/v1/videos/{first['uuid']}").json()
    proxied, original = details["streamingPlaylists"][0], first["streamingPlaylists"][0]
    assert proxied["playlistUrl"].startswith(f"{follower.url}/remote/streaming-playlists/hls/{first['uuid']}/")
    assert requests.get(proxied["playlistUrl"]).text == requests.get(original["playlistUrl"]).text
    fragment = {"Range": "bytes=0-999"}
    assert (
        requests.get(proxied["files"][0]["fileUrl"], headers=fragment).content
        == requests.get(original["files"][0]["fileUrl"], headers=fragment).content
    )
    home = requests.get(follower.url + "/", headers={"Accept-Language": "en"}).text
    assert first["name"] in home

    # A video published after the follow is pushed to B's inbox (Create + Announce).
    second_id = upload_clip(origin, origin_api, make_clip(tmp_path / "after-follow.mp4", duration=3))
    second = wait_for(lambda: _published(origin_api, origin, second_id), 120, "second video published", origin)
    wait_for(
        lambda: _remote_videos(follower).get(second["uuid"]),
        60,
        "the pushed video\n" + _logs(origin, follower),
        follower,
    )

    # An edit on the origin reaches B as an Update.
    assert (
        origin_api.put(f"{origin.url}/api/v1/videos/{second_id}", json={"name": "Renamed on the origin"}).status_code
        == 204
    )
    wait_for(
        lambda: (_remote_videos(follower).get(second["uuid"]) or {}).get("name") == "Renamed on the origin",
        60,
        "the update\n" + _logs(origin, follower),
        follower,
    )

    # A forged Delete (signed by a key that is not the origin's) and an unsigned one change nothing.
    delete = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Delete",
        "id": f"{origin.url}/videos/watch/{first['uuid']}/delete",
        "actor": f"{origin.url}/accounts/peertube",
        "object": f"{origin.url}/videos/watch/{first['uuid']}",
    }
    body = json.dumps(delete).encode()
    private_pem, _ = generate_keypair()
    forged = sign_headers(
        "POST",
        follower.url + "/inbox",
        body,
        key_id=f"{origin.url}/accounts/peertube#main-key",
        private_key_pem=private_pem,
    )
    content_type = {"Content-Type": "application/activity+json"}
    assert requests.post(follower.url + "/inbox", data=body, headers={**forged, **content_type}).status_code == 401
    assert requests.post(follower.url + "/inbox", data=body, headers=content_type).status_code == 401
    assert requests.post(follower.url + "/inbox", data=b"{not json", headers=content_type).status_code == 400

    # A real delete on the origin removes B's copy; the other video stays.
    assert origin_api.delete(f"{origin.url}/api/v1/videos/{second_id}").status_code == 204
    wait_for(
        lambda: second["uuid"] not in _remote_videos(follower), 60, "the delete\n" + _logs(origin, follower), follower
    )
    assert first["uuid"] in _remote_videos(follower)
