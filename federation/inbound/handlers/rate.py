"""Like and Dislike: a peer's account rates one of our videos (PeerTube sends rates to the video's origin)."""

from __future__ import annotations

from federation.models import Actor
from federation.objects.video import federated_video_at
from federation.protocol.ld import id_of
from videos.models import Rating
from videos.services.ratings import rate_video


def handle(activity: dict, sender: Actor) -> None:
    """Count the sender's like or dislike (a later one replaces the earlier, as on PeerTube)."""
    video = federated_video_at(id_of(activity.get("object")))
    if video is None or sender.account is None or sender.type != Actor.Type.PERSON:
        return
    kind = Rating.Kind.LIKE if activity["type"] == "Like" else Rating.Kind.DISLIKE
    rate_video(video, sender.account, kind, url=id_of(activity["id"]))
