"""The administrators' "Following" page (/admin/following): who may open it, what it lists, and following,
refusing and unfollowing through the real federation service (a second live instance as the peer)."""

import pytest

from federation.actors.local import ensure_instance_actor
from federation.models import Actor, Follow
from tests.live import start_instance
from tests.web.remote import OriginServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _peer_actor(host: str) -> Actor:
    return Actor.objects.create(
        type=Actor.Type.APPLICATION,
        preferred_username="peertube",
        host=host,
        url=f"https://{host}/accounts/peertube",
        inbox_url=f"https://{host}/inbox",
        public_key_pem="-----BEGIN PUBLIC KEY-----",
    )


def test_anonymous_is_sent_to_login_and_others_are_refused(client, user):
    response = client.get("/admin/following")
    assert response.status_code == 302 and response["Location"] == "/login?next=/admin/following"
    assert client.post("/admin/following/unfollow", {"host": "peer.example"}).status_code == 302
    client.login(username="alice", password="alice-password-1")
    assert client.get("/admin/following").status_code == 403
    assert client.post("/admin/following", {"host": "peer.example"}).status_code == 403
    assert client.post("/admin/following/unfollow", {"host": "peer.example"}).status_code == 403


def test_admin_sees_who_we_follow_and_who_follows_us(admin_client):
    us = ensure_instance_actor()
    Follow.objects.create(actor=us, target=_peer_actor("videos.example.org"), state=Follow.State.ACCEPTED)
    Follow.objects.create(actor=us, target=_peer_actor("slow.example:8443"))
    Follow.objects.create(actor=_peer_actor("fan.example"), target=us, state=Follow.State.ACCEPTED)
    response = admin_client.get("/admin/following", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    following = html[html.index('id="following-heading"') : html.index('id="followers-heading"')]
    followers = html[html.index('id="followers-heading"') :]
    assert "videos.example.org" in following and "Accepted" in following
    assert "slow.example:8443" in following and "Pending" in following
    assert following.count('action="/admin/following/unfollow"') == 2
    assert 'name="csrfmiddlewaretoken"' in following
    assert "fan.example" in followers and "fan.example" not in following
    assert 'href="/admin/following" aria-current="page"' in html
    assert 'href="/admin/following"' in admin_client.get("/admin/settings").content.decode()


def test_following_is_csrf_protected(admin_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post("/admin/following", {"host": "peer.example"}).status_code == 403
    assert client.post("/admin/following/unfollow", {"host": "peer.example"}).status_code == 403


def test_a_host_that_is_not_an_instance_gets_a_readable_error(admin_client, settings, tmp_path):
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = True
    not_peertube = OriginServer(tmp_path)  # answers 404 to everything
    try:
        for host in (not_peertube.url, "not a host/at all", ""):
            response = admin_client.post("/admin/following", {"host": host}, HTTP_ACCEPT_LANGUAGE="en")
            html = response.content.decode()
            assert response.status_code == 400, host
            assert 'class="error" role="alert"' in html, host
        assert (
            "PeerTube-compatible"
            in admin_client.post(
                "/admin/following", {"host": not_peertube.url}, HTTP_ACCEPT_LANGUAGE="en"
            ).content.decode()
        )
    finally:
        not_peertube.stop()
    assert not Follow.objects.exists()


def test_the_reason_is_given_in_french_to_a_french_admin(admin_client):
    html = admin_client.post(
        "/admin/following", {"host": "not a host/at all"}, HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "n’est pas un nom d’hôte comme videos.example.org" in html
    html = admin_client.post(
        "/admin/following/unfollow", {"host": "peer.example"}, HTTP_ACCEPT_LANGUAGE="fr", follow=True
    ).content.decode()
    assert "peer.example n’est pas suivie." in html


def test_follow_then_already_followed_then_unfollow_a_real_peer(admin_client, settings, tmp_path):
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = True
    peer = start_instance(tmp_path / "peer", worker=False)
    host = peer.url.removeprefix("http://")
    try:
        response = admin_client.post("/admin/following", {"host": peer.url}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
        html = response.content.decode()
        assert f"Follow request sent to {host}" in html
        follow = Follow.objects.get(target__host=host)
        assert follow.state == Follow.State.PENDING and follow.actor == ensure_instance_actor()

        again = admin_client.post("/admin/following", {"host": peer.url}, HTTP_ACCEPT_LANGUAGE="en")
        assert again.status_code == 400 and "already followed" in again.content.decode()
        assert Follow.objects.count() == 1
    finally:
        peer.stop()
    response = admin_client.post("/admin/following/unfollow", {"host": host}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert f"You no longer follow {host}." in response.content.decode()
    assert not Follow.objects.exists()
    response = admin_client.post("/admin/following/unfollow", {"host": host}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "is not followed" in response.content.decode()
