"""What peers' users do to our videos: likes and dislikes, comments and their deletion, as PeerTube sends
them; and the collections and comment documents PeerTube reads back."""

from __future__ import annotations

import json

import pytest

from federation.actors.remote import fetch_actor
from federation.models import InboxActivity
from federation.protocol import ld_signatures
from tests.factories import publish_video
from tests.federation.peer import activity_from, running_peer, signed_post
from videos.models import Comment
from videos.services.comments import post_comment

pytestmark = pytest.mark.usefixtures("inline_tasks")

AP = {"HTTP_ACCEPT": "application/activity+json"}
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def send(actor, activity):
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_post(client, actor, activity, "/inbox")
        assert response.status_code == 204, response.content
        return InboxActivity.objects.get(ap_id=activity["id"])

    return send


@pytest.fixture
def bob(peer):
    return peer.add_actor("Person", "bob")


@pytest.fixture
def video(user):
    return publish_video(user.account.channels.get())


@pytest.fixture
def video_url(video):
    return f"http://testserver/videos/watch/{video.uuid}"


def note(author, in_reply_to: str, content: str = "Great episode!", **fields) -> dict:
    return {
        "type": "Note",
        "id": f"{author.url}/comments/{abs(hash((in_reply_to, content)))}",
        "content": content,
        "mediaType": "text/markdown",
        "inReplyTo": in_reply_to,
        "published": "2026-12-01T10:00:00.000Z",
        "attributedTo": author.url,
        "to": [PUBLIC],
        "cc": [f"{author.url}/followers"],
        **fields,
    }


def api(client, path: str) -> dict:
    return client.get(path).json()


def test_likes_and_dislikes_are_counted_replaced_and_undone(peer, bob, post, client, video, video_url):
    alice = peer.add_actor("Person", "alice")
    post(bob, like := activity_from(bob, "Like", video_url))
    post(alice, activity_from(alice, "Dislike", video_url))
    details = api(client, f"/api/v1/videos/{video.uuid}")
    assert (details["likes"], details["dislikes"]) == (1, 1)
    post(bob, like)  # redelivered: stored once, counted once
    post(bob, activity_from(bob, "Dislike", video_url))  # bob changes his mind
    details = api(client, f"/api/v1/videos/{video.uuid}")
    assert (details["likes"], details["dislikes"]) == (0, 2)
    dislike_ids = json.loads(client.get(f"/videos/watch/{video.uuid}/dislikes?page=1", **AP).content)["orderedItems"]
    assert len(dislike_ids) == 2 and all(url.startswith(peer.base) for url in dislike_ids)
    bob_dislike = next(url for url in dislike_ids if url.startswith(bob.url))
    alice_dislike = next(url for url in dislike_ids if url.startswith(alice.url))
    post(alice, activity_from(alice, "Undo", {"type": "Dislike", "id": bob_dislike}))  # not alice's
    assert api(client, f"/api/v1/videos/{video.uuid}")["dislikes"] == 2
    post(alice, activity_from(alice, "Undo", {"type": "Dislike", "id": alice_dislike}))
    assert api(client, f"/api/v1/videos/{video.uuid}")["dislikes"] == 1
    assert json.loads(client.get(f"/videos/watch/{video.uuid}/likes", **AP).content)["totalItems"] == 0


def test_a_like_by_an_instance_actor_or_of_an_unknown_video_counts_nothing(peer, post, client, video, video_url):
    instance = peer.instance()
    post(instance, activity_from(instance, "Like", video_url))
    bob = peer.add_actor("Person", "bob")
    post(bob, activity_from(bob, "Like", "http://testserver/videos/watch/00000000-0000-4000-8000-000000000000"))
    assert api(client, f"/api/v1/videos/{video.uuid}")["likes"] == 0


