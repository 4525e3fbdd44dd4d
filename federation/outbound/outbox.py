"""Telling followers about our videos: the videos app's domain signals become activities and deliveries.

As PeerTube does, a newly federated public video goes out as Create{Video} from its account and as an
Announce from our instance actor and from its channel (instances follow our instance actor, people follow
channels, and PeerTube only shows followers what those actors announce); changes go out as Update, a
video withdrawn from the public as Delete (docs/PROTOCOL.md §3.5, §3.11), and a deleted channel or account
sends a Delete of itself after its videos' ones. Nothing is ever sent about a video that was not public:
its URL alone may be what grants access to it.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from federation.actors.local import (
    actor_url,
    ensure_instance_actor,
    local_actor_for_account,
    local_actor_for_channel,
    local_actor_named,
    video_sharers,
)
from federation.models import Actor, Follow
from federation.objects import activities
from federation.objects.video import has_peer_playable_web_video, is_federated, may_be_shown_before_transcoding
from federation.outbound.deliveries import deliver, follower_inboxes
from federation.protocol.ids import video_url
from federation.queueing import task
from videos.constants import VideoPrivacy, VideoState
from videos.models import Account, Channel, Video
from videos.queueing import queue
from videos.signals import (
    account_deleted,
    channel_deleted,
    video_deleted,
    video_images_ready,
    video_published,
    video_updated,
)


def _followers_of(*actors: Actor | None) -> list[str]:
    """The inboxes of the instance's followers and of these actors' followers."""
    actors = (ensure_instance_actor(), *actors)
    return sorted({inbox for actor in actors if actor is not None for inbox in follower_inboxes(actor)})


def video_audience(video: Video) -> list[str]:
    """Every inbox that heard of the video: followers of the instance, of its account and of its channel."""
    return _followers_of(local_actor_for_account(video.channel.account), local_actor_for_channel(video.channel))


def _announce(video: Video) -> None:
    account = local_actor_for_account(video.channel.account)
    deliver(activities.create_video(video), account, video_audience(video))
    for sharer in video_sharers(video):
        deliver(activities.announce_video(video, sharer), sharer, follower_inboxes(sharer))


def announce_video(video: Video) -> None:
    """A video peers may see now is announced: a new one, or one shown before transcoding (its images are
    ready). Should its publication's Update have overtaken this, PeerTube has fetched the video by then
    and the Announce still makes it list the video."""
    if is_federated(video):
        _announce(video)


def announce_published_video(video: Video) -> None:
    """A video became watchable: announced if it is ours and public; one peers were shown before its ladder
    was ready is updated instead (a second Create would not change PeerTube's copy)."""
    if not is_federated(video):
        return
    if not video.wait_transcoding and has_peer_playable_web_video(video):
        deliver(activities.update_video(video), local_actor_for_account(video.channel.account), video_audience(video))
    else:
        _announce(video)


def send_video_update(video: Video, previous_privacy: int | None) -> None:
    """An edit of a public video goes out as Update; a video made public is announced as if new; a public
    video made private or unlisted is withdrawn with Delete."""
    if not video.is_local or not (video.state == VideoState.PUBLISHED or may_be_shown_before_transcoding(video)):
        return
    was_public = (video.privacy if previous_privacy is None else previous_privacy) == VideoPrivacy.PUBLIC
    account = local_actor_for_account(video.channel.account)
    if is_federated(video) and was_public:
        deliver(activities.update_video(video), account, video_audience(video))
    elif is_federated(video):
        _announce(video)
    elif was_public:
        deliver(activities.delete_object(video_url(str(video.uuid)), account), account, video_audience(video))


def send_video_delete(url: str, account_name: str, channel_name: str) -> None:
    """Delete from the video's account. Its account and channel may have been deleted with it: their actors
    are found by name (they outlive them); with no account actor, nothing was ever sent about the video."""
    account = local_actor_named(Actor.Type.PERSON, account_name)
    if account is not None:
        channel = local_actor_named(Actor.Type.GROUP, channel_name)
        deliver(activities.delete_object(url, account), account, _followers_of(account, channel))


def send_actor_delete(actor_type: str, name: str) -> None:
    """The local actor deletes itself, to its followers and the instance's (PeerTube then forgets it and its
    videos); its follows go, so a namesake taking the actor over starts without them."""
    actor = local_actor_named(actor_type, name)
    if actor is None:
        return
    deliver(activities.delete_object(actor_url(actor), actor), actor, _followers_of(actor))
    Follow.objects.filter(target=actor).delete()


# The receivers below only queue a task of federation.tasks, which calls one of the functions above: building
# activities and deliveries never runs inside, nor decides the outcome of, the publication or edit that
# sent the signal.


def fan_out(name: str, *args: object) -> None:
    """Queue the fan-out task `federation.<name>` after commit; with the broker down, run it here instead
    (database writes only, no request to a peer): its deliveries then wait in their table for the beat
    rather than being lost."""
    job = task(name)
    transaction.on_commit(lambda: queue(job, *args) or job.apply(args=args))


@receiver(video_published, dispatch_uid="federation.announce_published_video")
def on_video_published(sender: type, video: Video, **kwargs: object) -> None:
    if video.is_local:
        fan_out("send_video_published", video.pk)


@receiver(video_images_ready, dispatch_uid="federation.announce_video")
def on_video_images_ready(sender: type, video: Video, **kwargs: object) -> None:
    """Uploaded with waitTranscoding false, a public video is shown to peers as soon as it has a thumbnail
    (with its web-video file), as PeerTube does; its publication then sends an Update."""
    if video.is_local and not video.wait_transcoding:
        fan_out("announce_video", video.pk)


@receiver(video_updated, dispatch_uid="federation.send_video_update")
def on_video_updated(sender: type, video: Video, previous_privacy: int | None = None, **kwargs: object) -> None:
    if video.is_local:
        fan_out("send_video_update", video.pk, previous_privacy)


@receiver(video_deleted, dispatch_uid="federation.send_video_delete")
def on_video_deleted(sender: type, video: Video, url: str, **kwargs: object) -> None:
    """The video row is gone: what the task needs (was it public, whose was it) is read from it here."""
    seen = video.state == VideoState.PUBLISHED or may_be_shown_before_transcoding(video)
    if video.is_local and video.privacy == VideoPrivacy.PUBLIC and seen:
        fan_out("send_video_delete", url, video.channel.account.name, video.channel.name)


@receiver(channel_deleted, dispatch_uid="federation.send_channel_delete")
def on_channel_deleted(sender: type, channel: Channel, **kwargs: object) -> None:
    if channel.is_local:
        fan_out("send_actor_delete", Actor.Type.GROUP, channel.name)


@receiver(account_deleted, dispatch_uid="federation.send_account_delete")
def on_account_deleted(sender: type, account: Account, **kwargs: object) -> None:
    if account.is_local:
        fan_out("send_actor_delete", Actor.Type.PERSON, account.name)


def forward_to_followers(activity: dict, video: Video, sender: Actor) -> None:
    """Pass a peer's activity about one of our videos (a comment) on to everyone who heard of the video,
    except its sender, as PeerTube does. It goes as received, with its author's JSON-LD signature (our
    HTTP signature only says who forwarded it)."""
    inboxes = [inbox for inbox in video_audience(video) if inbox not in (sender.inbox_url, sender.shared_inbox_url)]
    deliver(activity, ensure_instance_actor(), inboxes)
