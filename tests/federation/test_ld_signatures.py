"""Linked Data signatures (RsaSignature2017) as PeerTube and Mastodon put them on activities."""

import copy
import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from federation.actors.local import actor_url, ensure_instance_actor, local_actor_for_account
from federation.objects import activities
from federation.protocol import ld
from federation.protocol.ids import key_id
from federation.protocol.ld_signatures import SIGNATURE_TYPE, UnreadableDocument, _signed_text, sign, signer, verify
from federation.protocol.signatures import generate_keypair
from tests.factories import publish_video

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ld"
KEY_ID = "https://sideways.example/accounts/alice#main-key"


def signed_fixture(name: str) -> tuple[dict, str]:
    """(activity, signer's public key PEM) of a real signature kept in tests/fixtures/ld/."""
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data["activity"], data["signerPublicKeyPem"]


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def create_video() -> dict:
    """A typical Create{Video} with PeerTube's Video @context, unsigned."""
    activity, _ = signed_fixture("peertube-create-video")
    return {key: value for key, value in activity.items() if key != "signature"}


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Canonicalising must never go to the network: any connection attempt fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a JSON-LD signature check tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize(
    "name, actor",
    [
        ("peertube-create-video", "https://tilvids.com/accounts/thelinuxexperiment"),
        ("peertube-create-note", "https://peertube.example/accounts/alice"),
        ("mastodon-create-note", "http://localhost:3000/users/ronan2"),
    ],
)
def test_signatures_made_by_peertube_and_mastodon_verify(name, actor):
    activity, public_key = signed_fixture(name)
    assert verify(activity, public_key)
    assert signer(activity) == actor == activity["actor"]


def test_what_we_sign_verifies_and_carries_the_signature_peertube_reads(keys, create_video):
    private_pem, public_pem = keys
    created = datetime(2026, 12, 6, 15, 4, 5, 123456, tzinfo=UTC)
    original = copy.deepcopy(create_video)

    signed = sign(create_video, private_pem, KEY_ID, created=created)

    assert verify(signed, public_pem)
    assert create_video == original, "the document passed in is left unchanged"
    assert {key: value for key, value in signed.items() if key != "signature"} == original
    assert signed["signature"]["type"] == SIGNATURE_TYPE
    assert signed["signature"]["creator"] == KEY_ID
    assert signed["signature"]["created"] == "2026-12-06T15:04:05.123Z"
    assert signer(signed) == "https://sideways.example/accounts/alice"


def test_signing_again_replaces_the_previous_signature(keys, create_video):
    other_private, _ = generate_keypair()
    private_pem, public_pem = keys
    resigned = sign(sign(create_video, other_private, "https://other.example/a"), private_pem, KEY_ID)
    assert resigned["signature"]["creator"] == KEY_ID
    assert verify(resigned, public_pem)


def test_a_comment_with_our_own_context_round_trips(keys):
    private_pem, public_pem = keys
    note = {
        "type": "Note",
        "id": "https://sideways.example/videos/watch/1/comments/2",
        "content": "Hello",
        "attributedTo": "https://sideways.example/accounts/alice",
        "inReplyTo": "https://peer.example/videos/watch/1",
    }
    activity = ld.with_context(
        {
            "type": "Create",
            "id": note["id"] + "/activity",
            "actor": note["attributedTo"],
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": note,
        },
        "Comment",
    )
    assert verify(sign(activity, private_pem, KEY_ID), public_pem)


@pytest.mark.django_db
@pytest.mark.usefixtures("public_site")
def test_the_activities_we_send_can_be_signed_by_their_actor_and_verify(user):
    video = publish_video(user.account.channels.get())
    alice = local_actor_for_account(user.account)
    instance = ensure_instance_actor()
    follow = activities.follow(instance, "https://peer.example/accounts/peertube", "https://x.example/follows/1")
    sent = [
        (activities.create_video(video), alice),
        (activities.update_video(video), alice),
        (activities.delete_object("https://x.example/v", alice), alice),
        (activities.announce_video(video, instance), instance),
        (follow, instance),
        (activities.undo(follow, instance), instance),
    ]
    for activity, actor in sent:
        signed = sign(activity, actor.private_key_pem, key_id(actor_url(actor)))
        assert verify(signed, actor.public_key_pem), activity["type"]
        assert signer(signed) == activity["actor"]


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a["object"].update(name="Another title"),
        lambda a: a["object"]["url"][0].update(href="https://evil.example/video.m3u8"),
        lambda a: a.update(cc=[]),
        lambda a: a.update(actor="https://evil.example/accounts/mallory"),
        lambda a: a["signature"].update(created="2030-01-01T00:00:00.000Z"),
        lambda a: a["signature"].update(creator="https://evil.example/accounts/mallory"),
    ],
)
def test_a_changed_document_or_signature_does_not_verify(change):
    activity, public_key = signed_fixture("peertube-create-video")
    change(activity)
    assert not verify(activity, public_key)


