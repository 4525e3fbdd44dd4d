"""The ActivityPub documents a PeerTube peer GETs from us: actors, videos, and what they link to.

Each document is checked against PeerTube's receiving rules (peertube_rules) and its shape compared
with the real payloads captured from PeerTube instances.
"""

from urllib.parse import urlsplit

import pytest

from federation.models import Actor
from tests.factories import SITE, publish_video
from tests.federation.peertube_rules import PUBLIC, captured, problems_actor, problems_video
from videos.constants import VideoPrivacy, VideoState
from videos.models import Account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]

AP = {"HTTP_ACCEPT": "application/activity+json"}
ACTIVITY_JSON = "application/activity+json; charset=utf-8"


@pytest.fixture
def channel(user):
    return user.account.channels.get()


@pytest.fixture
def video(channel):
    return publish_video(channel)


def get_ap(client, url: str):
    """GET one of our AP URLs the way a peer does (absolute id in, path on the test client)."""
    response = client.get(urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else ""), **AP)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    assert response["Content-Type"] == ACTIVITY_JSON
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def test_instance_actor_is_a_peertube_application(client):
    doc = get_ap(client, f"{SITE}/accounts/peertube")
    assert problems_actor(doc) == []
    assert doc["type"] == "Application"
    assert doc["id"] == f"{SITE}/accounts/peertube"
    assert doc["preferredUsername"] == doc["name"] == "peertube"
    assert doc["publicKey"]["id"] == f"{SITE}/accounts/peertube#main-key"
    assert doc["endpoints"]["sharedInbox"] == f"{SITE}/inbox"
    reference = captured("esup-pod-captured/application_actor.json")
    # Every key we send is one PeerTube sends; we leave out only the playlists we do not have.
    assert set(doc) <= set(reference)
    assert set(reference) - set(doc) == {"playlists"}
    assert doc["@context"][:3] == reference["@context"][:3]


def test_instance_actor_keeps_its_key(client):
    first = get_ap(client, f"{SITE}/accounts/peertube")
    second = get_ap(client, f"{SITE}/accounts/peertube")
    assert first["publicKey"] == second["publicKey"]
    assert Actor.objects.filter(type="Application").count() == 1


def test_account_is_a_person_and_channel_a_group_owned_by_it(client, user, channel):
    account = user.account
    account.description = "I film trains."
    account.save()
    person = get_ap(client, f"{SITE}/accounts/alice")
    group = get_ap(client, f"{SITE}/video-channels/{channel.name}")
    assert problems_actor(person) == [] and problems_actor(group) == []
    assert (person["type"], person["name"], person["summary"]) == ("Person", "alice", "I film trains.")
    assert (group["type"], group["preferredUsername"], group["name"]) == (
        "Group",
        "alice_channel",
        "Main alice channel",
    )
    assert group["attributedTo"] == [{"type": "Person", "id": person["id"]}]
    assert group["postingRestrictedToMods"] is True
    # The owner named by the Group is itself fetchable, as PeerTube fetches it before the channel.
    assert get_ap(client, group["attributedTo"][0]["id"])["id"] == person["id"]
    for mine, reference in (
        (person, captured("lemmy-captured/peertube/person.json")),
        (group, captured("lemmy-captured/peertube/group.json")),
    ):
        assert set(mine) - {"summary", "support"} <= set(reference)
        assert set(reference) - set(mine) == {"playlists", "icon", "image"} & set(reference)


def test_actor_keys_are_made_once_per_account(client, user):
    keys = {get_ap(client, f"{SITE}/accounts/alice")["publicKey"]["publicKeyPem"] for _ in range(2)}
    assert len(keys) == 1
    assert Actor.objects.get(account=user.account).private_key_pem.startswith("-----BEGIN PRIVATE KEY-----")


def test_unknown_and_remote_actors_are_404_json(client, db):
    Account.objects.create(
        name="bob", display_name="Bob", host="peer.example.net", url="https://peer.example.net/accounts/bob"
    )
    for path in (
        "/accounts/nobody",
        "/video-channels/nothing",
        "/accounts/bob",
        "/accounts/nobody/outbox",
        "/video-channels/nothing/followers",
    ):
        response = client.get(path, **AP)
        assert response.status_code == 404, path
        assert response["Content-Type"] == ACTIVITY_JSON
        assert "error" in response.json()


def test_video_object_passes_peertube_rules(client, video):
    doc = get_ap(client, f"{SITE}/videos/watch/{video.uuid}")
    assert problems_video(doc) == []
    assert doc["id"] == f"{SITE}/videos/watch/{video.uuid}"
    assert doc["duration"] == "PT125S"
    assert doc["content"] == "Notes about **this** episode."
    assert doc["category"] == {"identifier": "15", "name": "Science & Technology"}
    assert doc["language"] == {"identifier": "fr", "name": "French"}
    assert doc["tag"] == [{"type": "Hashtag", "name": "federation"}]
    assert doc["attributedTo"] == [
        {"type": "Person", "id": f"{SITE}/accounts/alice"},
        {"type": "Group", "id": f"{SITE}/video-channels/alice_channel"},
    ]
    assert doc["to"] == [PUBLIC] and doc["cc"] == [f"{SITE}/accounts/alice/followers"]
    assert [(icon["width"], icon["height"]) for icon in doc["icon"]] == [(280, 157), (850, 480)]
    assert [link["href"] for link in doc["url"][:2]] == [f"{SITE}/w/{video.short_uuid}", doc["id"]]


