"""The inbox's security matrix (after PeerTube's packages/tests/src/api/activitypub/security.ts): what a peer
may POST, what is refused with which status, and that a refused request stores nothing.

Requests go through Django's test client, signed with federation.protocol.signatures by keys a real peer on
127.0.0.1 publishes in its actor documents.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from federation.actors import remote as remote_actors
from federation.inbound import inbox
from federation.models import Actor, Follow, InboxActivity
from tests.federation.peer import activity_from, keypair, signed_post


@pytest.fixture
def sender(peer):
    return peer.instance()


def follow_of_us(sender) -> dict:
    return activity_from(sender, "Follow", "http://testserver/accounts/peertube")


def nothing_stored() -> bool:
    return not InboxActivity.objects.exists()


def test_a_signed_activity_is_stored_and_queued_once(
    client, peer, sender, django_capture_on_commit_callbacks, monkeypatch
):
    from federation import tasks

    queued = []
    monkeypatch.setattr(tasks.process_activity, "delay", queued.append)
    activity = follow_of_us(sender)
    with django_capture_on_commit_callbacks(execute=True):
        first = signed_post(client, sender, activity)
    with django_capture_on_commit_callbacks(execute=True):
        again = signed_post(client, sender, activity, "/accounts/peertube/inbox")  # redelivered, another inbox
    assert (first.status_code, again.status_code) == (204, 204)
    stored = InboxActivity.objects.get()
    assert stored.ap_id == activity["id"] and stored.actor.url == sender.url and stored.payload == activity
    assert queued == [stored.pk]
    assert Actor.objects.get(url=sender.url).public_key_pem == keypair(0)[1]


def test_a_redelivered_activity_is_handled_once(client, peer, sender, django_capture_on_commit_callbacks):
    from federation import tasks

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        signed_post(client, sender, activity := follow_of_us(sender))
    stored = InboxActivity.objects.get()
    tasks.process_activity(stored.pk)
    Follow.objects.all().delete()
    tasks.process_activity(stored.pk)  # the broker delivered the message twice
    assert len(callbacks) == 1 and not Follow.objects.exists()
    assert InboxActivity.objects.get(ap_id=activity["id"]).processed_at is not None


def test_unsigned_activity_is_refused_401(client, peer, sender):
    response = client.post("/inbox", follow_of_us(sender), content_type="application/activity+json")
    assert response.status_code == 401 and nothing_stored()


def test_malformed_signature_is_refused_400(client, peer, sender):
    response = client.post(
        "/inbox",
        follow_of_us(sender),
        content_type="application/activity+json",
        headers={"Signature": 'keyId="x",signature=not base64!'},
    )
    assert response.status_code == 400 and nothing_stored()


def test_signature_missing_required_headers_is_refused(client, peer, sender):
    """PeerTube's matrix: (request-target), host and digest must all be signed."""
    activity = follow_of_us(sender)
    response = signed_post(client, sender, activity)
    assert response.status_code == 204
    for dropped in ("(request-target)", "host", "digest"):
        again = dict(activity, id=f"{sender.url}/activities/{dropped}")
        response = _post_with_signed_list(client, sender, again, dropped)
        assert response.status_code == 400, dropped
    assert InboxActivity.objects.count() == 1


def _post_with_signed_list(client, sender, activity, dropped):
    import json

    from federation.protocol.signatures import sign_headers

    body = json.dumps(activity).encode()
    headers = sign_headers(
        "POST", "http://testserver/inbox", body, key_id=sender.key_id, private_key_pem=sender.private_key_pem
    )
    signed_list = ["(request-target)", "host", "date", "digest"]
    signed_list.remove(dropped)
    headers["Signature"] = headers["Signature"].replace(
        'headers="(request-target) host date digest"', f'headers="{" ".join(signed_list)}"'
    )
    return client.generic("POST", "/inbox", body, content_type="application/activity+json", headers=headers)


def test_wrong_key_is_refused_401(client, peer, sender):
    response = signed_post(client, sender, follow_of_us(sender), private_key_pem=keypair(1)[0])
    assert response.status_code == 401 and nothing_stored()


def test_tampered_body_is_refused_401(client, peer, sender):
    import json

    from federation.protocol.signatures import sign_headers

    activity = follow_of_us(sender)
    headers = sign_headers(
        "POST",
        "http://testserver/inbox",
        json.dumps(activity).encode(),
        key_id=sender.key_id,
        private_key_pem=sender.private_key_pem,
    )
    tampered = json.dumps({**activity, "object": "http://testserver/accounts/alice"}).encode()
    response = client.generic("POST", "/inbox", tampered, content_type="application/activity+json", headers=headers)
    assert response.status_code == 401 and nothing_stored()


def test_stale_date_is_refused_401(client, peer, sender):
    response = signed_post(client, sender, follow_of_us(sender), now=timezone.now() - timedelta(hours=1))
    assert response.status_code == 401 and nothing_stored()


def test_an_activity_signed_by_someone_else_is_dropped_unread(client, peer, sender):
    """What PeerTube forwards (views, likes of its videos) carries its server's signature and another
    actor: answered with success, so PeerTube does not count a failure, but neither stored nor acted on,
    and no key is fetched for it."""
    someone = peer.add_actor("Person", "mallory", key=1)
    activity = activity_from(someone, "Follow", "http://testserver/accounts/peertube")
    response = signed_post(client, sender, activity)  # the instance signs an activity of mallory's
    assert response.status_code == 204 and nothing_stored()
    assert not Actor.objects.filter(host=peer.host).exists()


