"""Undo: a peer takes back a Follow of one of our actors, or a like or dislike of one of our videos (other
undone activities change nothing here)."""

from __future__ import annotations

from federation.models import Actor, Follow
from federation.outbound.follows import forget_follows
from federation.protocol.ld import id_of
from videos.models import Rating
from videos.services.ratings import rate_video


def handle(activity: dict, sender: Actor) -> None:
    """Forget the sender's follow of one of our actors, or its rating."""
    undone = activity.get("object")
    kind = undone.get("type") if isinstance(undone, dict) else None
    if kind == "Follow":
        forget_follows(Follow.objects.filter(actor=sender, target__host="", url=id_of(undone)))
    elif kind in ("Like", "Dislike") and sender.account is not None:
        rating = Rating.objects.filter(account=sender.account, url=id_of(undone)).select_related("video").first()
        if rating is not None:
            rate_video(rating.video, sender.account, None)