def test_a_changed_comment_from_mastodon_does_not_verify():
    activity, public_key = signed_fixture("mastodon-create-note")
    activity["object"]["content"] = "<p>Something the author never wrote</p>"
    assert not verify(activity, public_key)


def test_json_shape_changes_that_keep_the_meaning_still_verify():
    """The signature covers the RDF meaning, not the JSON text: a forwarder may reorder or re-serialise."""
    activity, public_key = signed_fixture("peertube-create-video")
    reshaped = json.loads(json.dumps(dict(reversed(list(activity.items()))), indent=4))
    reshaped["cc"] = reshaped["cc"][0]  # a one-item array and its item mean the same in JSON-LD
    assert verify(reshaped, public_key)


def relabel_inner(activity: dict) -> None:
    """An inner @context that moves the comment's text from `content` to `name`: same meaning, other JSON."""
    activity["object"]["@context"] = {"content": "as:nothing", "name": "as:content"}
    activity["object"]["name"] = activity["object"].pop("content")


def relabel_top(activity: dict) -> None:
    """The same through the top-level @context: `summary` now means as:content."""
    activity["@context"] = [*activity["@context"], {"content": "as:summary", "summary": "as:content"}]
    activity["object"]["summary"] = activity["object"].pop("content")


def add_unsigned_term(activity: dict) -> None:
    """A property our handlers read but the document's own context leaves undefined, so no signature covers it."""
    activity["object"]["commentsEnabled"] = False


@pytest.mark.parametrize("rename", [relabel_inner, relabel_top, add_unsigned_term])
def test_a_forwarder_cannot_change_what_we_read_while_keeping_the_signed_meaning(rename):
    activity, public_key = signed_fixture("peertube-create-note")
    renamed = copy.deepcopy(activity)
    rename(renamed)
    assert _signed_text(renamed, renamed["signature"]) == _signed_text(activity, activity["signature"]), (
        "the signature alone cannot tell these apart"
    )
    assert not verify(renamed, public_key)


def test_another_key_does_not_verify(keys):
    activity, _ = signed_fixture("peertube-create-video")
    assert not verify(activity, keys[1])


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "not an object",
        {
            "type": "Ed25519Signature2018",
            "creator": KEY_ID,
            "created": "2026-01-01T00:00:00Z",
            "signatureValue": "AA==",
        },
        {"type": SIGNATURE_TYPE, "created": "2026-01-01T00:00:00Z", "signatureValue": "AA=="},
        {"type": SIGNATURE_TYPE, "creator": KEY_ID, "created": "2026-01-01T00:00:00Z", "signatureValue": "not base64!"},
    ],
)
def test_missing_foreign_or_malformed_signatures_do_not_verify(keys, create_video, signature):
    document = create_video if signature is None else {**create_video, "signature": signature}
    assert not verify(document, keys[1])


def test_a_public_key_that_is_not_rsa_pem_does_not_verify():
    activity, _ = signed_fixture("peertube-create-video")
    assert not verify(activity, "-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----\n")


def test_an_unknown_context_is_refused_without_going_to_the_network(keys, create_video):
    private_pem, public_pem = keys
    signed = sign(create_video, private_pem, KEY_ID)
    elsewhere = {**signed, "@context": [*signed["@context"], "https://contexts.example/extra.jsonld"]}

    assert not verify(elsewhere, public_pem)
    with pytest.raises(UnreadableDocument):
        sign(elsewhere, private_pem, KEY_ID)


def test_documents_naming_blank_nodes_are_refused(keys, create_video):
    """Explicit "_:" nodes are how a crafted document makes canonicalisation take exponential time."""
    private_pem, public_pem = keys
    signed = sign(create_video, private_pem, KEY_ID)
    crafted = {**signed, "object": {**signed["object"], "attributedTo": ["_:b0", "_:b1"]}}
    assert not verify(crafted, public_pem)
    with pytest.raises(UnreadableDocument):
        sign(crafted, private_pem, KEY_ID)


def test_signer_is_none_for_unsigned_documents(create_video):
    assert signer(create_video) is None
    assert signer({**create_video, "signature": {"type": SIGNATURE_TYPE}}) is None
