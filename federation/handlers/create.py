"""Create{Video}: a followed instance publishes a video with the full object embedded."""
from __future__ import annotations

from federation.follows import is_followed
from federation.models import Actor
from federation.remote_videos import import_video


def handle(activity: dict, sender: Actor) -> None:
    """Import the embedded video when the sender's instance is one we follow."""
    video = activity.get("object")
    if not isinstance(video, dict) or video.get("type") != "Video" or not is_followed(sender):
        return
    import_video(video, sender.host)  # a refused video raises VideoError: the task keeps the reason on the row
