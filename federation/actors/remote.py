"""Remote actors: fetched from their instance, checked, cached as Actor rows and refreshed when stale.

Peers' actors carry the public keys we verify their signatures with, and the inboxes we deliver to. We only
store what passes PeerTube's own receiving rules (docs/PROTOCOL.md §3.2), so a malformed actor never becomes a
row another part trusts. Accounts (Person) and channels (Group) also get their videos.Account/Channel twin,
which is what remote videos hang from.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from federation.actors.local import ensure_instance_actor, signer_for
from federation.models import Actor
from federation.protocol import http
from federation.protocol.ids import host_of, http_url
from federation.protocol.ld import as_list, id_of
from videos.constants import ACTOR_NAME_PATTERN, DESCRIPTION_MAX_LENGTH, DISPLAY_NAME_MAX_LENGTH
from videos.models import Account, Channel

REFRESH_AFTER = timedelta(days=2)  # PeerTube refreshes remote actors on this rhythm too
# A forced refresh (a signature that did not verify) fetches at most this often, so a stream of bad
# requests naming some actor cannot make us hammer that actor's server.
REFETCH_AT_MOST_EVERY = timedelta(minutes=1)
ACTOR_TYPES = {choice.value for choice in Actor.Type}
USERNAME = re.compile(ACTOR_NAME_PATTERN)
APPLICATION_REL = "https://www.w3.org/ns/activitystreams#Application"


class ActorError(Exception):
    """A remote actor could not be fetched or is not a valid actor; the message says which and why."""


def _url(value: object, field: str) -> str:
    url = http_url(id_of(value))
    if url is None:
        raise ActorError(f"the actor's {field} is not a URL")
    return url


def _own_url(value: object, field: str, actor_url: str) -> str:
    """A URL of the actor's own instance: an actor may not point our deliveries or crawls at another host."""
    url = _url(value, field)
    if host_of(url) != host_of(actor_url):
        raise ActorError(f"the actor's {field} is on another host")
    return url


def _parse(document: dict, expected_url: str) -> dict:
    """The fields we keep of an actor document, or ActorError when PeerTube would refuse it too."""
    if document.get("type") not in ACTOR_TYPES:
        raise ActorError("the document is not an actor")
    url = _url(document.get("id"), "id")
    if url != expected_url or host_of(url) != host_of(expected_url):
        raise ActorError("the actor's id is not the URL it was fetched from")
    username = document.get("preferredUsername")
    if not isinstance(username, str) or not USERNAME.match(username):
        raise ActorError("the actor has no valid preferredUsername")
    key = document.get("publicKey") or {}
    pem = key.get("publicKeyPem") if isinstance(key, dict) else None
    if not isinstance(pem, str) or "BEGIN PUBLIC KEY" not in pem or id_of(key.get("owner")) != url:
        raise ActorError("the actor has no public key of its own")
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    shared_inbox = endpoints.get("sharedInbox")
    owner = None
    if document["type"] == Actor.Type.GROUP:
        people = [id_of(item) for item in as_list(document.get("attributedTo"))]
        owner = next((person for person in people if person and host_of(person) == host_of(url)), None)
        if owner is None:
            raise ActorError("a channel (Group) must name its account in attributedTo")
    name = document.get("name") if isinstance(document.get("name"), str) else username
    summary = document.get("summary") if isinstance(document.get("summary"), str) else ""
    return {
        "type": document["type"],
        "url": url,
        "preferred_username": username,
        "host": host_of(url),
        "inbox_url": _own_url(document.get("inbox"), "inbox", url),
        "shared_inbox_url": _own_url(shared_inbox, "shared inbox", url) if shared_inbox else "",
        "outbox_url": _own_url(document["outbox"], "outbox", url) if document.get("outbox") else "",
        "public_key_pem": pem,
        "display_name": (name.strip() or username)[:DISPLAY_NAME_MAX_LENGTH],
        "summary": summary[:DESCRIPTION_MAX_LENGTH],
        "owner": owner,
    }