def test_a_comment_and_its_threaded_reply_are_stored_and_shown(peer, bob, post, client, user, video, video_url):
    post(bob, activity_from(bob, "Create", root := note(bob, video_url, "First! *markdown* <b>kept as text</b>")))
    ours = post_comment(video, user.account, "Thanks Bob")
    our_url = f"{video_url}/comments/{ours.pk}"
    post(bob, activity_from(bob, "Create", note(bob, our_url, "You are welcome")))
    post(bob, activity_from(bob, "Create", note(bob, root["id"], "And a reply to myself")))
    threads = api(client, f"/api/v1/videos/{video.uuid}/comment-threads")
    assert threads["total"] == 2
    theirs = next(t for t in threads["data"] if t["url"] == root["id"])
    assert theirs["text"] == "First! *markdown* <b>kept as text</b>" and theirs["account"]["host"] == peer.host
    assert theirs["createdAt"].startswith("2026-12-01T10:00:00") and theirs["totalReplies"] == 1
    tree = api(client, f"/api/v1/videos/{video.uuid}/comment-threads/{ours.pk}")
    assert [child["comment"]["text"] for child in tree["children"]] == ["You are welcome"]
    page = client.get(f"/w/{video.short_uuid}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "First! *markdown* &lt;b&gt;kept as text&lt;/b&gt;" in page and "You are welcome" in page


def test_html_from_other_software_is_reduced_to_text(peer, bob, post, video, video_url):
    post(
        bob,
        activity_from(bob, "Create", note(bob, video_url, "<p>Hello <a href='x'>there</a></p>", mediaType="text/html")),
    )
    assert Comment.objects.get().text == "Hello there"


@pytest.mark.parametrize(
    "spoil",
    [
        lambda bob, n: {**n, "attributedTo": "http://elsewhere.example/accounts/eve"},
        lambda bob, n: {**n, "to": [], "cc": [f"{bob.url}/followers"]},
        lambda bob, n: {**n, "inReplyTo": "http://testserver/videos/watch/00000000-0000-4000-8000-000000000000"},
        lambda bob, n: {**n, "content": "   "},
        lambda bob, n: {**n, "id": "http://elsewhere.example/comments/1"},
    ],
    ids=["not the author", "not public", "unknown video", "empty", "id on another host"],
)
def test_comments_we_do_not_take(peer, bob, post, video, video_url, spoil):
    received = post(bob, activity_from(bob, "Create", spoil(bob, note(bob, video_url))))
    assert received.processed_at is not None and received.error == ""
    assert not Comment.objects.exists()


def test_a_comment_on_a_video_with_comments_disabled_is_dropped(peer, bob, post, video, video_url):
    video.comments_policy = 2
    video.save(update_fields=["comments_policy"])
    post(bob, activity_from(bob, "Create", note(bob, video_url)))
    assert not Comment.objects.exists()


def test_only_the_author_deletes_a_remote_comment(peer, bob, post, client, video, video_url):
    post(bob, activity_from(bob, "Create", comment := note(bob, video_url)))
    alice = peer.add_actor("Person", "alice")
    post(alice, activity_from(alice, "Delete", comment["id"]))
    assert api(client, f"/api/v1/videos/{video.uuid}/comment-threads")["totalNotDeletedComments"] == 1
    post(bob, activity_from(bob, "Delete", {"type": "Tombstone", "id": comment["id"]}))
    assert api(client, f"/api/v1/videos/{video.uuid}/comment-threads")["totalNotDeletedComments"] == 0


def test_our_comments_are_served_as_notes_and_listed(peer, bob, post, client, user, video, video_url):
    ours = post_comment(video, user.account, "Our own words")
    post(bob, activity_from(bob, "Create", theirs := note(bob, f"{video_url}/comments/{ours.pk}", "A reply")))
    document = json.loads(client.get(f"/videos/watch/{video.uuid}/comments/{ours.pk}", **AP).content)
    assert document["type"] == "Note" and document["id"] == f"{video_url}/comments/{ours.pk}"
    assert (document["content"], document["mediaType"], document["inReplyTo"]) == (
        "Our own words",
        "text/markdown",
        video_url,
    )
    assert document["attributedTo"] == "http://testserver/accounts/alice" and PUBLIC in document["to"]
    listed = json.loads(client.get(f"/videos/watch/{video.uuid}/comments?page=1", **AP).content)["orderedItems"]
    assert listed == [theirs["id"], document["id"]]  # oldest first; theirs was published on December 1st
    remote = Comment.objects.get(url=theirs["id"])
    assert client.get(f"/videos/watch/{video.uuid}/comments/{remote.pk}", **AP).status_code == 404  # not ours to serve
    from videos.services.comments import delete_comment

    delete_comment(ours)
    tombstone = json.loads(client.get(f"/videos/watch/{video.uuid}/comments/{ours.pk}", **AP).content)
    assert tombstone["type"] == "Tombstone" and tombstone["formerType"] == "Note" and "content" not in tombstone


@pytest.fixture
def followed_by_peer(peer, post):
    """The peer's instance follows ours: it hears of everything about our public videos."""
    instance = peer.instance()
    post(instance, activity_from(instance, "Follow", "http://testserver/accounts/peertube"))
    peer.received.clear()
    return instance


def posted(peer, path: str = "/inbox") -> list[dict]:
    return [request.json() for request in peer.requests_to(path, "POST")]


def test_our_comments_and_their_deletion_reach_followers_and_answered_authors(
    peer, bob, post, followed_by_peer, user, video, video_url, django_capture_on_commit_callbacks
):
    from videos.services.comments import delete_comment

    post(bob, activity_from(bob, "Create", theirs := note(bob, video_url, "Bob asks")))
    peer.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reply = post_comment(video, user.account, "Alice answers", in_reply_to=Comment.objects.get(url=theirs["id"]))
    [create] = [a for a in posted(peer) if a["type"] == "Create"]
    assert create["actor"] == "http://testserver/accounts/alice" and create["object"]["inReplyTo"] == theirs["id"]
    assert create["object"]["content"] == "Alice answers"
    assert ld_signatures.verify(create, user.account.actor.public_key_pem)  # so that peers may forward it
    # The owner deletes Bob's comment: PeerTube hears it from the video's account.
    peer.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        delete_comment(Comment.objects.get(url=theirs["id"]))
        delete_comment(reply)
    deletes = {a["object"]: a["actor"] for a in posted(peer) if a["type"] == "Delete"}
    assert deletes == {
        theirs["id"]: "http://testserver/accounts/alice",
        f"{video_url}/comments/{reply.pk}": "http://testserver/accounts/alice",
    }


def test_a_peers_comment_on_our_video_is_forwarded_to_our_other_followers(
    peer, bob, post, followed_by_peer, video, video_url
):
    with running_peer() as other:
        other_instance = other.instance()
        post(other_instance, activity_from(other_instance, "Follow", "http://testserver/accounts/peertube"))
        other.received.clear()
        post(bob, activity := activity_from(bob, "Create", note(bob, video_url)))
        [forwarded] = posted(other)
    assert forwarded == {**activity}  # as received: its author's words and signature, not ours
    assert posted(peer) == []  # the author's own instance has it already


def test_our_likes_of_a_remote_video_go_to_its_origin(peer, post, user, django_capture_on_commit_callbacks):
    from federation.inbound.remote_videos import import_video
    from videos.services.ratings import rate_video

    channel = peer.add_actor("Group", "carol_channel", owner=peer.add_actor("Person", "carol"))
    video = import_video(peer.video(channel), peer.host)
    peer.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        rate_video(video, user.account, "like")
    with django_capture_on_commit_callbacks(execute=True):
        rate_video(video, user.account, "dislike")
    sent = [(a["type"], a["object"] if isinstance(a["object"], str) else a["object"]["type"]) for a in posted(peer)]
    assert sent == [("Like", video.url), ("Undo", "Like"), ("Dislike", video.url)]


def test_a_rating_of_our_video_updates_it_on_peers(
    peer, bob, post, client, followed_by_peer, user, video, video_url, django_capture_on_commit_callbacks
):
    """As PeerTube does, so that peers read the video's like and dislike counts again."""
    from videos.services.ratings import rate_video

    peer.received.clear()
    post(bob, activity_from(bob, "Like", video_url))
    with django_capture_on_commit_callbacks(execute=True):
        rate_video(video, user.account, "dislike")
    updates = [a for a in posted(peer) if a["type"] == "Update"]
    assert [a["object"]["id"] for a in updates] == [video_url, video_url]
    counts = [
        client.get(f"/videos/watch/{video.uuid}/{name}", **AP).json()["totalItems"] for name in ("likes", "dislikes")
    ]
    assert counts == [1, 1]


def test_a_forwarded_comment_is_taken_only_with_its_authors_json_ld_signature(
    peer, bob, client, video, video_url, django_capture_on_commit_callbacks
):
    """PeerTube forwards what others say about its videos, HTTP-signed by itself: the author's own JSON-LD
    signature is what makes the activity believable."""
    forwarder = peer.instance()
    fetch_actor(forwarder.url)  # known already, as the instance a follow made us know

    def forward(activity):
        with django_capture_on_commit_callbacks(execute=True):
            return signed_post(client, forwarder, activity)

    unsigned = activity_from(bob, "Create", note(bob, video_url, "Unsigned words"))
    assert forward(unsigned).status_code == 204 and not Comment.objects.exists()  # dropped, nothing fetched

    signed = ld_signatures.sign(
        activity_from(bob, "Create", note(bob, video_url, "Signed words")), bob.private_key_pem, bob.key_id
    )
    tampered = {**signed, "object": {**signed["object"], "content": "Words bob never wrote"}}
    assert forward(tampered).status_code == 401 and not Comment.objects.exists()
    assert forward(signed).status_code == 204
    comment = Comment.objects.get()
    assert comment.text == "Signed words" and comment.account.name == "bob" and comment.account.host == peer.host
