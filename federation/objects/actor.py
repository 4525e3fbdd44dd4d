"""Our actors as ActivityPub documents, shaped like PeerTube's (docs/PROTOCOL.md §3.2).

A peer stores what it reads here: the inbox it will deliver to, the public key it will check our
signatures with, and for a channel (Group) the account that owns it, without which PeerTube refuses
the channel and every video in it.
"""

from __future__ import annotations

import datetime

from federation.actors.local import actor_url
from federation.models import Actor
from federation.protocol import ids
from federation.protocol.ld import with_context


def iso_date(value: datetime.datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as PeerTube writes dates."""
    return value.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _names(actor: Actor) -> tuple[str, str | None, datetime.datetime]:
    """(display name, summary, creation date) from the account or channel behind the actor."""
    owner = actor.account or actor.channel
    if owner is None:  # the Application actor: PeerTube names it after its username, with no summary
        return actor.preferred_username, None, actor.created_at
    return owner.display_name, owner.description or None, owner.created_at


def actor_document(actor: Actor) -> dict:
    """The Application, Person or Group document of one of our actors, with its @context."""
    url = actor_url(actor)
    name, summary, published = _names(actor)
    document = {
        "type": actor.type,
        "id": url,
        "following": f"{url}/following",
        "followers": f"{url}/followers",
        "inbox": f"{url}/inbox",
        "outbox": f"{url}/outbox",
        "preferredUsername": actor.preferred_username,
        "url": url,
        "name": name,
        "endpoints": {"sharedInbox": ids.shared_inbox_url()},
        "publicKey": {"id": ids.key_id(url), "owner": url, "publicKeyPem": actor.public_key_pem},
        "published": iso_date(published),
        "summary": summary,
    }
    if actor.channel is not None:
        channel = actor.channel
        document["support"] = channel.support or None
        document["postingRestrictedToMods"] = True  # Lemmy's hint: only the owner posts in a channel
        document["attributedTo"] = [{"type": "Person", "id": ids.account_url(channel.account.name)}]
    return with_context(document, "Actor")
