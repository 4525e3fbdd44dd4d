"""Following another instance as the admin page does: finding its Application actor (NodeInfo's FEP-2677
link, else WebFinger), the pending Follow sent signed to its inbox, readable errors, and unfollowing.
"""

import pytest
from django.utils import translation

from federation.actors.local import ensure_instance_actor
from federation.actors.remote import APPLICATION_REL
from federation.models import Follow
from federation.outbound.follows import FollowError, follow_instance, instance_following, unfollow_instance
from federation.protocol.signatures import verify_request

pytestmark = pytest.mark.usefixtures("inline_tasks")


@pytest.fixture(autouse=True)
def english():
    """The service speaks the active language (the admin's); these tests read its English messages."""
    with translation.override("en"):
        yield


INBOX = "/accounts/peertube/inbox"


def serve_nodeinfo(peer, actor_url: str) -> None:
    peer.serve(
        "/.well-known/nodeinfo",
        {
            "links": [
                {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": peer.url("/nodeinfo/2.0.json")},
                {"rel": APPLICATION_REL, "href": actor_url},
            ]
        },
        content_type="application/json",
    )


def serve_webfinger(peer, actor_url: str) -> None:
    peer.serve(
        f"/.well-known/webfinger?resource=acct:peertube@{peer.host}",
        {
            "subject": f"acct:peertube@{peer.host}",
            "links": [{"rel": "self", "type": "application/activity+json", "href": actor_url}],
        },
        content_type="application/jrd+json",
    )


@pytest.fixture
def follow_now(django_capture_on_commit_callbacks):
    """follow_instance with its delivery run (the on-commit callbacks), as the admin's request does."""

    def run(host: str) -> Follow:
        with django_capture_on_commit_callbacks(execute=True):
            return follow_instance(host)

    return run


def test_follow_through_nodeinfo_sends_a_signed_follow_and_waits(peer, follow_now):
    serve_nodeinfo(peer, peer.instance().url)
    follow = follow_now(peer.base)
    assert follow.state == Follow.State.PENDING and follow.target.url == peer.url("/accounts/peertube")
    assert follow.actor == ensure_instance_actor()
    [request] = peer.requests_to(INBOX, "POST")
    sent = request.json()
    assert (sent["type"], sent["id"], sent["actor"], sent["object"]) == (
        "Follow",
        follow.url,
        "http://testserver/accounts/peertube",
        follow.target.url,
    )
    verify_request("POST", INBOX, "", request.headers, request.body, ensure_instance_actor().public_key_pem)
    assert not peer.requests_to(f"/.well-known/webfinger?resource=acct:peertube@{peer.host}")


def test_follow_through_webfinger_only(peer, follow_now):
    serve_webfinger(peer, peer.instance().url)  # no NodeInfo: the peer answers 404 there
    follow = follow_now(peer.base + "/")
    assert follow.state == Follow.State.PENDING and follow.target.url == peer.url("/accounts/peertube")
    assert peer.requests_to("/.well-known/nodeinfo")
    assert len(peer.requests_to(INBOX, "POST")) == 1


def test_a_host_that_is_not_an_instance_gets_a_readable_error(peer):
    with pytest.raises(FollowError, match=f"Could not follow {peer.host}: .*PeerTube-compatible instance"):
        follow_instance(peer.base)
    assert not Follow.objects.exists() and not peer.requests_to(INBOX, "POST")


def test_an_instance_actor_that_is_not_an_application_is_refused(peer):
    serve_nodeinfo(peer, peer.add_actor("Person", "alice").url)
    with pytest.raises(FollowError, match="not an Application"):
        follow_instance(peer.base)
    assert not Follow.objects.exists()


@pytest.mark.parametrize("host", ["not a host/with/a/path", "ftp://videos.example", "https://videos.example/a/b"])
def test_a_value_that_is_not_a_host_is_refused(db, host):
    with pytest.raises(FollowError, match="is not a host name"):
        follow_instance(host)


@pytest.mark.parametrize("host", ["testserver", "http://testserver", "TESTSERVER/"])
def test_our_own_host_is_refused(db, host):
    with pytest.raises(FollowError, match="cannot follow itself"):
        follow_instance(host)
    assert not Follow.objects.exists()


def test_following_twice_is_refused_but_a_rejected_follow_may_be_asked_again(peer, follow_now):
    serve_nodeinfo(peer, peer.instance().url)
    first = follow_now(peer.base)
    with pytest.raises(FollowError, match="already followed"):
        follow_instance(peer.base)
    Follow.objects.filter(pk=first.pk).update(state=Follow.State.ACCEPTED)
    with pytest.raises(FollowError, match="already followed"):
        follow_instance(peer.base)
    Follow.objects.filter(pk=first.pk).update(state=Follow.State.REJECTED)
    again = follow_now(peer.base)
    assert again.pk == first.pk and again.state == Follow.State.PENDING and again.url != first.url
    assert len(peer.requests_to(INBOX, "POST")) == 2


def test_unfollowing_a_pending_follow_forgets_it_without_an_undo(peer, follow_now, django_capture_on_commit_callbacks):
    serve_nodeinfo(peer, peer.instance().url)
    follow_now(peer.base)
    with django_capture_on_commit_callbacks(execute=True):
        unfollow_instance(peer.base)
    assert not instance_following().exists()
    assert [r.json()["type"] for r in peer.requests_to(INBOX, "POST")] == ["Follow"]


def test_unfollowing_an_accepted_follow_sends_undo_of_it(peer, follow_now, django_capture_on_commit_callbacks):
    serve_nodeinfo(peer, peer.instance().url)
    follow = follow_now(peer.base)
    Follow.objects.filter(pk=follow.pk).update(state=Follow.State.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        unfollow_instance(peer.base)
    assert not Follow.objects.exists()
    undo = peer.requests_to(INBOX, "POST")[-1].json()
    assert undo["type"] == "Undo" and undo["actor"] == "http://testserver/accounts/peertube"
    assert undo["object"]["type"] == "Follow" and undo["object"]["id"] == follow.url


def test_unfollowing_a_host_we_do_not_follow_is_an_error(db):
    with pytest.raises(FollowError, match="is not followed"):
        unfollow_instance("videos.example")
