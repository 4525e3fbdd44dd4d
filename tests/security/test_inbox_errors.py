"""The inbox's refusals tell a caller nothing of our network: not what a host name resolves to, nor which
addresses we refuse to reach."""

from __future__ import annotations

from tests.federation.peer import activity_from, signed_post


def test_an_unreachable_signer_is_refused_without_our_resolver_s_findings(peer, settings, client):
    actor = peer.add_actor("Person", "mallory")
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = False  # the peer is on loopback: fetching its key is refused
    response = signed_post(client, actor, activity_from(actor, "Follow", "http://testserver/accounts/peertube"))
    assert response.status_code == 401
    body = response.content.decode()
    assert "Unknown signer" in body
    assert "127.0.0.1" not in body.replace(actor.url, "") and "resolves" not in body and "non-public" not in body
