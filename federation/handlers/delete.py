"""Delete: the origin removed a video we hold (only the video's account, channel or instance may)."""
from __future__ import annotations

from federation.ld import id_of
from federation.models import Actor
from federation.remote_videos import delete_video, speaks_for
from videos.models import Video


def handle(activity: dict, sender: Actor) -> None:
    """Forget the deleted video, if we hold it and the sender owns it."""
    url = id_of(activity.get("object"))
    video = Video.objects.select_related("channel__account").filter(url=url, is_local=False).first() if url else None
    if video is not None and speaks_for(sender, video):
        delete_video(url, sender.host)
