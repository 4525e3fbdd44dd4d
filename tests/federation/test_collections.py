"""Outboxes, followers and following as crawling PeerTube peers page through them (docs/PROTOCOL.md §3.6)."""

import datetime

import pytest
from django.utils import timezone

from federation.actors.local import ensure_instance_actor, local_actor_for_account, local_actor_for_channel
from federation.models import Actor, Follow
from tests.factories import SITE, make_user, publish_video
from tests.federation.peertube_rules import PUBLIC, captured, problems_video
from videos.constants import VideoPrivacy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]


@pytest.fixture
def channel(user):
    return user.account.channels.get()


@pytest.fixture
def twelve_videos(channel):
    """Twelve public videos published a minute apart (the last one newest), plus one private one."""
    start = timezone.now() - datetime.timedelta(hours=1)
    videos = [
        publish_video(channel, f"Episode {n:02d}", published_at=start + datetime.timedelta(minutes=n))
        for n in range(12)
    ]
    publish_video(channel, "Private rushes", privacy=VideoPrivacy.PRIVATE)
    return videos


def remote_actor(name: str) -> Actor:
    return Actor.objects.create(
        type=Actor.Type.APPLICATION,
        preferred_username=name,
        host=f"{name}.example.net",
        url=f"https://{name}.example.net/accounts/peertube",
        inbox_url=f"https://{name}.example.net/inbox",
        public_key_pem="-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
    )


def get(client, path: str, status: int = 200) -> dict:
    response = client.get(path)  # peers crawl collections with or without an Accept header
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/activity+json; charset=utf-8"
    return response.json()


def test_instance_outbox_summary_then_pages_of_announces(client, twelve_videos):
    outbox = f"{SITE}/accounts/peertube/outbox"
    summary = get(client, "/accounts/peertube/outbox")
    assert summary == {
        **summary,
        "id": outbox,
        "type": "OrderedCollection",
        "totalItems": 12,
        "first": f"{outbox}?page=1",
    }
    assert "orderedItems" not in summary

    first = get(client, "/accounts/peertube/outbox?page=1")
    assert (first["id"], first["type"], first["partOf"]) == (f"{outbox}?page=1", "OrderedCollectionPage", outbox)
    assert first["next"] == f"{outbox}?page=2" and "prev" not in first
    assert len(first["orderedItems"]) == 10 and first["totalItems"] == 12
    newest = twelve_videos[-1]
    announce = first["orderedItems"][0]
    assert announce["object"] == f"{SITE}/videos/watch/{newest.uuid}"
    reference = captured("esup-pod-captured/outbox-page-1.json")
    assert set(first) - {"next"} == set(reference)
    assert set(announce) == set(reference["orderedItems"][0])
    instance = ensure_instance_actor()
    assert announce["id"] == f"{SITE}/videos/watch/{newest.uuid}/announces/{instance.pk}"
    assert announce["actor"] == f"{SITE}/accounts/peertube"
    assert PUBLIC in announce["to"]

    second = get(client, "/accounts/peertube/outbox?page=2")
    assert second["prev"] == f"{outbox}?page=1" and "next" not in second
    objects = [item["object"] for item in first["orderedItems"] + second["orderedItems"]]
    assert objects == [f"{SITE}/videos/watch/{video.uuid}" for video in reversed(twelve_videos)]


def test_outbox_size_parameter_up_to_fifty(client, twelve_videos):
    page = get(client, "/accounts/peertube/outbox?page=1&size=5")
    assert len(page["orderedItems"]) == 5
    assert page["next"] == f"{SITE}/accounts/peertube/outbox?page=2&size=5"
    assert len(get(client, "/accounts/peertube/outbox?page=1&size=50")["orderedItems"]) == 12


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=two", "page=1&size=51", "page=1&size=0"])
def test_bad_paging_is_a_400_that_says_why(client, twelve_videos, query):
    body = get(client, f"/accounts/peertube/outbox?{query}", status=400)
    assert "must be a whole number" in body["error"]


def test_account_outbox_lists_creates_with_the_full_video(client, user, twelve_videos):
    page = get(client, "/accounts/alice/outbox?page=2")
    assert [item["type"] for item in page["orderedItems"]] == ["Create", "Create"]
    create = page["orderedItems"][-1]
    assert create["actor"] == f"{SITE}/accounts/alice"
    assert create["id"] == f"{SITE}/videos/watch/{twelve_videos[0].uuid}/activity"
    assert "@context" not in create and "@context" not in create["object"]
    assert problems_video(create["object"]) == []


def test_channel_outbox_announces_only_its_own_videos(client, user, channel, twelve_videos):
    bob = make_user("bob")
    publish_video(bob.account.channels.get(), "Bob's episode")
    page = get(client, "/video-channels/alice_channel/outbox?page=1&size=50")
    assert page["totalItems"] == 12
    group = local_actor_for_channel(channel)
    assert {item["actor"] for item in page["orderedItems"]} == {f"{SITE}/video-channels/alice_channel"}
    assert page["orderedItems"][0]["id"].endswith(f"/announces/{group.pk}")
    assert get(client, "/accounts/bob/outbox")["totalItems"] == 1
    assert get(client, "/accounts/peertube/outbox")["totalItems"] == 13


def test_empty_collection_has_no_first_page(client, user):
    summary = get(client, "/video-channels/alice_channel/outbox")
    assert summary["totalItems"] == 0 and "first" not in summary


def test_followers_and_following_list_accepted_follows_only(client, user):
    instance = ensure_instance_actor()
    peer_a, peer_b, peer_c = remote_actor("a"), remote_actor("b"), remote_actor("c")
    Follow.objects.create(actor=peer_a, target=instance, state=Follow.State.ACCEPTED)
    Follow.objects.create(actor=peer_b, target=instance, state=Follow.State.PENDING)
    Follow.objects.create(actor=peer_c, target=instance, state=Follow.State.ACCEPTED)
    Follow.objects.create(actor=instance, target=peer_b, state=Follow.State.ACCEPTED)
    Follow.objects.create(actor=local_actor_for_account(user.account), target=peer_a, state=Follow.State.ACCEPTED)

    followers = get(client, "/accounts/peertube/followers")
    assert followers["totalItems"] == 2 and followers["id"] == f"{SITE}/accounts/peertube/followers"
    assert get(client, "/accounts/peertube/followers?page=1")["orderedItems"] == [peer_c.url, peer_a.url]
    assert get(client, "/accounts/peertube/following?page=1")["orderedItems"] == [peer_b.url]
    assert get(client, "/accounts/alice/following?page=1")["orderedItems"] == [peer_a.url]
    assert get(client, "/video-channels/alice_channel/followers")["totalItems"] == 0
