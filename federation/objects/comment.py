"""A comment as PeerTube's `Note` (or, once deleted, a `Tombstone` of a Note); see docs/interop.md.

PeerTube fetches every comment by its id before it stores it, and walks up `inReplyTo` to the video, so
each of our comments is served at its id (`federation.endpoints.views.video_comment`); the comments collection
links remote ones by their own ids. The text is markdown, as PeerTube writes it.
"""

from __future__ import annotations

from federation.objects.actor import iso_date
from federation.protocol import ids
from federation.protocol.ld import with_context
from videos.links import comment_url
from videos.models import Comment


def _author_url(comment: Comment) -> str:
    account = comment.account
    return account.url if not account.is_local else ids.account_url(account.name)


def _in_reply_to(comment: Comment) -> str:
    if comment.in_reply_to is not None:
        return comment_url(comment.in_reply_to)
    return comment.video.url if not comment.video.is_local else ids.video_url(str(comment.video.uuid))


def note_object(comment: Comment) -> dict:
    """The comment without @context, addressed to the public and its author's followers."""
    url = comment_url(comment)
    if comment.is_deleted:
        return {
            "type": "Tombstone",
            "id": url,
            "formerType": "Note",
            "inReplyTo": _in_reply_to(comment),
            "published": iso_date(comment.created_at),
            "updated": iso_date(comment.updated_at),
            "deleted": iso_date(comment.deleted_at),
            "url": url,
        }
    return {
        "type": "Note",
        "id": url,
        "to": [ids.PUBLIC],
        "cc": [f"{_author_url(comment)}/followers"],
        "content": comment.text,
        "mediaType": "text/markdown",
        "inReplyTo": _in_reply_to(comment),
        "published": iso_date(comment.created_at),
        "updated": iso_date(comment.updated_at),
        "url": url,
        "attributedTo": _author_url(comment),
        "tag": [],
    }


def comment_document(comment: Comment) -> dict:
    """The Note a peer GETs at the comment's id, with PeerTube's comment @context."""
    return with_context(note_object(comment), "Comment")
