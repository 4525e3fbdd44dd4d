"""Create{Video}: a followed instance publishes a video with the full object embedded; Create{Note}: someone
comments on a video we hold (on one of ours, we forward it to our followers, as PeerTube does)."""

from __future__ import annotations

from federation.inbound.remote_comments import import_note
from federation.inbound.remote_videos import import_video
from federation.models import Actor
from federation.outbound.follows import is_followed
from federation.outbound.outbox import forward_to_followers


def handle(activity: dict, sender: Actor) -> None:
    """Import the embedded video when the sender's instance is one we follow, or the embedded comment."""
    created = activity.get("object")
    kind = created.get("type") if isinstance(created, dict) else None
    if kind == "Note":
        comment = import_note(created, sender)
        if comment is not None and comment.video.is_local:
            forward_to_followers(activity, comment.video, sender)
    elif kind == "Video" and is_followed(sender):
        import_video(created, sender.host)  # a refused video raises VideoError: the task keeps the reason on the row
