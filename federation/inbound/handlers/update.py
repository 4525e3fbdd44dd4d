"""Update{Video}: the origin changed one of its videos (only its account, channel or instance may).

A video we do not hold yet is imported when its instance is one we follow, as PeerTube does: that is how
a video made public after publication (private or unlisted before) reaches followers.
"""

from __future__ import annotations

from federation.inbound.remote_videos import import_video, speaks_for
from federation.models import Actor
from federation.outbound.follows import is_followed
from videos.models import Video


def handle(activity: dict, sender: Actor) -> None:
    """Refresh the video we hold from the object, if the sender owns it; import it if new from a followed host."""
    video = activity.get("object")
    if not isinstance(video, dict) or video.get("type") != "Video":
        return
    held = Video.objects.select_related("channel__account").filter(url=video.get("id"), is_local=False).first()
    if (held is not None and not speaks_for(sender, held)) or (held is None and not is_followed(sender)):
        return
    import_video(video, sender.host)  # a refused video raises VideoError: the task keeps the reason on the row
