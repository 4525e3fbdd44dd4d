"""Reject{Follow}: a peer refused our follow; the admin page shows it as rejected."""

from __future__ import annotations

from federation.models import Actor, Follow
from federation.protocol.ld import id_of


def handle(activity: dict, sender: Actor) -> None:
    """Mark our follow of the sender rejected."""
    Follow.objects.filter(url=id_of(activity.get("object")), target=sender, actor__host="").update(
        state=Follow.State.REJECTED
    )
