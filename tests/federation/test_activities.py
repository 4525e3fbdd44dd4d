"""The activities we send, compared with what PeerTube sends (ids, addressing, embedding, @context)."""

import pytest

from federation.actors.local import actor_url, ensure_instance_actor, local_actor_for_account, local_actor_for_channel
from federation.models import Actor
from federation.objects import activities
from tests.factories import SITE, publish_video
from tests.federation.peertube_rules import PUBLIC, captured, problems_video

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]


@pytest.fixture
def video(user):
    return publish_video(user.account.channels.get())


def test_create_is_sent_by_the_account_with_the_video_inside(video):
    create = activities.create_video(video)
    assert (create["type"], create["actor"]) == ("Create", f"{SITE}/accounts/alice")
    assert create["id"] == f"{SITE}/videos/watch/{video.uuid}/activity"
    assert (create["to"], create["cc"]) == ([PUBLIC], [f"{SITE}/accounts/alice/followers"])
    assert create["@context"] == captured("lemmy-captured/peertube/video.json")["@context"][:3] + [
        create["@context"][3]
    ]
    assert problems_video(create["object"]) == []


def test_announce_by_the_instance_actor_is_shaped_like_peertubes(video):
    instance = ensure_instance_actor()
    announce = activities.announce_video(video, instance)
    reference = captured("lemmy-captured/peertube/announce_video.json")
    assert set(announce) == set(reference)
    assert announce["@context"] == reference["@context"]
    assert announce["id"] == f"{SITE}/videos/watch/{video.uuid}/announces/{instance.pk}"
    assert announce["object"] == f"{SITE}/videos/watch/{video.uuid}"
    assert announce["to"] == [PUBLIC, f"{SITE}/accounts/peertube/followers"]
    assert announce["cc"] == [f"{SITE}/accounts/alice/followers"]


def test_announce_by_the_channel_names_the_channel(video):
    group = local_actor_for_channel(video.channel)
    announce = activities.announce_video(video, group)
    assert announce["actor"] == f"{SITE}/video-channels/alice_channel"
    assert announce["id"].endswith(f"/announces/{group.pk}")


def test_update_id_changes_with_each_edit(video):
    first = activities.update_video(video)
    video.name = "A renamed episode"
    video.save()
    second = activities.update_video(video)
    assert first["id"].startswith(f"{SITE}/videos/watch/{video.uuid}/updates/20")
    assert first["id"] != second["id"]
    assert second["object"]["name"] == "A renamed episode"
    assert (second["type"], second["actor"]) == ("Update", f"{SITE}/accounts/alice")


def test_delete_follow_and_undo(user):
    person = local_actor_for_account(user.account)
    url = f"{SITE}/videos/watch/0d4b7c1e-3a7f-4d5b-9a53-3b0c8e2f1a11"
    delete = activities.delete_object(url, person)
    assert (delete["id"], delete["actor"], delete["object"]) == (f"{url}/delete", f"{SITE}/accounts/alice", url)
    instance = ensure_instance_actor()
    follow = activities.follow(
        instance, "https://peer.example.net/accounts/peertube", f"{SITE}/accounts/peertube/follows/7"
    )
    assert {k: follow[k] for k in ("type", "id", "actor", "object")} == {
        "type": "Follow",
        "id": f"{SITE}/accounts/peertube/follows/7",
        "actor": f"{SITE}/accounts/peertube",
        "object": "https://peer.example.net/accounts/peertube",
    }
    undo = activities.undo(follow, instance)
    assert undo["id"] == f"{SITE}/accounts/peertube/follows/7/undo"
    assert undo["object"] == {key: value for key, value in follow.items() if key != "@context"}


def test_accept_embeds_the_follow_like_peertube():
    reference = captured("esup-pod-captured/accept.json")
    instance = ensure_instance_actor()
    incoming_follow = {
        "@context": reference["@context"],
        **reference["object"],
        "signature": {"type": "RsaSignature2017"},
    }
    accept = activities.accept(incoming_follow, instance, f"{SITE}/accepts/follows/1")
    assert set(accept) == set(reference) - {"signature"}
    assert accept["object"] == reference["object"]
    assert accept["@context"] == reference["@context"]
    assert (accept["type"], accept["actor"]) == ("Accept", f"{SITE}/accounts/peertube")


def test_actor_url_of_remote_and_local_actors(user, video):
    remote = Actor.objects.create(
        type=Actor.Type.PERSON,
        preferred_username="bob",
        host="peer.example.net",
        url="https://peer.example.net/accounts/bob",
        public_key_pem="-",
    )
    assert actor_url(remote) == "https://peer.example.net/accounts/bob"
    assert actor_url(ensure_instance_actor()) == f"{SITE}/accounts/peertube"
    assert actor_url(local_actor_for_account(user.account)) == f"{SITE}/accounts/alice"
    assert actor_url(local_actor_for_channel(video.channel)) == f"{SITE}/video-channels/alice_channel"
