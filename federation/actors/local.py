"""Our local actors: the instance's Application actor, and the Person and Group of each local account and
channel, created with a key pair the first time a peer (or an activity we send) needs them."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from federation.models import Actor
from federation.protocol import http, ids
from federation.protocol.ids import key_id
from federation.protocol.signatures import generate_keypair
from videos.constants import INSTANCE_ACTOR_NAME
from videos.models import Account, Channel, Video


def ensure_instance_actor() -> Actor:
    actor = Actor.objects.filter(type=Actor.Type.APPLICATION, preferred_username=INSTANCE_ACTOR_NAME, host="").first()
    if actor is None:
        private_pem, public_pem = generate_keypair()
        actor = Actor.objects.create(
            type=Actor.Type.APPLICATION,
            preferred_username=INSTANCE_ACTOR_NAME,
            public_key_pem=public_pem,
            private_key_pem=private_pem,
        )
    return actor


def local_actor_named(actor_type: str, name: str) -> Actor | None:
    """Our actor of this type and name, if one was ever made; also when its account or channel was deleted."""
    return Actor.objects.filter(type=actor_type, preferred_username=name, host="").first()


def _get_or_create_local(actor_type: str, name: str, **owner: Account | Channel) -> Actor:
    """The local actor of this owner; two requests racing to create it both end with the same row.

    A deleted namesake's actor (kept, see models.keep_local_actors) is taken over rather than duplicated;
    that happens only when an admin freed the retired name (videos.RetiredHandle).
    The key pair is made outside the transaction (it takes a while); the loser of the race drops its
    pair and reads the winner's row, kept unique by the (preferred_username, host, type) constraint.
    """
    actor = Actor.objects.filter(**owner).first()
    if actor is not None:
        return actor
    orphans = Actor.objects.filter(type=actor_type, preferred_username=name, host="", **dict.fromkeys(owner))
    if orphans.update(**owner):
        return Actor.objects.get(**owner)
    private_pem, public_pem = generate_keypair()
    try:
        with transaction.atomic():
            return Actor.objects.create(
                type=actor_type,
                preferred_username=name,
                public_key_pem=public_pem,
                private_key_pem=private_pem,
                **owner,
            )
    except IntegrityError:
        return Actor.objects.get(**owner)


def local_actor_for_account(account: Account) -> Actor:
    """The Person actor of a local account (PeerTube: an account is a Person)."""
    if not account.is_local:
        raise ValueError(f"{account.handle} is a remote account: its actor comes from its instance.")
    return _get_or_create_local(Actor.Type.PERSON, account.name, account=account)


def local_actor_for_channel(channel: Channel) -> Actor:
    """The Group actor of a local channel (PeerTube: a channel is a Group)."""
    if not channel.is_local:
        raise ValueError(f"{channel.handle} is a remote channel: its actor comes from its instance.")
    return _get_or_create_local(Actor.Type.GROUP, channel.name, channel=channel)


def account_actor_named(name: str) -> Actor | None:
    """Our actor at /accounts/<name>: the instance actor for "peertube", else a local account's Person."""
    if name == INSTANCE_ACTOR_NAME:
        return ensure_instance_actor()
    account = Account.objects.filter(name=name, host="").first()
    return local_actor_for_account(account) if account else None


def channel_actor_named(name: str) -> Actor | None:
    """Our actor at /video-channels/<name>: a local channel's Group."""
    channel = Channel.objects.filter(name=name, host="").select_related("account").first()
    return local_actor_for_channel(channel) if channel else None


def video_sharers(video: Video) -> list[Actor]:
    """Our actors that Announce a public video, as PeerTube's do: the instance actor (instances follow it)
    and the video's channel (people follow channels)."""
    return [ensure_instance_actor(), local_actor_for_channel(video.channel)]


def local_actor_at(url: str) -> Actor | None:
    """Which of our actors an ActivityPub id names (a peer's Follow, say), or None."""
    name = url.rsplit("/", 1)[-1]
    if url == ids.account_url(name):
        return account_actor_named(name)
    if url == ids.channel_url(name):
        return channel_actor_named(name)
    return None


def actor_url(actor: Actor) -> str:
    """An actor's ActivityPub id: built from SIDEWAYS_URL for ours, as the peer gave it for theirs."""
    if not actor.is_local:
        return actor.url
    if actor.type == Actor.Type.GROUP:
        return ids.channel_url(actor.preferred_username)
    return ids.account_url(actor.preferred_username)  # Person, and the Application actor "peertube"


def signer_for(actor: Actor) -> http.Signer:
    """The key a local actor signs its requests with (keyId = actor URL + #main-key, as PeerTube 7.1+)."""
    return http.Signer(key_id=key_id(actor_url(actor)), private_key_pem=actor.private_key_pem)


def followers_url(actor: Actor) -> str:
    """The followers collection of one of our actors (addressing of what it sends)."""
    return f"{actor_url(actor)}/followers"
