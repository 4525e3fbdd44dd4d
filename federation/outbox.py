"""Telling followers about our videos: the videos app's domain signals become activities and deliveries.

As PeerTube does, a newly federated public video goes out as Create{Video} from its account and as an
Announce from our instance actor and from its channel (instances follow our instance actor, people follow
channels, and PeerTube only shows followers what those actors announce); changes go out as Update, a
video withdrawn from the public as Delete (docs/PROTOCOL.md §3.5, §3.11), and a deleted channel or account
sends a Delete of itself after its videos' ones. Nothing is ever sent about a video that was not public:
its URL alone may be what grants access to it.
"""
from __future__ import annotations

from django.dispatch import receiver

from federation import activities
from federation.actors import (
    actor_url,
    ensure_instance_actor,
    local_actor_for_account,
    local_actor_for_channel,
    local_actor_named,
)
from federation.deliveries import deliver, follower_inboxes
from federation.ids import video_url
from federation.models import Actor, Follow
from videos.constants import VideoPrivacy, VideoState
from videos.models import Account, Channel, Video
from videos.signals import account_deleted, channel_deleted, video_deleted, video_published, video_updated


def _federated(video: Video) -> bool:
    return video.is_local and video.privacy == VideoPrivacy.PUBLIC and video.state == VideoState.PUBLISHED


def _followers_of(*actors: Actor | None) -> list[str]:
    """The inboxes of the instance's followers and of these actors' followers."""
    actors = (ensure_instance_actor(), *actors)
    return sorted({inbox for actor in actors if actor is not None for inbox in follower_inboxes(actor)})


def _audience(video: Video) -> list[str]:
    """Every inbox that heard of the video: followers of the instance, of its account and of its channel."""
    return _followers_of(local_actor_for_account(video.channel.account), local_actor_for_channel(video.channel))


def _announce(video: Video) -> None:
    account = local_actor_for_account(video.channel.account)
    deliver(activities.create_video(video), account, _audience(video))
    for sharer in (ensure_instance_actor(), local_actor_for_channel(video.channel)):
        deliver(activities.announce_video(video, sharer), sharer, follower_inboxes(sharer))


@receiver(video_published, dispatch_uid="federation.announce_published_video")
def announce_published_video(sender: type, video: Video, **kwargs: object) -> None:
    if _federated(video):
        _announce(video)


@receiver(video_updated, dispatch_uid="federation.send_video_update")
def send_video_update(sender: type, video: Video, previous_privacy: int | None = None, **kwargs: object) -> None:
    """An edit of a public video goes out as Update; a video made public is announced as if new; a public
    video made private or unlisted is withdrawn with Delete."""
    if not video.is_local or video.state != VideoState.PUBLISHED:
        return
    was_public = (video.privacy if previous_privacy is None else previous_privacy) == VideoPrivacy.PUBLIC
    account = local_actor_for_account(video.channel.account)
    if _federated(video) and was_public:
        deliver(activities.update_video(video), account, _audience(video))
    elif _federated(video):
        _announce(video)
    elif was_public:
        deliver(activities.delete_object(video_url(str(video.uuid)), account), account, _audience(video))


@receiver(video_deleted, dispatch_uid="federation.send_video_delete")
def send_video_delete(sender: type, video: Video, url: str, **kwargs: object) -> None:
    """Delete from the video's account. Its account and channel may have been deleted with it: their actors
    are found by name (they outlive them); with no account actor, nothing was ever sent about the video."""
    if not _federated(video):
        return
    account = local_actor_named(Actor.Type.PERSON, video.channel.account.name)
    if account is not None:
        channel = local_actor_named(Actor.Type.GROUP, video.channel.name)
        deliver(activities.delete_object(url, account), account, _followers_of(account, channel))


def _send_actor_delete(actor: Actor | None) -> None:
    """The actor deletes itself, to its followers and the instance's (PeerTube then forgets it and its
    videos); its follows go, so a namesake taking the actor over starts without them."""
    if actor is None:
        return
    deliver(activities.delete_object(actor_url(actor), actor), actor, _followers_of(actor))
    Follow.objects.filter(target=actor).delete()


@receiver(channel_deleted, dispatch_uid="federation.send_channel_delete")
def send_channel_delete(sender: type, channel: Channel, **kwargs: object) -> None:
    if channel.is_local:
        _send_actor_delete(local_actor_named(Actor.Type.GROUP, channel.name))


@receiver(account_deleted, dispatch_uid="federation.send_account_delete")
def send_account_delete(sender: type, account: Account, **kwargs: object) -> None:
    if account.is_local:
        _send_actor_delete(local_actor_named(Actor.Type.PERSON, account.name))
