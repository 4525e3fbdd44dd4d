"""Receiving activities: check size, type and HTTP signature, store once, handle later in a worker.

Nothing is acted on before its signature verified against the signer's key. The signer is the activity's
actor, or — for an activity another actor forwards (PeerTube forwards what others say about its videos,
such as comments) — the forwarder, and then the activity's JSON-LD signature by its actor must verify too
(federation.protocol.ld_signatures); a forwarded activity without one is dropped. A stored
activity is unique by id and content, so a peer redelivering it changes nothing; the handler runs in the
federation_in queue once the row is committed (docs/ARCHITECTURE.md, the life of an incoming activity).

Nothing here may hold a web thread on a peer: the signer's key is fetched within KEY_FETCH_SECONDS, and
an activity whose key is slower is stored with its signed request for the worker to verify first. A
broker that is down does not lose an activity either: the row waits for the sweep
(federation.tasks.queue_unprocessed_activities).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from federation.actors.remote import ActorError, fetch_actor
from federation.inbound.handlers import HANDLERS
from federation.models import Actor, InboxActivity
from federation.protocol import http, ld_signatures, signatures
from federation.protocol.ids import MAX_URL, host_of
from federation.protocol.ids import host as our_host
from federation.protocol.ld import id_of, is_hostile
from federation.queueing import task
from videos.queueing import queue

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 500 * 1024  # PeerTube's own limit for activity bodies
JSON_TYPES = ("application/activity+json", "application/ld+json", "application/json")


class Refused(Exception):
    """An inbox request we do not take; carries the HTTP status and a PeerTube-style error body."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse(
        {"status": status, "detail": detail, "title": detail}, status=status, content_type="application/problem+json"
    )


def _read_activity(request: HttpRequest) -> tuple[bytes, dict]:
    content_type = request.content_type or ""
    if content_type not in JSON_TYPES:
        raise Refused(415, "Activities must be sent as application/activity+json")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "Invalid Content-Length") from None
    if length > MAX_BODY_BYTES:
        raise Refused(413, f"Activities are limited to {MAX_BODY_BYTES} bytes")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, f"Activities are limited to {MAX_BODY_BYTES} bytes")
    try:
        activity = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "The body is not JSON") from None
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
        raise Refused(400, "The body is not an activity")
    if is_hostile(activity):
        raise Refused(400, "@graph, @reverse and @included are not accepted")
    ap_id, actor = id_of(activity.get("id")), id_of(activity.get("actor"))
    if not ap_id or not actor or host_of(ap_id) != host_of(actor) or len(ap_id) > MAX_URL:
        raise Refused(400, "An activity needs an id and an actor on the same host")
    return body, activity


def _parsed_signature(request: HttpRequest) -> signatures.ParsedSignature:
    header = request.headers.get("Signature")
    if not header:
        raise Refused(401, "Activities must carry an HTTP signature")
    try:
        return signatures.parse_signature_header(header)
    except signatures.MalformedSignature as error:
        raise Refused(400, f"Malformed signature: {error}") from None


# How long an inbox request may wait for a signer's key; a slower peer's activity is verified in the worker.
KEY_FETCH_SECONDS = 1.5


@dataclass(frozen=True)
class SignedRequest:
    """What verifying an HTTP signature needs of a POST: kept with an activity whose key was not at hand."""

    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @classmethod
    def of(cls, request: HttpRequest, body: bytes, parsed: signatures.ParsedSignature) -> SignedRequest:
        """Only the headers the signature needs are kept: nothing else of the request (no address) is stored."""
        names = {*parsed.headers, "signature", "digest"}
        headers = {name: value for name, value in request.headers.items() if name.lower() in names}
        return cls(request.path, request.META.get("QUERY_STRING", ""), headers, body)

    @classmethod
    def stored(cls, activity: InboxActivity) -> SignedRequest:
        kept = activity.signed_request
        return cls(kept["path"], kept["query"], kept["headers"], bytes(activity.body))

    def owner(self) -> str:
        """The actor whose key signed the request (the activity's actor, or the one forwarding it)."""
        header = next(value for name, value in self.headers.items() if name.lower() == "signature")
        return signatures.key_owner(signatures.parse_signature_header(header).key_id)

    def verify(self, public_key_pem: str, *, now: datetime | None = None) -> None:
        signatures.verify_request("POST", self.path, self.query, self.headers, self.body, public_key_pem, now=now)


def _signer(signed: SignedRequest, owner: str, *, now: datetime | None = None) -> Actor:
    """The remote actor `owner` once its key verified the request; refetched once if it changed (rotation).

    Raises ActorError, MalformedSignature or BadSignature."""

    def verified(actor: Actor) -> Actor:
        signed.verify(actor.public_key_pem, now=now)
        return actor

    try:
        return verified(fetch_actor(owner))
    except signatures.BadSignature:
        return verified(fetch_actor(owner, refresh=True))


def _author(activity: dict, owner: str, signed: SignedRequest, *, now: datetime | None = None) -> Actor:
    """The actor the handlers act for, once every signature verified: the HTTP signer `owner`, or for a
    forwarded activity its actor, whose JSON-LD signature is checked with its key (refetched once if it
    changed). Raises ActorError, MalformedSignature or BadSignature."""
    signer = _signer(signed, owner, now=now)
    author_url = id_of(activity["actor"])
    if author_url == owner:
        return signer
    author = fetch_actor(author_url)
    if not ld_signatures.verify(activity, author.public_key_pem):
        author = fetch_actor(author_url, refresh=True)
        if not ld_signatures.verify(activity, author.public_key_pem):
            raise signatures.BadSignature("the JSON-LD signature of the activity's actor does not verify")
    return author