def test_the_same_id_with_other_content_is_a_new_action(client, peer, sender):
    """PeerTube gives a follow made again (after an Undo) the id of the first one."""
    first = follow_of_us(sender)
    assert signed_post(client, sender, first).status_code == 204
    assert signed_post(client, sender, first).status_code == 204  # a redelivery: stored once
    assert InboxActivity.objects.count() == 1
    again = dict(first, published="2026-11-25T10:00:00Z")
    assert signed_post(client, sender, again).status_code == 204
    assert InboxActivity.objects.filter(ap_id=first["id"]).count() == 2


def test_activity_id_on_another_host_than_its_actor_is_refused_400(client, peer, sender):
    activity = dict(follow_of_us(sender), id="https://elsewhere.example/activities/1")
    response = signed_post(client, sender, activity)
    assert response.status_code == 400 and nothing_stored()


def test_an_activity_id_longer_than_2000_characters_is_refused_400(client, peer, sender):
    activity = dict(follow_of_us(sender), id=f"{sender.url}/activities/{'x' * 2000}")
    assert signed_post(client, sender, activity).status_code == 400 and nothing_stored()


def test_body_over_500_kB_is_refused_413(client, peer, sender):
    big = dict(follow_of_us(sender), padding="x" * inbox.MAX_BODY_BYTES)
    assert signed_post(client, sender, big).status_code == 413
    # A Content-Length over the limit is refused before the body is read.
    claimed = signed_post(client, sender, follow_of_us(sender), CONTENT_LENGTH=str(inbox.MAX_BODY_BYTES + 1))
    assert claimed.status_code == 413
    assert nothing_stored() and not peer.received  # not even the signer's key was fetched


@pytest.mark.parametrize(
    "content_type",
    ['application/ld+json; profile="https://www.w3.org/ns/activitystreams"', "application/json; charset=utf-8"],
)
def test_the_other_activitypub_content_types_are_taken(client, peer, sender, content_type):
    assert signed_post(client, sender, follow_of_us(sender), content_type=content_type).status_code == 204


def test_wrong_content_type_is_refused_415(client, peer, sender):
    response = signed_post(client, sender, follow_of_us(sender), content_type="text/plain")
    assert response.status_code == 415 and nothing_stored()


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"Follow"', b'{"id": "x"}'])
def test_a_body_that_is_not_an_activity_is_refused_400(client, peer, sender, body):
    assert signed_post(client, sender, body).status_code == 400 and nothing_stored()


@pytest.mark.parametrize("keyword", ["@graph", "@reverse", "@included"])
def test_hostile_json_ld_is_refused_400(client, peer, sender, keyword):
    activity = follow_of_us(sender)
    activity["object"] = {"id": "http://testserver/accounts/peertube", keyword: [{"type": "Undo"}]}
    assert signed_post(client, sender, activity).status_code == 400 and nothing_stored()


def test_a_request_signed_as_ourselves_is_refused_409(client, db):
    from federation.actors.local import ensure_instance_actor
    from tests.federation.peer import RemoteActor

    us = ensure_instance_actor()
    me = RemoteActor("http://testserver/accounts/peertube", {}, us.private_key_pem)
    response = signed_post(client, me, activity_from(me, "Follow", "http://testserver/accounts/peertube"))
    assert response.status_code == 409 and nothing_stored()


@pytest.mark.parametrize("breakage", ["no key", "id mismatch", "group without owner", "key of another actor"])
def test_a_malformed_signer_document_is_refused_401_and_not_stored(client, peer, breakage):
    if breakage == "group without owner":
        signer = peer.add_actor("Group", "channel")
    else:
        signer = peer.add_actor("Person", "bob")
        document = signer.document
        if breakage == "no key":
            del document["publicKey"]
        elif breakage == "id mismatch":
            document["id"] = peer.url("/accounts/someone-else")
        else:
            document["publicKey"]["owner"] = peer.url("/accounts/someone-else")
        peer.serve("/accounts/bob", document)
    response = signed_post(client, signer, activity_from(signer, "Follow", "http://testserver/accounts/peertube"))
    assert response.status_code == 401 and nothing_stored()
    assert not Actor.objects.exclude(host="").exists()


def test_a_peer_that_rotated_its_key_is_refetched_once_and_accepted(client, peer, sender):
    assert signed_post(client, sender, follow_of_us(sender)).status_code == 204
    Actor.objects.filter(url=sender.url).update(last_fetched_at=timezone.now() - timedelta(minutes=2))
    rotated = peer.add_actor("Application", "peertube", key=1)
    assert signed_post(client, rotated, follow_of_us(rotated)).status_code == 204
    assert len(peer.requests_to("/accounts/peertube")) == 2
    assert Actor.objects.get(url=sender.url).public_key_pem == keypair(1)[1]


@pytest.mark.parametrize("refetched", ["same document", "broken document", "peer down"])
def test_a_flood_of_bad_signatures_refetches_the_actor_at_most_once_a_minute(client, peer, sender, refetched):
    assert signed_post(client, sender, follow_of_us(sender)).status_code == 204
    Actor.objects.filter(url=sender.url).update(
        last_fetched_at=timezone.now() - remote_actors.REFETCH_AT_MOST_EVERY - timedelta(seconds=1)
    )
    if refetched == "broken document":
        peer.serve("/accounts/peertube", {"type": "Application", "id": sender.url})
    elif refetched == "peer down":
        peer.serve("/accounts/peertube", b"down", status=503, content_type="text/plain")
    for _ in range(5):
        response = signed_post(client, sender, follow_of_us(sender), private_key_pem=keypair(1)[0])
        assert response.status_code == 401
    assert len(peer.requests_to("/accounts/peertube")) == 2  # the first fetch, then one refetch
    assert InboxActivity.objects.count() == 1
    assert Actor.objects.get(url=sender.url).public_key_pem == keypair(0)[1]
