"""Delete: the origin removed a video we hold (only the video's account, channel or instance may), a comment's
author or its video's origin removed the comment, or a remote account or channel deleted itself (its videos
and its follows of our actors go with it)."""

from __future__ import annotations

from federation.inbound.remote_comments import delete_remote_comment
from federation.inbound.remote_videos import delete_video, speaks_for
from federation.models import Actor, Follow
from federation.outbound.follows import forget_follows
from federation.protocol.ld import id_of
from videos.models import Video


def _videos_of(actor: Actor) -> list[Video]:
    if actor.channel_id is not None:
        return list(Video.objects.filter(is_local=False, channel_id=actor.channel_id))
    if actor.account_id is not None:
        return list(Video.objects.filter(is_local=False, channel__account_id=actor.account_id))
    return []


def handle(activity: dict, sender: Actor) -> None:
    """Forget the deleted video if we hold it and the sender owns it; or every video of a deleted actor."""
    url = id_of(activity.get("object"))
    if url and url == sender.url:
        for video in _videos_of(sender):
            delete_video(video.url, sender.host)
        forget_follows(Follow.objects.filter(actor=sender, target__host=""))  # it follows no one any more
        return
    if delete_remote_comment(url, sender):
        return
    video = Video.objects.select_related("channel__account").filter(url=url, is_local=False).first() if url else None
    if video is not None and speaks_for(sender, video):
        delete_video(url, sender.host)
