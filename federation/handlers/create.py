"""Create{Video}: a followed instance publishes a video with the full object embedded."""
from __future__ import annotations

import logging

from federation.follows import is_followed
from federation.models import Actor
from federation.remote_videos import VideoError, import_video

logger = logging.getLogger(__name__)


def handle(activity: dict, sender: Actor) -> None:
    """Import the embedded video when the sender's instance is one we follow."""
    video = activity.get("object")
    if not isinstance(video, dict) or video.get("type") != "Video" or not is_followed(sender):
        return
    try:
        import_video(video, sender.host)
    except VideoError as error:
        logger.warning("Refused a video from %s: %s", sender.url, error)
