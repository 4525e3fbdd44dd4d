"""Accept{Follow}: a peer accepted our follow; we then import its catalogue from its outbox."""

from __future__ import annotations

from federation.models import Actor, Follow
from federation.protocol.ld import id_of
from federation.queueing import task
from videos.queueing import queue_on_commit


def handle(activity: dict, sender: Actor) -> None:
    """Mark our pending follow of the sender accepted and queue the import of its catalogue."""
    follow_id = id_of(activity.get("object"))
    # Only a follow still waiting moves: a rejected one stays so until the admin asks again.
    updated = Follow.objects.filter(url=follow_id, target=sender, actor__host="", state=Follow.State.PENDING).update(
        state=Follow.State.ACCEPTED
    )
    if updated:
        queue_on_commit(task("crawl_outbox"), sender.pk)
