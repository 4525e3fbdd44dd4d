"""Follow: a peer follows one of our actors. Instances are accepted at once, as PeerTube does by default."""
from __future__ import annotations

from federation import activities
from federation.actors import ensure_instance_actor, local_actor_for_account, local_actor_for_channel
from federation.deliveries import deliver
from federation.ids import account_url, channel_url, instance_actor_url, site
from federation.ld import id_of
from federation.models import Actor, Follow
from videos.models import Account, Channel


def _local_actor(url: str) -> Actor | None:
    """Which of our actors a Follow's object names: the instance, an account or a channel."""
    if url == instance_actor_url():
        return ensure_instance_actor()
    name = url.rsplit("/", 1)[-1]
    if url == account_url(name) and (account := Account.objects.filter(host="", name=name).first()):
        return local_actor_for_account(account)
    if url == channel_url(name) and (channel := Channel.objects.filter(host="", name=name).first()):
        return local_actor_for_channel(channel)
    return None


def handle(activity: dict, sender: Actor) -> None:
    """Record the follow of one of our actors as accepted and send the Accept to the follower's own inbox."""
    target = _local_actor(id_of(activity.get("object")) or "")
    if target is None:
        return
    follow, _ = Follow.objects.update_or_create(
        actor=sender, target=target, defaults={"state": Follow.State.ACCEPTED, "url": id_of(activity["id"])}
    )
    accept = activities.accept(activity, target, f"{site()}/accepts/follows/{follow.pk}")
    deliver(accept, target, [sender.inbox_url])  # PeerTube reads Accept only on the actor's own inbox
