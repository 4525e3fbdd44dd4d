"""Linked Data signatures (RsaSignature2017): an actor's own signature inside an activity.

An HTTP signature only says who delivered a request. PeerTube forwards activities written by others
(a comment's Create, a Like...) to a video's followers, signed over HTTP by the forwarder, so the
receiver trusts such an activity only if it carries a valid `signature` made with its actor's key.
PeerTube checks that signature whenever the HTTP signer is not the activity's actor, so our activities
must carry one too for PeerTube to forward them.

The signed text is the SHA-256 of the signature options (creator and created, read with the security
context) followed by the SHA-256 of the document without its `signature`, each canonicalised with
URDNA2015 into N-Quads; RSA PKCS#1 v1.5 over SHA-256, base64. docs/ld-signatures.md has the details
and how PeerTube and Mastodon do the same.

Canonicalising means reading the document's @context, so the JSON-LD processor is given a loader that
serves the few context documents kept in federation/contexts/ and refuses every other URL: nothing is
ever fetched, and a document that needs another context does not verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyld import jsonld
from pyld.documentloader.frozen import FrozenDocumentLoader

from federation.protocol.ld import _CONTEXTS, is_hostile
from federation.protocol.signatures import key_owner, private_key

SIGNATURE_TYPE = "RsaSignature2017"

# The context documents a signed document may name, as served at their URLs (see docs/ld-signatures.md
# for where each copy comes from). Any other URL is refused.
_CONTEXTS_DIR = Path(__file__).parent.parent / "contexts"
CONTEXT_DOCUMENTS = {
    "https://www.w3.org/ns/activitystreams": _CONTEXTS_DIR / "activitystreams.jsonld",
    "https://w3id.org/security/v1": _CONTEXTS_DIR / "security-v1.jsonld",
}
_LOADER = FrozenDocumentLoader(CONTEXT_DOCUMENTS)

# The context the signature options are read with: PeerTube's choice. Mastodon reads them with
# https://w3id.org/identity/v1, which defines creator and created exactly as security/v1 does, so
# both give the same canonical options.
_OPTIONS_CONTEXT = ["https://w3id.org/security/v1", {SIGNATURE_TYPE: f"https://w3id.org/security#{SIGNATURE_TYPE}"}]

# What the names our handlers read mean: PeerTube's contexts merged, and the Video terms older PeerTube
# releases still send. A verified document must give these names the same meaning (see verify).
_OUR_CONTEXT = [*_CONTEXTS["merged"], _CONTEXTS["legacyVideoTermsStillAcceptedOnInput"]]
_JSONLD = jsonld.JsonLdProcessor()


class UnreadableDocument(ValueError):
    """A document that cannot be canonicalised: an unknown context, invalid JSON-LD, or blank node ids."""


def sign(document: dict, private_key_pem: str, key_id: str, created: datetime | None = None) -> dict:
    """A copy of the document carrying our RsaSignature2017 by the key `key_id` (replacing any signature).

    Sign the activity exactly as it will be sent, @context included: any later change breaks the
    signature. Raises UnreadableDocument if the document uses a context we do not hold.
    """
    when = (created or datetime.now(UTC)).astimezone(UTC)
    signature = {
        "type": SIGNATURE_TYPE,
        "creator": key_id,
        "created": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    value = private_key(private_key_pem).sign(_signed_text(document, signature), padding.PKCS1v15(), hashes.SHA256())
    return {**document, "signature": {**signature, "signatureValue": base64.b64encode(value).decode()}}


def verify(document: dict, public_key_pem: str) -> bool:
    """True when the document carries an RsaSignature2017 that this public key made over its content.

    False for an unsigned document, another signature type, a changed document, another key, or a
    document that cannot be canonicalised without the network. It says nothing of who the key belongs
    to: the caller fetched it as the key of `signer(document)` and checks that signer is the actor.

    The signature covers the document's meaning, not its JSON, and we read the JSON: a forwarder could
    keep the meaning while renaming properties with an @context of its own (an inner context saying
    "content" means as:name, say). So a document also has to pass `_reads_as_we_do`, and the
    @graph/@reverse/@included forms that `ld.is_hostile` spots are refused as well.
    """
    signature = document.get("signature")
    if not isinstance(signature, dict) or signature.get("type") != SIGNATURE_TYPE:
        return False
    if not isinstance(signature.get("creator"), str) or not isinstance(signature.get("signatureValue"), str):
        return False
    try:
        value = base64.b64decode(signature["signatureValue"], validate=True)
        public_key = serialization.load_pem_public_key(public_key_pem.encode())
    except (binascii.Error, ValueError):
        return False
    if not isinstance(public_key, rsa.RSAPublicKey) or is_hostile(document) or not _reads_as_we_do(document):
        return False
    try:
        public_key.verify(value, _signed_text(document, signature), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, UnreadableDocument):
        return False
    return True


def signer(document: dict) -> str | None:
    """The actor URL whose key the document's LD signature claims (its `creator`), None when unsigned.

    `creator` is a key id: PeerTube writes the bare actor URL, Mastodon `<actor>#main-key`.
    """
    signature = document.get("signature")
    creator = signature.get("creator") if isinstance(signature, dict) else None
    return key_owner(creator) if isinstance(creator, str) and creator else None


def _signed_text(document: dict, signature: dict) -> bytes:
    """Hash of the canonical signature options, then hash of the canonical document, as hex text."""
    options = {key: value for key, value in signature.items() if key not in ("type", "id", "signatureValue")}
    content = {key: value for key, value in document.items() if key != "signature"}
    return (_canonical_hash({**options, "@context": _OPTIONS_CONTEXT}) + _canonical_hash(content)).encode()


def _canonical_hash(document: dict) -> str:
    """SHA-256 (hex) of the document's URDNA2015 N-Quads, contexts read from our own copies only.

    Documents naming blank nodes themselves ("_:...") are refused: no ActivityPub server writes them,
    and they are how a crafted document makes URDNA2015 run for exponential time.
    """
    if _names_blank_node(document):
        raise UnreadableDocument("explicit blank node identifiers are not accepted")
    try:
        nquads = jsonld.normalize(
            document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _LOADER}
        )
    except jsonld.JsonLdError as error:
        raise UnreadableDocument(str(error)) from None
    return hashlib.sha256(nquads.encode()).hexdigest()


def _names_blank_node(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("_:")
    if isinstance(value, dict):
        return any(_names_blank_node(key) or _names_blank_node(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_names_blank_node(item) for item in value)
    return False


def _reads_as_we_do(document: dict) -> bool:
    """True when each name the document uses that our context defines means exactly what it means in ours.

    The document may state meanings only in its top-level @context (no inner or type-scoped contexts);
    names we do not know (Mastodon's atomUri...) are left free, as no handler reads them.
    """
    context = document.get("@context")
    body = {key: value for key, value in document.items() if key not in ("@context", "signature")}
    try:
        used = set(_names_used(body))
    except UnreadableDocument:
        return False
    try:
        theirs = _JSONLD.process_context(_initial_context(), context, {"documentLoader": _LOADER})["mappings"]
    except jsonld.JsonLdError:
        return False
    ours = _our_mappings()
    if any("@context" in definition for definition in theirs.values()):
        return False
    return all(_meaning(theirs.get(name)) == _meaning(ours[name]) for name in used if name in ours)


def _names_used(value: Any) -> Iterator[str]:
    """Every key, type name and compact-IRI prefix in a document; UnreadableDocument on an inner @context."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                raise UnreadableDocument("@context is accepted at the top of the document only")
            yield key
            if key in ("type", "@type"):
                yield from (name for name in (item if isinstance(item, list) else [item]) if isinstance(name, str))
            yield from _names_used(item)
    elif isinstance(value, list):
        for item in value:
            yield from _names_used(item)
    elif isinstance(value, str) and ":" in value and not any(char.isspace() for char in value):
        yield value.split(":", 1)[0]  # "as:Public" depends on what "as" means


def _meaning(definition: dict | None) -> dict | None:
    """A term definition without pyld's bookkeeping of whether it may be redefined."""
    return None if definition is None else {key: value for key, value in definition.items() if key != "protected"}


def _initial_context() -> dict:
    return _JSONLD.process_context(None, None, {"documentLoader": _LOADER})


@cache
def _our_mappings() -> dict:
    return _JSONLD.process_context(_initial_context(), _OUR_CONTEXT, {"documentLoader": _LOADER})["mappings"]
