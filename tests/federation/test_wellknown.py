"""WebFinger, NodeInfo and host-meta as a peer uses them to find our actors (docs/PROTOCOL.md §3.7, §3.8)."""

import xml.etree.ElementTree as ElementTree
from urllib.parse import urlsplit

import pytest

from tests.factories import SITE, publish_video
from videos.constants import VideoPrivacy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]

HOST = "videos.example.org"
AP = {"HTTP_ACCEPT": "application/activity+json"}


def webfinger(client, resource: str | None):
    return client.get("/.well-known/webfinger", {"resource": resource} if resource is not None else {})


@pytest.mark.parametrize(
    "name, actor_path, actor_type",
    [
        ("alice", "/accounts/alice", "Person"),
        ("alice_channel", "/video-channels/alice_channel", "Group"),
        ("peertube", "/accounts/peertube", "Application"),
    ],
)
def test_webfinger_resolves_accounts_channels_and_the_instance_actor(client, user, name, actor_path, actor_type):
    response = webfinger(client, f"acct:{name}@{HOST}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/jrd+json")
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["subject"] == f"acct:{name}@{HOST}"
    self_link = next(link for link in body["links"] if link["rel"] == "self")
    assert self_link == {"rel": "self", "type": "application/activity+json", "href": f"{SITE}{actor_path}"}
    assert body["aliases"] == [self_link["href"]]
    # The link leads to the actor itself, as a peer resolving @name@host then fetches it.
    actor = client.get(urlsplit(self_link["href"]).path, **AP).json()
    assert (actor["id"], actor["type"], actor["preferredUsername"]) == (self_link["href"], actor_type, name)


def test_webfinger_host_comparison_ignores_case(client, user):
    assert webfinger(client, f"acct:alice@{HOST.upper()}").status_code == 200


@pytest.mark.parametrize("resource", ["acct:nobody@videos.example.org", "acct:alice@peer.example.net"])
def test_webfinger_unknown_names_and_other_hosts_are_404(client, user, resource):
    assert webfinger(client, resource).status_code == 404


@pytest.mark.parametrize(
    "resource",
    [
        None,
        "",
        "alice@videos.example.org",
        "acct:alice",
        "acct:@videos.example.org",
        "acct:alice@",
        "acct:a@b@videos.example.org",
        "https://videos.example.org/accounts/alice",
    ],
)
def test_webfinger_malformed_resources_are_400(client, user, resource):
    response = webfinger(client, resource)
    assert response.status_code == 400
    assert "acct:" in response.json()["error"]


def test_nodeinfo_links_lead_to_the_application_actor_and_the_document(client):
    response = client.get("/.well-known/nodeinfo")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    links = {link["rel"]: link["href"] for link in response.json()["links"]}
    application = links["https://www.w3.org/ns/activitystreams#Application"]
    assert application == f"{SITE}/accounts/peertube"
    # PeerTube follows a bare host by fetching this actor (with an Accept header, or none at all).
    for headers in (AP, {}):
        actor = client.get(urlsplit(application).path, **headers)
        assert actor.status_code == 200 and actor.json()["type"] == "Application"
    assert links["http://nodeinfo.diaspora.software/ns/schema/2.0"] == f"{SITE}/nodeinfo/2.0.json"


def test_nodeinfo_document_counts_public_local_videos(client, user):
    channel = user.account.channels.get()
    publish_video(channel, "Public one")
    publish_video(channel, "Private one", privacy=VideoPrivacy.PRIVATE)
    response = client.get("/nodeinfo/2.0.json")
    assert response["Content-Type"] == 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"'
    body = response.json()
    assert body["version"] == "2.0"
    assert body["software"] == {"name": "sidewaystube", "version": "0.1.0"}
    assert body["protocols"] == ["activitypub"]
    assert body["usage"]["localPosts"] == 1
    assert body["usage"]["users"]["total"] == 2  # root and alice
    assert body["openRegistrations"] is False
    assert body["metadata"]["nodeName"] == "SideWays Tube"


def test_host_meta_points_to_webfinger(client):
    response = client.get("/.well-known/host-meta")
    assert response["Content-Type"] == "application/xrd+xml; charset=utf-8"
    link = ElementTree.fromstring(response.content).find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link.get("rel") == "lrdd"
    assert link.get("template") == f"{SITE}/.well-known/webfinger?resource={{uri}}"
