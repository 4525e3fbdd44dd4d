"""Remote actors fetched from a real peer serving PeerTube's captured actor documents: what is kept, the
videos.Account/Channel twins, the cache and its refresh, and the documents refused with nothing stored.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from federation.actors.local import ensure_instance_actor
from federation.actors.remote import REFRESH_AFTER, ActorError, fetch_actor
from federation.models import Actor
from federation.protocol.signatures import verify_request
from tests.federation.peer import keypair
from videos.models import Account, Channel


def test_a_person_is_stored_with_its_keys_inboxes_and_account(peer):
    remote = peer.add_actor("Person", "thelinuxexperiment")
    actor = fetch_actor(remote.url)
    assert (actor.type, actor.preferred_username, actor.host) == ("Person", "thelinuxexperiment", peer.host)
    assert actor.inbox_url == peer.url("/accounts/thelinuxexperiment/inbox")
    assert actor.shared_inbox_url == peer.url("/inbox")
    assert actor.outbox_url == peer.url("/accounts/thelinuxexperiment/outbox")
    assert actor.public_key_pem == keypair(0)[1] and actor.private_key_pem == ""
    account = Account.objects.get(name="thelinuxexperiment", host=peer.host)
    assert actor.account == account and account.url == remote.url
    assert account.description.startswith("I'm Nick, and I like to tinker with Linux stuff")


def test_a_group_becomes_a_channel_of_its_owners_account(peer):
    owner = peer.add_actor("Person", "alice")
    actor = fetch_actor(peer.add_actor("Group", "alice_channel", owner=owner).url)
    channel = Channel.objects.get(name="alice_channel", host=peer.host)
    assert actor.channel == channel and channel.account == Account.objects.get(name="alice", host=peer.host)
    assert Actor.objects.get(url=owner.url).account == channel.account


def test_the_fetch_is_signed_by_our_instance_actor(peer):
    remote = peer.instance()
    fetch_actor(remote.url)
    [request] = peer.requests_to("/accounts/peertube")
    verify_request("GET", request.path, "", request.headers, None, ensure_instance_actor().public_key_pem)


def test_a_cached_actor_is_refreshed_only_when_stale_and_kept_while_its_peer_is_down(peer):
    remote = peer.add_actor("Person", "alice")
    first = fetch_actor(remote.url)
    assert fetch_actor(remote.url) == first and len(peer.requests_to("/accounts/alice")) == 1
    Actor.objects.filter(pk=first.pk).update(last_fetched_at=timezone.now() - REFRESH_AFTER - timedelta(minutes=1))
    peer.serve("/accounts/alice", {**remote.document, "name": "Alice Renamed"})
    assert fetch_actor(remote.url).account.display_name == "Alice Renamed"
    Actor.objects.filter(pk=first.pk).update(last_fetched_at=timezone.now() - REFRESH_AFTER - timedelta(minutes=1))
    peer.serve("/accounts/alice", b"down", status=503, content_type="text/plain")
    assert fetch_actor(remote.url) == first  # a peer briefly down keeps its cached actor


def test_an_unknown_actor_on_a_peer_that_is_down_is_an_error(peer):
    with pytest.raises(ActorError, match="could not fetch"):
        fetch_actor(peer.url("/accounts/nobody"))
    assert not Actor.objects.exclude(host="").exists()


BROKEN = {
    "not an actor type": {"type": "Note"},
    "username with a slash": {"preferredUsername": "a/b"},
    "username longer than our name columns": {"preferredUsername": "a" * 51},
    "inbox that is not a URL": {"inbox": "mailto:alice@example.org"},
    "inbox URL over 2000 characters": {"inbox": "https://example.org/" + "i" * 2000},
    "key without PEM": {"publicKey": {"id": "x", "owner": "x", "publicKeyPem": "not a key"}},
    # An actor may not aim our deliveries or crawls at another host (a victim's inbox, say).
    "inbox on another host": {"inbox": "https://victim.example/inbox"},
    "shared inbox on another host": {"endpoints": {"sharedInbox": "https://victim.example/inbox"}},
    "outbox on another host": {"outbox": "https://victim.example/outbox"},
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_malformed_actor_is_refused_and_nothing_stored(peer, case):
    remote = peer.add_actor("Person", "alice")
    peer.serve("/accounts/alice", {**remote.document, **BROKEN[case]})
    with pytest.raises(ActorError):
        fetch_actor(remote.url)
    assert not Actor.objects.exclude(host="").exists() and not Account.objects.exclude(host="").exists()


def test_a_group_owned_by_an_account_of_another_host_is_refused(peer):
    group = peer.add_actor("Group", "channel", attributedTo=[{"type": "Person", "id": "https://elsewhere.example/a/x"}])
    with pytest.raises(ActorError, match="attributedTo"):
        fetch_actor(group.url)
    assert not Channel.objects.exclude(host="").exists()
