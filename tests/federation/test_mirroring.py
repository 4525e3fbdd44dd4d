"""Our copies of followed instances' videos: made from the origin's files (only those beside its master
playlist, within the announced sizes, matching their hashes), served under PeerTube's layout, announced to
the origin (Create{CacheFile}), renewed (Update), dropped within the budget or with their video (Undo); and
the admin API that drives them."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from federation.actors.local import ensure_instance_actor
from federation.models import Actor, Delivery, Follow
from federation.outbound import mirroring
from tests.factories import HLS_PREFIX, create_remote_video, make_video, root_password
from tests.web.remote import OriginServer
from videos.models import MirroredHost, MirroringSettings, VideoRedundancy
from videos.storage import mirror_dir

FRAGMENT = bytes(range(256)) * 8  # 2 KiB standing in for a fragmented MP4
MASTER = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=640x360\na-360.m3u8\n"
RENDITION = (
    '#EXTM3U\n#EXT-X-MAP:URI="a-360-fragmented.mp4",BYTERANGE="48@0"\n'
    "#EXTINF:4,\n#EXT-X-BYTERANGE:2000@48\na-360-fragmented.mp4\n#EXT-X-ENDLIST\n"
)


def _hashes(data: bytes) -> dict:
    return {
        "a-360-fragmented.mp4": {
            "0-47": hashlib.sha256(data[:48]).hexdigest(),
            "48-2047": hashlib.sha256(data[48:]).hexdigest(),
        }
    }


@pytest.fixture
def origin(db, tmp_path, settings):
    """A followed origin serving PeerTube-like HLS folders; `add(...)` makes one of its videos, held here."""
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = True
    server = OriginServer(tmp_path / "origin")
    made = []

    def add(name: str = "Far river", *, hashes: dict | None = None, rendition: str = RENDITION, size: int = 2048):
        video_uuid = str(uuid.uuid4())
        folder = tmp_path / "origin" / HLS_PREFIX.lstrip("/") / video_uuid
        folder.mkdir(parents=True)
        (folder / "master.m3u8").write_text(MASTER)
        (folder / "a-360.m3u8").write_text(rendition)
        (folder / "a-360-fragmented.mp4").write_bytes(FRAGMENT)
        (folder / "segments-sha256.json").write_text(json.dumps(hashes or _hashes(FRAGMENT)))
        rung = {"resolution": 360, "width": 640, "height": 360, "fps": 25, "size": size}
        video = create_remote_video(
            server.url, name=name, video_uuid=video_uuid, rungs=[{**rung, "filename": "a-360-fragmented.mp4"}]
        )
        made.append(video)
        return video

    (tmp_path / "origin").mkdir()
    yield server, add
    server.stop()


@pytest.fixture
def run(django_capture_on_commit_callbacks, monkeypatch):
    """One round of mirroring, with what it queues on commit (dropped copies' files and Undo) run in-process."""
    from federation import tasks

    monkeypatch.setattr(tasks.forget_mirror, "delay", tasks.forget_mirror)
    monkeypatch.setattr(tasks.deliver_activity, "delay", lambda delivery_id: None)  # the rows are what we read

    def one_round() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            mirroring.run()

    return one_round


@pytest.fixture
def followed(origin):
    """The origin's account actor (its shared inbox is where our CacheFile activities go), and our follow."""
    server, _ = origin
    instance = Actor.objects.create(
        type=Actor.Type.APPLICATION,
        preferred_username="peertube",
        host=server.url.split("://")[1],
        url=f"{server.url}/accounts/peertube",
        inbox_url=f"{server.url}/accounts/peertube/inbox",
        shared_inbox_url=f"{server.url}/inbox",
        public_key_pem="unused",
    )
    Follow.objects.create(actor=ensure_instance_actor(), target=instance, state=Follow.State.ACCEPTED)
    MirroredHost.objects.create(host=instance.host)
    return instance


def sent() -> list[tuple[str, str, str]]:
    """(type, object type or id, inbox) of every activity we queued for delivery."""
    rows = Delivery.objects.order_by("pk")
    return [(d.activity["type"], d.activity["object"].get("type", ""), d.inbox_url) for d in rows]


def test_a_copy_is_checked_served_and_announced_to_the_origin(origin, followed, client):
    server, add = origin
    video = add()
    playlist = video.streaming_playlists.get()
    mirror = mirroring.mirror_playlist(playlist, "manual", MirroringSettings.current())
    assert (mirror_dir(video.uuid) / "a-360-fragmented.mp4").read_bytes() == FRAGMENT
    assert mirror.size == len(FRAGMENT) and mirror.expires_at is None
    assert mirror.base_url == f"http://testserver/static/redundancy/hls/{video.uuid}"
    served = client.get(f"/static/redundancy/hls/{video.uuid}/a-360-fragmented.mp4", HTTP_RANGE="bytes=0-47")
    assert served.status_code == 206 and b"".join(served.streaming_content) == FRAGMENT[:48]
    [create] = Delivery.objects.all()
    assert create.inbox_url == f"{server.url}/inbox"
    assert create.activity["actor"] == "http://testserver/accounts/peertube"
    assert create.activity["to"] == [video.channel.account.url]
    assert create.activity["object"] == {
        "id": f"http://testserver/redundancy/streaming-playlists/hls/{video.uuid}",
        "type": "CacheFile",
        "object": video.url,
        "expires": None,
        "url": {"type": "Link", "mediaType": "application/x-mpegURL", "href": mirror.base_url},
    }


@pytest.mark.parametrize(
    "spoil",
    [
        {"hashes": _hashes(b"other bytes" * 200)},  # the origin's files do not match its own hashes
        {"size": 1000},  # larger than announced
        {"rendition": "#EXTM3U\nhttps://elsewhere.example/a-360-fragmented.mp4\n"},  # a file of another host
        {"rendition": "#EXTM3U\n../../secret.mp4\n"},
    ],
)
def test_a_bad_copy_is_refused_and_nothing_is_kept(origin, followed, spoil):
    _, add = origin
    video = add(**spoil)
    with pytest.raises(mirroring.MirrorError):
        mirroring.mirror_playlist(video.streaming_playlists.get(), "manual", MirroringSettings.current())
    assert not mirror_dir(video.uuid).exists() and not VideoRedundancy.objects.exists()
    assert not list(mirror_dir(video.uuid).parent.iterdir()) and not Delivery.objects.exists()


def test_the_budget_drops_the_oldest_copy_and_undoes_it(origin, followed, run):
    server, add = origin
    older, newer = add("Older"), add("Newer")
    MirroringSettings.objects.create(
        pk=1, strategy="recently-added", size=int(len(FRAGMENT) * 1.5), min_lifetime=timedelta(hours=1)
    )
    run()
    [first] = VideoRedundancy.objects.all()
    assert first.playlist.video == newer and first.strategy == "recently-added"
    run()  # no room for the older one: the newer copy is too young to go
    assert list(VideoRedundancy.objects.all()) == [first]
    VideoRedundancy.objects.update(created_at=timezone.now() - timedelta(hours=2))
    run()
    [second] = VideoRedundancy.objects.all()
    assert second.playlist.video == older and not mirror_dir(newer.uuid).exists()
    assert sent() == [
        ("Create", "CacheFile", f"{server.url}/inbox"),
        ("Create", "CacheFile", f"{server.url}/inbox"),
        ("Undo", "Create", f"{server.url}/inbox"),  # sent once the drop is committed
    ]
    undone = Delivery.objects.last().activity["object"]["object"]
    assert undone["id"] == f"http://testserver/redundancy/streaming-playlists/hls/{newer.uuid}"


def test_a_copy_about_to_expire_is_renewed_and_one_whose_strategy_went_is_dropped(origin, followed, run):
    _, add = origin
    add()
    config = MirroringSettings.objects.create(pk=1, strategy="most-views", min_lifetime=timedelta(hours=10))
    run()
    VideoRedundancy.objects.update(expires_at=timezone.now() + timedelta(hours=1))
    run()
    assert VideoRedundancy.objects.get().expires_at > timezone.now() + timedelta(hours=9)
    assert [kind for kind, _, _ in sent()] == ["Create", "Update"]
    config.strategy = ""
    config.save()
    run()
    assert not VideoRedundancy.objects.exists() and [kind for kind, _, _ in sent()][-1] == "Undo"


def test_a_copy_goes_with_its_video_and_the_origin_is_told(
    origin, followed, django_capture_on_commit_callbacks, monkeypatch
):
    from federation import tasks

    monkeypatch.setattr(tasks.forget_mirror, "delay", tasks.forget_mirror)
    monkeypatch.setattr(tasks.deliver_activity, "delay", lambda delivery_id: None)
    _, add = origin
    video = add()
    mirroring.mirror_playlist(video.streaming_playlists.get(), "manual", MirroringSettings.current())
    with django_capture_on_commit_callbacks(execute=True):
        video.delete()  # the origin deleted it
    assert not mirror_dir(video.uuid).exists()
    assert [kind for kind, _, _ in sent()] == ["Create", "Undo"]


def test_only_instances_the_admin_allows_are_mirrored(origin, followed, run):
    _, add = origin
    add()
    MirroredHost.objects.all().delete()
    MirroringSettings.objects.create(pk=1, strategy="most-views")
    run()
    assert not VideoRedundancy.objects.exists()


# --- the admin API ----------------------------------------------------------------------------------------


@pytest.fixture
def admin_api(api, login):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {login('root', root_password())}")
    return api


def test_admins_allow_a_followed_host_and_only_a_followed_one(origin, followed, admin_api):
    host = followed.host
    assert (
        admin_api.put(f"/api/v1/server/redundancy/{host}", {"redundancyAllowed": False}, format="json").status_code
        == 204
    )
    assert not MirroredHost.objects.exists()
    assert (
        admin_api.put(f"/api/v1/server/redundancy/{host}", {"redundancyAllowed": True}, format="json").status_code
        == 204
    )
    assert MirroredHost.objects.get().host == host
    following = admin_api.get("/api/v1/server/following").json()["data"]
    assert following[0]["following"]["hostRedundancyAllowed"] is True
    unknown = admin_api.put("/api/v1/server/redundancy/nowhere.example", {"redundancyAllowed": True}, format="json")
    assert unknown.status_code == 404
    assert admin_api.put(f"/api/v1/server/redundancy/{host}", {}, format="json").status_code == 400


def test_the_copies_are_listed_made_by_hand_and_dropped(
    origin, followed, admin_api, user, monkeypatch, django_capture_on_commit_callbacks
):
    from federation import tasks

    queued = []
    monkeypatch.setattr(tasks.mirror_video, "delay", queued.append)
    _, add = origin
    video = add()
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin_api.post("/api/v1/server/redundancy/videos", {"videoId": str(video.uuid)}, format="json")
    assert answer.status_code == 204
    assert len(queued) == 1
    tasks.mirror_video(*queued)
    local = make_video(user.account.channels.get(), "Ours")
    for video_id, status in ((str(video.uuid), 409), (str(local.uuid), 400), ("999999", 404)):
        refused = admin_api.post("/api/v1/server/redundancy/videos", {"videoId": video_id}, format="json")
        assert refused.status_code == status, video_id
    listing = admin_api.get("/api/v1/server/redundancy/videos", {"target": "remote-videos"}).json()
    assert listing["total"] == 1 and listing["data"][0]["uuid"] == str(video.uuid)
    [copy] = listing["data"][0]["redundancies"]["streamingPlaylists"]
    assert copy["strategy"] == "manual" and copy["fileUrl"].endswith(f"/static/redundancy/hls/{video.uuid}")
    assert admin_api.get("/api/v1/server/redundancy/videos", {"target": "my-videos"}).json()["total"] == 0
    assert admin_api.get("/api/v1/server/redundancy/videos", {"target": "all"}).status_code == 400
    assert admin_api.delete(f"/api/v1/server/redundancy/videos/{copy['id']}").status_code == 204
    assert not VideoRedundancy.objects.exists()
    assert admin_api.delete(f"/api/v1/server/redundancy/videos/{copy['id']}").status_code == 404


def test_the_redundancy_api_is_for_administrators_only(api, origin, followed):
    assert api.get("/api/v1/server/redundancy/videos", {"target": "my-videos"}).status_code == 401
    assert api.put(f"/api/v1/server/redundancy/{followed.host}", {"redundancyAllowed": True}).status_code == 401


def test_our_viewers_of_a_video_we_mirror_get_its_segments_from_our_copy(origin, followed, client):
    server, add = origin
    video = add()
    mirroring.mirror_playlist(video.streaming_playlists.get(), "manual", MirroringSettings.current())
    server.requested.clear()
    part = client.get(f"/remote/streaming-playlists/hls/{video.uuid}/a-360-fragmented.mp4", HTTP_RANGE="bytes=48-99")
    assert part.status_code == 206 and b"".join(part.streaming_content) == FRAGMENT[48:100]
    assert server.requested == []  # not asked of the origin
