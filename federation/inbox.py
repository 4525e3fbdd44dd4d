"""Receiving activities: check size, type and HTTP signature, store once, handle later in a worker.

Nothing is acted on before its signature verified against the signer's key, and the signer must be the
activity's actor (we do not check Linked Data signatures, so forwarded activities are dropped). A stored
activity is unique by id and content, so a peer redelivering it changes nothing; the handler runs in the
federation_in queue once the row is committed (docs/ARCHITECTURE.md, the life of an incoming activity).
"""
from __future__ import annotations

import hashlib
import json
import logging

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from federation import signatures
from federation.handlers import HANDLERS
from federation.ids import MAX_URL, host_of
from federation.ids import host as our_host
from federation.ld import id_of, is_hostile
from federation.models import Actor, InboxActivity
from federation.remote_actors import ActorError, fetch_actor

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
    return JsonResponse({"status": status, "detail": detail, "title": detail}, status=status,
                        content_type="application/problem+json")


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


def _verified_signer(request: HttpRequest, body: bytes, owner: str) -> Actor:
    """The remote actor `owner` once its key verified the request; refetched once if it changed (rotation)."""
    def verified(actor: Actor) -> Actor:
        signatures.verify_request(request.method, request.path, request.META.get("QUERY_STRING", ""),
                                  request.headers, body, actor.public_key_pem)
        return actor

    try:
        try:
            return verified(fetch_actor(owner))
        except signatures.BadSignature:
            return verified(fetch_actor(owner, refresh=True))
    except ActorError as error:
        raise Refused(401, f"Unknown signer: {error}") from None
    except signatures.MalformedSignature as error:
        raise Refused(400, f"Malformed signature: {error}") from None
    except signatures.BadSignature as error:
        raise Refused(401, f"Invalid signature: {error}") from None


def receive(request: HttpRequest) -> InboxActivity | None:
    """Verify and store one activity; None when it is dropped or was already received. Raises Refused.

    Dropped before any key is fetched, with a success status so the sender does not count a failure:
    activities of a type we do not handle, and activities signed by someone other than their actor (what
    PeerTube forwards — views, likes, comments — carries its server's signature and an LD signature we do
    not check). A redelivery (same id, same bytes) is stored once; the same id with other bytes is a new
    action (PeerTube reuses ids such as `<follower>/follows/<target>` for a follow made again).
    """
    body, activity = _read_activity(request)
    owner = signatures.key_owner(_parsed_signature(request).key_id)
    if host_of(owner) == our_host():
        raise Refused(409, "The sender is this instance itself")
    if owner != id_of(activity["actor"]) or activity["type"] not in HANDLERS:
        logger.info("Dropped a %s activity signed by %s", activity["type"], owner)
        return None
    signer = _verified_signer(request, body, owner)
    from federation.tasks import process_activity

    with transaction.atomic():
        stored, created = InboxActivity.objects.get_or_create(
            ap_id=id_of(activity["id"]), digest=hashlib.sha256(body).hexdigest(),
            defaults={"actor": signer, "payload": activity},
        )
        if created:
            transaction.on_commit(lambda: process_activity.delay(stored.pk))
    return stored if created else None


@csrf_exempt
@require_POST
def inbox(request: HttpRequest, **kwargs: str) -> HttpResponse:
    """The shared inbox and every actor's inbox: all land in the same verified queue."""
    try:
        receive(request)
    except Refused as refused:
        logger.info("Inbox refused an activity from %s: %s", request.headers.get("User-Agent", "?"), refused.detail)
        return _error(refused.status, refused.detail)
    return HttpResponse(status=204)
