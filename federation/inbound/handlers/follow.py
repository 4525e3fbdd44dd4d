"""Follow: a peer follows one of our actors. Instances are accepted at once, as PeerTube does by default."""

from __future__ import annotations

from federation.actors.local import local_actor_at
from federation.models import Actor, Follow
from federation.objects import activities
from federation.outbound.deliveries import deliver
from federation.outbound.follows import count_followers
from federation.protocol.ids import site
from federation.protocol.ld import id_of


def handle(activity: dict, sender: Actor) -> None:
    """Record the follow of one of our actors as accepted and send the Accept to the follower's own inbox."""
    target = local_actor_at(id_of(activity.get("object")) or "")
    if target is None:
        return
    follow, _ = Follow.objects.update_or_create(
        actor=sender, target=target, defaults={"state": Follow.State.ACCEPTED, "url": id_of(activity["id"])}
    )
    count_followers(target)
    accept = activities.accept(activity, target, f"{site()}/accepts/follows/{follow.pk}")
    deliver(accept, target, [sender.inbox_url])  # PeerTube reads Accept only on the actor's own inbox
