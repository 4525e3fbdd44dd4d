"""Peers' comments (PeerTube's `Note`) on the videos we hold, theirs or ours, stored as our Comment rows.

A Note is taken only from its author (the signer must be the account it is attributedTo, on the Note's
own host), only when it answers something we hold: one of our videos or comments, or a remote video or
comment we already have. It is kept as markdown text, as PeerTube writes it; HTML from other software
is reduced to its text. The pages escape it when they show it.
"""

from __future__ import annotations

import logging

from django.utils.dateparse import parse_datetime
from django.utils.html import strip_tags

from federation.models import Actor
from federation.objects.video import federated_video_at
from federation.protocol import ids
from federation.protocol.ids import PUBLIC, host_of, http_url
from federation.protocol.ld import as_list, id_of
from videos.models import Comment, Video
from videos.services.comments import CommentRefused, delete_comment, post_comment

logger = logging.getLogger(__name__)

MAX_TEXT = 10000  # what our comments hold, as PeerTube's


def _local_comment_at(url: str) -> Comment | None:
    """One of our comments by its id `<video>/comments/<pk>` (see videos.links.comment_url)."""
    video_url, _, pk = url.rpartition("/comments/")
    video = federated_video_at(video_url)
    return Comment.objects.filter(video=video, pk=int(pk), url="").first() if video and pk.isdecimal() else None


def answered(url: str | None) -> tuple[Video | None, Comment | None]:
    """What a Note's inReplyTo names among what we hold: (its video, the comment answered or None)."""
    if not url:
        return None, None
    if url.startswith(ids.site() + "/"):
        comment = _local_comment_at(url)
        return (comment.video, comment) if comment else (federated_video_at(url), None)
    comment = Comment.objects.filter(url=url).select_related("video").first()
    if comment is not None:
        return comment.video, comment
    return Video.objects.filter(url=url, is_local=False).first(), None


def _text(note: dict) -> str | None:
    content = note.get("content")
    if not isinstance(content, str):
        return None
    text = content if note.get("mediaType") == "text/markdown" else strip_tags(content)
    return text.strip()[:MAX_TEXT] or None


def import_note(note: object, sender: Actor) -> Comment | None:
    """Store the Note `sender` wrote; the comment, or None when it is not one we take (logged why)."""
    if not isinstance(note, dict) or note.get("type") != "Note":
        return None
    url = http_url(note.get("id"))
    if (
        not url
        or id_of(note.get("attributedTo")) != sender.url
        or host_of(url) != sender.host
        or sender.account is None
    ):
        logger.info("Comment refused from %s: not its author's own Note", sender.url)
        return None
    existing = Comment.objects.filter(url=url).first()
    if existing is not None:
        return existing
    text = _text(note)
    public = PUBLIC in as_list(note.get("to")) + as_list(note.get("cc"))
    video, parent = answered(id_of(note.get("inReplyTo")))
    if text is None or not public or video is None:
        logger.info("Comment %s refused: empty, not public, or answering nothing we hold", url)
        return None
    published = parse_datetime(note["published"]) if isinstance(note.get("published"), str) else None
    try:
        return post_comment(video, sender.account, text, in_reply_to=parent, url=url, created_at=published)
    except CommentRefused as refused:
        logger.info("Comment %s refused: %s", url, refused)
        return None


def delete_remote_comment(url: str | None, sender: Actor) -> bool:
    """The author of a remote comment, or the origin of its video, deleted it; True if we had it."""
    comment = (
        Comment.objects.filter(url=url).select_related("account", "video__channel__account").first() if url else None
    )
    if comment is None:
        return False
    by_author = sender.account_id is not None and sender.account_id == comment.account_id
    by_origin = not comment.video.is_local and host_of(comment.video.url) == sender.host
    if not (by_author or by_origin):
        logger.info("Delete of comment %s refused: %s is neither its author nor its video's origin", url, sender.url)
        return False
    delete_comment(comment)
    return True
