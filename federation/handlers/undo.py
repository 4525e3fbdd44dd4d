"""Undo: a peer takes back a Follow of one of our actors (other undone activities change nothing here)."""
from __future__ import annotations

from federation.follows import forget_follows
from federation.ld import id_of
from federation.models import Actor, Follow


def handle(activity: dict, sender: Actor) -> None:
    """Forget the sender's follow of one of our actors."""
    undone = activity.get("object")
    if isinstance(undone, dict) and undone.get("type") == "Follow":
        forget_follows(Follow.objects.filter(actor=sender, target__host="", url=id_of(undone)))
