"""Peers' mirrors of our videos (CacheFile): kept as the admin's policy says, listed in the API, renewed by
Update, dropped by Undo or at expiry, refused when the mirror is not on its sender's host, and forwarded to
our other followers as PeerTube forwards them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from federation.models import InboxActivity
from tests.factories import publish_video
from tests.federation.peer import activity_from, running_peer, signed_post
from videos.models import VideoRedundancy
from videos.tasks import purge_expired_mirrors

pytestmark = pytest.mark.usefixtures("inline_tasks")


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """POST a signed activity to our shared inbox and run what it queues; returns the stored activity."""

    def post(actor, activity) -> InboxActivity:
        with django_capture_on_commit_callbacks(execute=True):
            assert signed_post(client, actor, activity).status_code == 204
        return InboxActivity.objects.get(ap_id=activity["id"])

    return post


@pytest.fixture
def video(user):
    return publish_video(user.account.channels.get())


def cache_file(mirror_base: str, video, *, expires: datetime | None = None, **link: str) -> dict:
    """A CacheFile as PeerTube's mirror sends it about our video."""
    return {
        "id": f"{mirror_base}/redundancy/streaming-playlists/hls/{video.uuid}",
        "type": "CacheFile",
        "object": f"http://testserver/videos/watch/{video.uuid}",
        "expires": (expires or timezone.now() + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
        "url": {
            "type": "Link",
            "mediaType": "application/x-mpegURL",
            "href": f"{mirror_base}/static/redundancy/hls/{video.uuid}",
            **link,
        },
    }


def mirrors_listed(client, video) -> list[str]:
    details = client.get(f"/api/v1/videos/{video.uuid}").json()
    return [mirror["baseUrl"] for mirror in details["streamingPlaylists"][0]["redundancies"]]


def test_a_peers_mirror_is_listed_renewed_and_undone(peer, send, client, video):
    mirror = peer.instance()
    create = activity_from(mirror, "Create", cache_file(peer.base, video))
    send(mirror, create)
    assert mirrors_listed(client, video) == [f"{peer.base}/static/redundancy/hls/{video.uuid}"]
    document = client.get(f"/videos/watch/{video.uuid}", HTTP_ACCEPT="application/activity+json").json()
    [hls] = [link for link in document["url"] if link["mediaType"] == "application/x-mpegURL"]
    assert [tag["href"] for tag in hls["tag"] if tag.get("name") == "redundancy"] == mirrors_listed(client, video)

    later = timezone.now() + timedelta(days=2)
    send(mirror, activity_from(mirror, "Update", cache_file(peer.base, video, expires=later)))
    [kept] = VideoRedundancy.objects.all()
    assert abs(kept.expires_at - later) < timedelta(seconds=1) and kept.actor_url == mirror.url

    send(mirror, activity_from(mirror, "Undo", create))
    assert mirrors_listed(client, video) == [] and not VideoRedundancy.objects.exists()


def test_an_expired_mirror_is_no_longer_listed_then_forgotten(peer, send, client, video):
    mirror = peer.instance()
    send(mirror, activity_from(mirror, "Create", cache_file(peer.base, video)))
    VideoRedundancy.objects.update(expires_at=timezone.now() - timedelta(seconds=1))  # no Update came in time
    assert mirrors_listed(client, video) == []
    assert purge_expired_mirrors() == 1 and not VideoRedundancy.objects.exists()


def test_only_its_sender_may_renew_or_undo_a_mirror(peer, send, client, video):
    mirror = peer.instance()
    create = activity_from(mirror, "Create", cache_file(peer.base, video))
    send(mirror, create)
    someone = peer.add_actor("Person", "someone", key=1)
    send(someone, activity_from(someone, "Undo", create))
    send(someone, activity_from(someone, "Update", cache_file(peer.base, video, expires=timezone.now())))
    [kept] = VideoRedundancy.objects.all()
    assert kept.expires_at > timezone.now() and mirrors_listed(client, video) == [kept.base_url]


@pytest.mark.parametrize(
    "change",
    [
        {"href": "https://elsewhere.example/static/redundancy/hls/x"},  # viewers sent to a third host
        {"mediaType": "video/mp4"},  # a web-video mirror: we play HLS only
        {"href": "javascript:alert(1)"},
    ],
)
def test_a_mirror_outside_its_senders_host_or_not_hls_is_dropped(peer, send, client, video, change):
    mirror = peer.instance()
    received = send(mirror, activity_from(mirror, "Create", cache_file(peer.base, video, **change)))
    assert received.error == "" and not VideoRedundancy.objects.exists()


def test_a_malformed_expiry_or_an_unknown_video_is_dropped(peer, send, video):
    mirror = peer.instance()
    bad_date = cache_file(peer.base, video)
    bad_date["expires"] = "2026-13-45T00:00:00Z"
    send(mirror, activity_from(mirror, "Create", bad_date))
    unknown = cache_file(peer.base, video)
    unknown["object"] = "http://testserver/videos/watch/00000000-0000-4000-8000-000000000000"
    send(mirror, activity_from(mirror, "Create", unknown))
    assert not VideoRedundancy.objects.exists()


@pytest.mark.parametrize(("policy", "kept"), [("anybody", True), ("followings", False), ("nobody", False)])
def test_the_admins_policy_decides_whose_mirrors_we_keep(peer, send, video, settings, policy, kept):
    settings.SIDEWAYS_REMOTE_REDUNDANCY_ACCEPT_FROM = policy
    mirror = peer.instance()  # an instance we do not follow
    send(mirror, activity_from(mirror, "Create", cache_file(peer.base, video)))
    assert VideoRedundancy.objects.exists() is kept


def test_a_mirror_of_our_video_is_forwarded_to_our_other_followers(peer, send, video):
    with running_peer() as other:
        other_instance = other.instance()
        send(other_instance, activity_from(other_instance, "Follow", "http://testserver/accounts/peertube"))
        mirror = peer.instance()
        send(mirror, activity_from(mirror, "Follow", "http://testserver/accounts/peertube"))
        other.received.clear()
        peer.received.clear()
        send(mirror, create := activity_from(mirror, "Create", cache_file(peer.base, video)))
        forwarded = [r.json() for r in other.received if r.method == "POST"]
    assert forwarded == [create]
    assert not [r for r in peer.received if r.method == "POST"]  # not back to the mirror


def test_a_mirror_without_expiry_is_kept_until_undone(peer, send, client, video):
    mirror = peer.instance()
    document = cache_file(peer.base, video)
    del document["expires"]
    send(mirror, activity_from(mirror, "Create", document))
    assert VideoRedundancy.objects.get().expires_at is None
    assert purge_expired_mirrors() == 0 and mirrors_listed(client, video) != []


def test_the_expiry_is_read_as_utc_when_it_names_no_zone(peer, send, video):
    mirror = peer.instance()
    document = cache_file(peer.base, video)
    document["expires"] = "2030-01-02T03:04:05"
    send(mirror, activity_from(mirror, "Create", document))
    assert VideoRedundancy.objects.get().expires_at == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
