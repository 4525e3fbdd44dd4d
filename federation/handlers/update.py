"""Update{Video}: the origin changed one of its videos (only the origin may).

A video we do not hold yet is imported when its instance is one we follow, as PeerTube does: that is how
a video made public after publication (private or unlisted before) reaches followers.
"""
from __future__ import annotations

import logging

from federation.follows import is_followed
from federation.models import Actor
from federation.remote_videos import VideoError, import_video
from videos.models import Video

logger = logging.getLogger(__name__)


def handle(activity: dict, sender: Actor) -> None:
    video = activity.get("object")
    if not isinstance(video, dict) or video.get("type") != "Video":
        return
    held = Video.objects.filter(url=video.get("id"), is_local=False).exists()
    if not held and not is_followed(sender):
        return
    try:
        import_video(video, sender.host)
    except VideoError as error:
        logger.warning("Refused an update from %s: %s", sender.url, error)