def test_video_collections_answer_with_counts_and_fetchable_announces(client, video):
    """PeerTube reads the like counts from these collections and crawls the shares, dropping any share
    that is not listed (PeerTube 6.x-7.x fail on a Video without them)."""
    doc = get_ap(client, f"{SITE}/videos/watch/{video.uuid}")
    from videos.services.ratings import rate_video

    for name, kind in (("ann", "like"), ("ben", "like"), ("cat", "like"), ("dan", "dislike")):
        rate_video(video, Account.objects.create(name=name, display_name=name, host="peer.example"), kind)
    assert get_ap(client, doc["likes"])["totalItems"] == 3
    assert get_ap(client, doc["dislikes"])["totalItems"] == 1
    shares = get_ap(client, doc["shares"])
    assert shares["totalItems"] == 2 and shares["first"] == f"{doc['shares']}?page=1"
    announces = get_ap(client, shares["first"])["orderedItems"]
    sharers = [get_ap(client, url)["actor"] for url in announces]
    assert sorted(sharers) == [f"{SITE}/accounts/peertube", f"{SITE}/video-channels/alice_channel"]
    for url in announces:
        announce = get_ap(client, url)
        assert (announce["type"], announce["id"], announce["object"]) == ("Announce", url, doc["id"])
    assert get_ap(client, doc["comments"])["totalItems"] == 0
    assert client.get(f"/videos/watch/{video.uuid}/announces/999999", **AP).status_code == 404


def test_collections_of_a_video_peers_may_not_see_are_not_found(client, video):
    video.privacy = VideoPrivacy.PRIVATE
    video.save(update_fields=["privacy"])
    for name in ("likes", "dislikes", "announces", "comments"):
        assert client.get(f"/videos/watch/{video.uuid}/{name}", **AP).status_code == 404


def test_video_object_has_the_shape_of_a_real_peertube_video(client, video):
    doc = get_ap(client, f"{SITE}/videos/watch/{video.uuid}")
    reference = captured("lemmy-captured/peertube/video.json")
    assert set(doc) <= set(reference)
    # Left out on purpose: the storyboard and chapters we do not make (a peer would fetch them and fail).
    assert set(reference) - set(doc) == {"preview", "hasParts"}
    hls = next(link for link in doc["url"] if link["mediaType"] == "application/x-mpegURL")
    reference_hls = next(link for link in reference["url"] if link["mediaType"] == "application/x-mpegURL")
    reference_file = next(tag for tag in reference_hls["tag"] if tag.get("mediaType") == "video/mp4")
    files = [tag for tag in hls["tag"] if tag.get("mediaType") == "video/mp4"]
    assert [(f["height"], f["width"], f["fps"]) for f in files] == [(720, 1280, 30), (360, 640, 30)]
    assert all(set(f) == set(reference_file) for f in files)
    assert files[0]["attachment"] == reference_file["attachment"]
    # Our Video context holds every term of PeerTube 7's (commentsEnabled included) and 8's.
    assert set(reference["@context"][3]) <= set(doc["@context"][3])
    assert doc["@context"][:3] == reference["@context"][:3]


def test_every_link_in_the_video_object_is_served(client, video):
    doc = get_ap(client, f"{SITE}/videos/watch/{video.uuid}")
    hls = next(link for link in doc["url"] if link["mediaType"] == "application/x-mpegURL")
    hrefs = [icon["url"] for icon in doc["icon"]] + [hls["href"]] + [tag["href"] for tag in hls["tag"]]
    for href in hrefs:
        assert href.startswith(SITE)
        response = client.get(urlsplit(href).path)
        assert response.status_code == 200, href
        assert response["Access-Control-Allow-Origin"] == "*"
    html = client.get(urlsplit(doc["url"][0]["href"]).path)
    assert html.status_code == 200 and video.name in html.content.decode()


def test_short_descriptions_and_unset_fields_are_left_out(client, channel):
    video = publish_video(
        channel, "No notes", description="ok", category=None, licence=None, language="", originally_published_at=None
    )
    doc = get_ap(client, f"{SITE}/videos/watch/{video.uuid}")
    assert problems_video(doc) == []
    assert doc["content"] is None
    assert not {"category", "licence", "language"} & set(doc)


def test_comments_policy_is_told_to_old_and_new_peers(client, channel):
    video = publish_video(channel, "Quiet one", comments_policy=2)
    doc = get_ap(client, f"{SITE}/videos/watch/{video.uuid}")
    assert (doc["commentsEnabled"], doc["commentsPolicy"], doc["canReply"]) == (False, 2, PUBLIC)


def test_video_activity_wraps_the_video_in_its_create(client, video):
    doc = get_ap(client, f"{SITE}/videos/watch/{video.uuid}/activity")
    assert doc["type"] == "Create"
    assert doc["id"] == f"{SITE}/videos/watch/{video.uuid}/activity"
    assert doc["actor"] == f"{SITE}/accounts/alice"
    assert "@context" not in doc["object"]
    assert problems_video(doc["object"]) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"privacy": VideoPrivacy.PRIVATE},
        {"privacy": VideoPrivacy.UNLISTED},
        {"privacy": VideoPrivacy.INTERNAL},
        {"state": VideoState.TO_TRANSCODE, "wait_transcoding": False},
        {"is_local": False, "url": "https://peer.example.net/videos/watch/x"},
    ],
)
def test_videos_not_for_peers_are_404(client, channel, fields):
    video = publish_video(channel, "Not for peers", **fields)
    for path in (f"/videos/watch/{video.uuid}", f"/videos/watch/{video.uuid}/activity", f"/w/{video.short_uuid}"):
        response = client.get(path, **AP)
        assert response.status_code == 404, path
        assert response["Content-Type"] == ACTIVITY_JSON
