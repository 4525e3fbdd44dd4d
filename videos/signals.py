"""Domain events. Other apps (transcoding, federation) listen; videos never calls them directly.

Each is sent from videos.services after the database transaction commits (send_on_commit), with `video`
as argument.
"""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

video_uploaded = Signal()  # a new original is stored and waits for transcoding
# A new upload's thumbnail and preview are in place, before any rendition (peers may be shown the video then).
video_images_ready = Signal()
video_published = Signal()  # the video became watchable
video_updated = Signal()  # an edit also sends `previous_privacy` (None: the privacy did not change)
video_deleted = Signal()  # sent with `video` (already deleted from the database) and `url`
# Sent after each of its videos' video_deleted, with the deleted `channel` / `account` (names still readable).
channel_deleted = Signal()
account_deleted = Signal()
# Comments and ratings (videos.services.comments / ratings), sent after commit like the others. The author
# may be local or remote: listeners check `comment.account.is_local` / `account.is_local` themselves.
comment_posted = Signal()  # sent with `comment`
comment_deleted = Signal()  # sent with `comment`, now a tombstone (text emptied, deleted_at set)
video_rated = Signal()  # sent with `video`, `account`, `previous` and `kind` ("like", "dislike" or None)


def send_on_commit(signal: Signal, sender: type, **kwargs: object) -> None:
    """Send the signal once the transaction commits, to every receiver even if one raises.

    Receivers only queue work: what they do never decides the outcome of the upload, publication or edit
    that sent the signal, so a receiver's exception is logged, not raised into it.
    """

    def send() -> None:
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                logger.error("Receiver %r failed", receiver, exc_info=result)

    transaction.on_commit(send)
