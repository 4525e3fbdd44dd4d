"""Update{Video}: the origin changed one of its videos we hold (only the origin may)."""
from __future__ import annotations

import logging

from federation.models import Actor
from federation.remote_videos import VideoError, import_video
from videos.models import Video

logger = logging.getLogger(__name__)


def handle(activity: dict, sender: Actor) -> None:
    video = activity.get("object")
    if not isinstance(video, dict) or video.get("type") != "Video":
        return
    if not Video.objects.filter(url=video.get("id"), is_local=False).exists():
        return  # not one we hold: an Update does not make us import a video
    try:
        import_video(video, sender.host)
    except VideoError as error:
        logger.warning("Refused an update from %s: %s", sender.url, error)
