"""One URL, two answers: HTML for browsers, ActivityPub for peers, chosen by the Accept header."""

import pytest

from federation.endpoints.negotiation import wants_activitypub
from tests.factories import publish_video

pytestmark = pytest.mark.django_db

ACTIVITY_JSON = "application/activity+json; charset=utf-8"
PEERTUBE_ACCEPT = "application/activity+json, application/ld+json"
MASTODON_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@pytest.fixture
def video(user):
    return publish_video(user.account.channels.get())


@pytest.mark.parametrize(
    "accept, expected",
    [
        (PEERTUBE_ACCEPT, True),
        (MASTODON_ACCEPT, True),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
        ("application/activity+json, */*;q=0.8", True),
        ("text/html;q=0.9, application/activity+json", True),
        ("", False),
        ("*/*", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("text/html, application/activity+json", False),  # a tie goes to HTML, as on PeerTube
        ("application/json", False),
        ("application/activity+json;q=0", False),
        ("application/activity+json;q=oops", False),
    ],
)
def test_accept_header_preferences(accept, expected):
    assert wants_activitypub(accept) is expected


def test_watch_url_serves_html_to_browsers_and_the_video_object_to_peers(client, video):
    path = f"/videos/watch/{video.uuid}"
    browser = client.get(path)
    assert browser.status_code == 200
    assert browser["Content-Type"].startswith("text/html")
    assert video.name in browser.content.decode()
    peer = client.get(path, HTTP_ACCEPT=PEERTUBE_ACCEPT)
    assert peer["Content-Type"] == ACTIVITY_JSON
    assert peer.json()["type"] == "Video"
    for response in (browser, peer):
        assert "Accept" in response["Vary"]


def test_short_urls_negotiate_too(client, video, user):
    assert client.get(f"/w/{video.short_uuid}", HTTP_ACCEPT=MASTODON_ACCEPT).json()["uuid"] == str(video.uuid)
    assert client.get("/a/alice", HTTP_ACCEPT=MASTODON_ACCEPT).json()["type"] == "Person"
    assert client.get("/c/alice_channel", HTTP_ACCEPT=MASTODON_ACCEPT).json()["type"] == "Group"
    assert client.get("/c/alice_channel")["Content-Type"].startswith("text/html")


def test_head_is_negotiated_and_post_is_not(client, video):
    head = client.head(f"/videos/watch/{video.uuid}", HTTP_ACCEPT=PEERTUBE_ACCEPT)
    assert head.status_code == 200 and head["Content-Type"] == ACTIVITY_JSON
    post = client.post(f"/videos/watch/{video.uuid}", HTTP_ACCEPT=PEERTUBE_ACCEPT)
    assert post["Content-Type"] != ACTIVITY_JSON


def test_actor_ids_opened_in_a_browser_redirect_to_their_pages(client, user):
    assert client.get("/accounts/alice")["Location"] == "/a/alice"
    assert client.get("/video-channels/alice_channel")["Location"] == "/c/alice_channel"
    assert client.get("/accounts/alice", HTTP_ACCEPT=PEERTUBE_ACCEPT).json()["id"].endswith("/accounts/alice")


def test_other_urls_are_not_touched_by_an_activitypub_accept(client, video):
    api = client.get("/api/v1/videos", HTTP_ACCEPT="application/activity+json, */*;q=0.1")
    assert api.status_code == 200 and api.json()["total"] == 1
    assert api["Content-Type"] != ACTIVITY_JSON
    home = client.get("/", HTTP_ACCEPT=PEERTUBE_ACCEPT)
    assert home.status_code == 200 and home["Content-Type"].startswith("text/html")


def test_negotiated_unknown_video_is_a_json_404(client, db):
    response = client.get("/videos/watch/00000000-0000-4000-8000-000000000000", HTTP_ACCEPT=PEERTUBE_ACCEPT)
    assert response.status_code == 404
    assert response["Content-Type"] == ACTIVITY_JSON
    assert client.get("/w/not-a-video-id", HTTP_ACCEPT=PEERTUBE_ACCEPT).status_code == 404
