"""Telling followers about our videos: the videos app's domain signals become activities and deliveries.

As PeerTube does, a newly published public video goes out as Create{Video} from its account and as an
Announce from our instance actor (instances follow our instance actor, and PeerTube only shows them what
that actor announces); changes go out as Update, removals as Delete (PROTOCOL.md §3.5, §3.11).
"""
from __future__ import annotations

from django.dispatch import receiver

from federation import activities
from federation.actors import ensure_instance_actor, local_actor_for_account
from federation.deliveries import deliver, follower_inboxes
from federation.ids import video_url
from federation.models import Actor
from videos.constants import VideoPrivacy, VideoState
from videos.models import Video
from videos.signals import video_deleted, video_published, video_updated


def _federated(video: Video) -> bool:
    return video.is_local and video.privacy == VideoPrivacy.PUBLIC and video.state == VideoState.PUBLISHED


def _audience(account_actor: Actor) -> list[str]:
    return sorted(set(follower_inboxes(ensure_instance_actor())) | set(follower_inboxes(account_actor)))


@receiver(video_published, dispatch_uid="federation.announce_published_video")
def announce_published_video(sender: type, video: Video, **kwargs: object) -> None:
    if not _federated(video):
        return
    account = local_actor_for_account(video.channel.account)
    instance = ensure_instance_actor()
    deliver(activities.create_video(video), account, _audience(account))
    deliver(activities.announce_video(video, instance), instance, follower_inboxes(instance))


@receiver(video_updated, dispatch_uid="federation.send_video_update")
def send_video_update(sender: type, video: Video, **kwargs: object) -> None:
    """An edit goes out as Update; a published video made private or unlisted is withdrawn with Delete."""
    if not video.is_local or video.state != VideoState.PUBLISHED:
        return
    account = local_actor_for_account(video.channel.account)
    if _federated(video):
        deliver(activities.update_video(video), account, _audience(account))
    else:
        deliver(activities.delete_object(video_url(str(video.uuid)), account), account, _audience(account))


@receiver(video_deleted, dispatch_uid="federation.send_video_delete")
def send_video_delete(sender: type, video: Video, url: str, **kwargs: object) -> None:
    if not video.is_local:
        return
    account = local_actor_for_account(video.channel.account)
    deliver(activities.delete_object(url, account), account, _audience(account))