def _twin(fields: dict, owner: Actor | None) -> dict:
    """The videos.Account (Person, Application) or videos.Channel (Group) a remote actor stands for."""
    defaults = {"display_name": fields["display_name"], "description": fields["summary"], "url": fields["url"]}
    key = {"name": fields["preferred_username"], "host": fields["host"]}
    if fields["type"] == Actor.Type.GROUP:
        assert owner is not None and owner.account is not None
        channel, _ = Channel.objects.update_or_create(**key, defaults={**defaults, "account": owner.account})
        return {"channel": channel}
    account, _ = Account.objects.update_or_create(**key, defaults=defaults)
    return {"account": account}


def _store(fields: dict) -> Actor:
    owner = fetch_actor(fields["owner"]) if fields["owner"] else None
    if owner is not None and owner.account is None:
        raise ActorError("a channel's owner must be an account")
    columns = {
        "type": fields["type"],
        "preferred_username": fields["preferred_username"],
        "host": fields["host"],
        "inbox_url": fields["inbox_url"],
        "shared_inbox_url": fields["shared_inbox_url"],
        "outbox_url": fields["outbox_url"],
        "public_key_pem": fields["public_key_pem"],
        "last_fetched_at": timezone.now(),
    }
    try:
        with transaction.atomic():
            columns.update(_twin(fields, owner))
            actor, _ = Actor.objects.update_or_create(url=fields["url"], defaults=columns)
    except IntegrityError:  # another worker stored it meanwhile: theirs is as fresh as ours
        actor = Actor.objects.get(url=fields["url"])
    return actor


def fetch_actor(url: str, *, refresh: bool = False) -> Actor:
    """The remote actor with this id: from the cache, or fetched (signed by our instance actor) and stored.

    A cached actor older than REFRESH_AFTER is fetched again; with `refresh` (a signature that no longer
    verifies may mean the peer rotated its key), one older than REFETCH_AT_MOST_EVERY is. Raises ActorError for an unreachable or invalid actor.
    """
    actor = Actor.objects.filter(url=url).exclude(host="").first()
    age = timezone.now() - actor.last_fetched_at if actor is not None and actor.last_fetched_at else None
    if age is not None and age < (REFETCH_AT_MOST_EVERY if refresh else REFRESH_AFTER):
        return actor
    if refresh and actor is not None:
        # Recorded before fetching: a refetch that fails (peer down, broken document) counts too, or every
        # further bad request would fetch again.
        Actor.objects.filter(pk=actor.pk).update(last_fetched_at=timezone.now())
    try:
        document = http.get_json(url, signer=signer_for(ensure_instance_actor()))
    except http.FetchError as error:
        if actor is not None and not refresh:
            return actor  # a peer briefly down keeps its cached actor
        raise ActorError(f"could not fetch the actor {url}: {error}") from error
    return _store(_parse(document, url))


def find_instance_actor(base_url: str) -> Actor:
    """The Application actor of the instance at `base_url` ("https://host[:port]"), as PeerTube finds it.

    NodeInfo's FEP-2677 link first, then WebFinger for peertube@host (docs/PROTOCOL.md §3.8, §3.11).
    """
    actor_url = None
    try:
        links = http.get_json(f"{base_url}/.well-known/nodeinfo", accept="application/json").get("links")
        actor_url = next(
            (
                id_of(link.get("href"))
                for link in as_list(links)
                if isinstance(link, dict) and link.get("rel") == APPLICATION_REL
            ),
            None,
        )
    except http.FetchError:
        pass
    if actor_url is None:
        resource = f"acct:peertube@{host_of(base_url)}"
        try:
            finger = http.get_json(
                f"{base_url}/.well-known/webfinger?resource={resource}", accept="application/jrd+json, application/json"
            )
        except http.FetchError as error:
            raise ActorError(
                f"{host_of(base_url)} does not answer as a PeerTube-compatible instance ({error})"
            ) from error
        actor_url = next(
            (
                id_of(link.get("href"))
                for link in as_list(finger.get("links"))
                if isinstance(link, dict) and link.get("rel") == "self"
            ),
            None,
        )
    if actor_url is None or host_of(actor_url) != host_of(base_url):
        raise ActorError(f"{host_of(base_url)} does not publish an instance actor")
    actor = fetch_actor(actor_url)
    if actor.type != Actor.Type.APPLICATION:
        raise ActorError(f"{host_of(base_url)}'s instance actor is not an Application")
    return actor