def _verified_author(activity: dict, owner: str, signed: SignedRequest) -> Actor | None:
    """The verified author, or None when a key could not be fetched within KEY_FETCH_SECONDS (a slow or
    dripping peer must not hold a web thread). Raises Refused."""
    try:
        with http.deadline(KEY_FETCH_SECONDS):
            return _author(activity, owner, signed)
    except ActorError as error:
        if isinstance(error.__cause__, http.TimedOut):  # fetch_actor wraps the network error it met
            return None
        # Why the key could not be had stays in our log: the caller learns nothing of our network (what a
        # host name resolves to, which addresses we refuse to reach).
        logger.info("Inbox: the key of %s could not be fetched: %s", owner, error)
        raise Refused(401, "Unknown signer: its key could not be fetched") from None
    except signatures.MalformedSignature as error:
        raise Refused(400, f"Malformed signature: {error}") from None
    except signatures.BadSignature as error:
        raise Refused(401, f"Invalid signature: {error}") from None


def _check_without_key(signed: SignedRequest) -> None:
    """What can be refused before the key is at hand: covered headers, date, digest. Raises Refused."""
    try:
        signatures.check_request("POST", signed.headers, signed.body)
    except signatures.MalformedSignature as error:
        raise Refused(400, f"Malformed signature: {error}") from None
    except signatures.BadSignature as error:
        raise Refused(401, f"Invalid signature: {error}") from None


def receive(request: HttpRequest) -> tuple[InboxActivity | None, bool]:
    """Verify and store one activity: (the row, or None when dropped or already received; whether its
    signature is still to be verified by the worker). Raises Refused.

    Dropped before any key is fetched, with a success status so the sender does not count a failure:
    activities of a type we do not handle, and activities signed by someone other than their actor that
    carry no JSON-LD signature by it. A redelivery (same id, same bytes) is stored once; the same id with other bytes is a new
    action (PeerTube reuses ids such as `<follower>/follows/<target>` for a follow made again). A
    redelivery of an activity not handled yet whose message the broker never took is queued again.

    When the signer's key cannot be had within KEY_FETCH_SECONDS, the activity is stored with its signed
    request and the worker verifies it (verify_later) before anything is handled.
    """
    body, activity = _read_activity(request)
    parsed = _parsed_signature(request)
    owner = signatures.key_owner(parsed.key_id)
    if host_of(owner) == our_host():
        raise Refused(409, "The sender is this instance itself")
    author = id_of(activity["actor"])
    if activity["type"] not in HANDLERS or (owner != author and ld_signatures.signer(activity) != author):
        logger.info("Dropped a %s activity signed by %s", activity["type"], owner)
        return None, False
    signed = SignedRequest.of(request, body, parsed)
    _check_without_key(signed)  # before any key is fetched for it
    signer = _verified_author(activity, owner, signed)
    if signer is None:
        logger.info("The key of %s was slow to come: %s is verified in the worker", owner, activity["id"])
    kept = (
        {}
        if signer
        else {"signed_request": {"path": signed.path, "query": signed.query, "headers": signed.headers}, "body": body}
    )
    with transaction.atomic():
        stored, created = InboxActivity.objects.get_or_create(
            ap_id=id_of(activity["id"]),
            digest=hashlib.sha256(body).hexdigest(),
            defaults={"actor": signer, "payload": activity, **kept},
        )
        if created or (stored.processed_at is None and stored.queued_at is None):
            transaction.on_commit(lambda: queue_activity(stored.pk))
    return (stored if created else None), signer is None


def queue_activity(activity_id: int) -> None:
    """Queue the handling of a stored activity; it counts as queued only once the broker took it, so
    federation.tasks.queue_unprocessed_activities finds it otherwise."""
    if queue(task("process_activity"), activity_id):
        InboxActivity.objects.filter(pk=activity_id).update(queued_at=timezone.now())


def verify_later(activity: InboxActivity) -> bool:
    """In the worker: verify the signature kept with the activity (as of when it arrived) and record its
    signer; True when it can be handled. An activity that does not verify is deleted (logged), never handled,
    so a genuine redelivery of the same bytes is stored afresh. Raises ActorError when the signer's instance
    could not be reached (the caller may try again)."""
    signed = SignedRequest.stored(activity)
    try:
        activity.actor = _author(activity.payload, signed.owner(), signed, now=activity.received_at)
    except ActorError as error:
        if isinstance(error.__cause__, http.FetchError) and error.__cause__.retryable:
            raise
        reason = f"unknown signer: {error}"
    except signatures.SignatureError as error:
        reason = f"invalid signature: {error}"
    else:
        activity.signed_request, activity.body = {}, b""
        activity.save(update_fields=["actor", "signed_request", "body"])
        return True
    logger.warning("Dropped activity %s: %s", activity.ap_id, reason)
    activity.delete()
    return False


@csrf_exempt
@require_POST
def inbox(request: HttpRequest, **kwargs: str) -> HttpResponse:
    """The shared inbox and every actor's inbox: all land in the same verified queue.

    204 once stored (or dropped), 202 when the signature is left for the worker to verify."""
    try:
        _stored, verify_later_ = receive(request)
    except Refused as refused:
        logger.info("Inbox refused an activity from %s: %s", request.headers.get("User-Agent", "?"), refused.detail)
        return _error(refused.status, refused.detail)
    return HttpResponse(status=202 if verify_later_ else 204)
