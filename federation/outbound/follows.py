"""Following other instances, and being followed: what the admin pages and the API ask for.

Instances follow each other through their Application actors (docs/PROTOCOL.md §3.11): we send a Follow to the
peer's actor inbox and the follow stays pending until the peer's Accept arrives; then we import its catalogue
(federation.inbound.crawl) and it pushes new videos to us.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from federation.actors.local import actor_url, ensure_instance_actor
from federation.actors.remote import ActorError, find_instance_actor
from federation.models import Actor, Follow
from federation.objects import activities
from federation.outbound.deliveries import deliver
from federation.protocol.ids import host as our_host
from videos.models import Account, Channel


class FollowError(Exception):
    """Why a follow or unfollow could not be done, in words for the admin (in the active language; the
    peer's own technical reason, when there is one, stays in English)."""


def count_followers(target: Actor) -> None:
    """Store on one of our accounts or channels how many actors follow it: the REST API shows that number
    (`followersCount`), and the videos app knows nothing of follows."""
    count = Follow.objects.filter(target=target, state=Follow.State.ACCEPTED).count()
    if target.account_id is not None:
        Account.objects.filter(pk=target.account_id).update(followers_count=count)
    elif target.channel_id is not None:
        Channel.objects.filter(pk=target.channel_id).update(followers_count=count)


def forget_follows(follows: QuerySet[Follow]) -> None:
    """Delete these follows of our actors and recount each one's followers."""
    for follow in follows.select_related("target"):
        follow.delete()
        count_followers(follow.target)


def _base_url(host: str) -> str:
    """ "peer.example", "peer.example:8000" or a URL -> "scheme://host[:port]" (https unless a URL says)."""
    value = host.strip().rstrip("/")
    if "://" not in value:
        value = f"https://{value}"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise FollowError(_("“%(value)s” is not a host name such as videos.example.org.") % {"value": host})
    return f"{parts.scheme}://{parts.netloc.lower()}"


def follow_instance(host: str) -> Follow:
    """Follow the instance at `host`: find its Application actor, store a pending Follow, send the Follow."""
    base_url = _base_url(host)
    if urlsplit(base_url).netloc == our_host():
        raise FollowError(_("An instance cannot follow itself."))
    try:
        target = find_instance_actor(base_url)
    except ActorError as error:
        raise FollowError(
            _("Could not follow %(host)s: %(reason)s") % {"host": urlsplit(base_url).netloc, "reason": error}
        ) from error
    us = ensure_instance_actor()
    with transaction.atomic():
        follow, created = Follow.objects.get_or_create(actor=us, target=target)
        if not created and follow.state != Follow.State.REJECTED:
            raise FollowError(_("%(host)s is already followed.") % {"host": target.host})
        follow.state = Follow.State.PENDING
        follow.url = f"{actor_url(us)}/follows/{uuid.uuid4()}"
        follow.save()
        deliver(activities.follow(us, target.url, follow.url), us, [target.inbox_url])
    return follow


def unfollow_instance(host: str) -> None:
    """Stop following `host`: send Undo of the Follow (when it was accepted) and forget it.

    Videos already imported from it stay, as on PeerTube; they just stop receiving updates.
    """
    netloc = urlsplit(_base_url(host)).netloc
    us = ensure_instance_actor()
    follow = instance_following().filter(target__host=netloc).first()
    if follow is None:
        raise FollowError(_("%(host)s is not followed.") % {"host": netloc})
    with transaction.atomic():
        if follow.state == Follow.State.ACCEPTED:
            sent = activities.follow(us, follow.target.url, follow.url)
            deliver(activities.undo(sent, us), us, [follow.target.inbox_url])
        follow.delete()


def instance_following() -> QuerySet[Follow]:
    """The instances our instance actor follows (or asked to), newest first."""
    return Follow.objects.filter(actor=ensure_instance_actor()).select_related("target").order_by("-created_at")


def instance_followers() -> QuerySet[Follow]:
    """The actors following our instance actor, newest first."""
    return Follow.objects.filter(target=ensure_instance_actor()).select_related("actor").order_by("-created_at")


def is_followed(actor: Actor) -> bool:
    """Whether we accept content from this remote actor: its instance is one we follow (accepted)."""
    return instance_following().filter(state=Follow.State.ACCEPTED, target__host=actor.host).exists()
