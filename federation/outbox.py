"""Telling followers about our videos: the videos app's domain signals become activities and deliveries.

As PeerTube does, a newly federated public video goes out as Create{Video} from its account and as an
Announce from our instance actor and from its channel (instances follow our instance actor, people follow
channels, and PeerTube only shows followers what those actors announce); changes go out as Update, a
video withdrawn from the public as Delete (PROTOCOL.md §3.5, §3.11). Nothing is ever sent about a video
that was not public: its URL alone may be what grants access to it.
"""
from __future__ import annotations

from django.dispatch import receiver

from federation import activities
from federation.actors import ensure_instance_actor, local_actor_for_account, local_actor_for_channel
from federation.deliveries import deliver, follower_inboxes
from federation.ids import video_url
from videos.constants import VideoPrivacy, VideoState
from videos.models import Video
from videos.signals import video_deleted, video_published, video_updated


def _federated(video: Video) -> bool:
    return video.is_local and video.privacy == VideoPrivacy.PUBLIC and video.state == VideoState.PUBLISHED


def _audience(video: Video) -> list[str]:
    """Every inbox that heard of the video: followers of the instance, of its account and of its channel."""
    actors = (ensure_instance_actor(), local_actor_for_account(video.channel.account),
              local_actor_for_channel(video.channel))
    return sorted({inbox for actor in actors for inbox in follower_inboxes(actor)})


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
    if _federated(video):
        account = local_actor_for_account(video.channel.account)
        deliver(activities.delete_object(url, account), account, _audience(video))
