"""What each activity type does to us: a routing table, one small module per verb (docs/ARCHITECTURE.md).

Handlers receive an activity whose HTTP signature was verified and whose actor is `sender`; they must
still check that the sender may act on the object (only a video's origin may update or delete it). Types
we do not handle are logged and dropped, as PeerTube drops what it does not know.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from federation.inbound.handlers import accept, announce, create, delete, follow, rate, reject, undo, update, view
from federation.models import Actor

logger = logging.getLogger(__name__)

Handler = Callable[[dict, Actor], None]

HANDLERS: dict[str, Handler] = {
    "Follow": follow.handle,
    "Accept": accept.handle,
    "Reject": reject.handle,
    "Undo": undo.handle,
    "Create": create.handle,
    "Announce": announce.handle,
    "Update": update.handle,
    "Delete": delete.handle,
    "View": view.handle,
    "Like": rate.handle,
    "Dislike": rate.handle,
}


def handle(activity: dict, sender: Actor) -> None:
    """Run the handler of the activity's type, or drop it."""
    handler = HANDLERS.get(activity.get("type", ""))
    if handler is None:
        logger.info("Dropped a %s activity from %s: not handled", activity.get("type"), sender.url)
        return
    handler(activity, sender)
