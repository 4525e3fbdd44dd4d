"""Accept{Follow}: a peer accepted our follow; we then import its catalogue from its outbox."""
from __future__ import annotations

from django.db import transaction

from federation.ld import id_of
from federation.models import Actor, Follow


def handle(activity: dict, sender: Actor) -> None:
    from federation.tasks import crawl_outbox

    follow_id = id_of(activity.get("object"))
    updated = Follow.objects.filter(url=follow_id, target=sender, actor__host="").exclude(
        state=Follow.State.ACCEPTED
    ).update(state=Follow.State.ACCEPTED)
    if updated:
        transaction.on_commit(lambda: crawl_outbox.delay(sender.pk))
