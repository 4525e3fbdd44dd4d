"""Comments on videos: posting, replying and deleting, and the thread queries the API and pages share.

Federation uses the same functions for the comments peers send us (with their `url` and `created_at`),
so the rules below hold whoever writes. A deleted comment always stays as a tombstone, as PeerTube keeps
it: its replies keep their place in the thread and peers asking for it get a Tombstone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from videos.constants import CommentsPolicy
from videos.models import Account, Comment, User, Video
from videos.signals import comment_deleted, comment_posted, send_on_commit

MAX_COMMENT_LENGTH = 10000  # PeerTube's limit on a comment's text


class CommentRefused(Exception):
    """A comment we do not accept, with the HTTP status PeerTube answers with: 400 for the text, 409 when
    comments are disabled or the parent is deleted, 403 when only the owner may comment."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def comments_open(video: Video, account: Account | None = None) -> bool:
    """Whether `account` may comment `video`. Without an approval queue here, a local video whose owner
    asked for approval takes only its owner's comments; a remote one takes all (its origin reviews them)."""
    if video.comments_policy == CommentsPolicy.DISABLED:
        return False
    if video.comments_policy == CommentsPolicy.REQUIRES_APPROVAL and video.is_local:
        return account is not None and account.pk == video.channel.account_id
    return True


def comments_shown(video: Video) -> bool:
    """PeerTube hides a video's comments, old ones too, while its owner has them disabled."""
    return video.comments_policy != CommentsPolicy.DISABLED


def _check(video: Video, account: Account, text: str, in_reply_to: Comment | None) -> str:
    """The text to store (stripped), or CommentRefused saying what is wrong."""
    text = text.strip()
    if not text:
        raise CommentRefused(_("A comment cannot be empty."))
    if len(text) > MAX_COMMENT_LENGTH:
        raise CommentRefused(_("A comment has at most %(max)d characters.") % {"max": MAX_COMMENT_LENGTH})
    if not comments_shown(video):
        raise CommentRefused(_("Comments are disabled on this video."), status=409)
    if not comments_open(video, account):
        raise CommentRefused(
            _("Comments on this video need its owner's approval, which this instance does not offer."), status=403
        )
    if in_reply_to is not None:
        if in_reply_to.video_id != video.pk:
            raise CommentRefused(_("The comment answered is not on this video."))
        if in_reply_to.is_deleted:
            raise CommentRefused(_("The comment answered was deleted."), status=409)
    return text


def post_comment(
    video: Video,
    account: Account,
    text: str,
    in_reply_to: Comment | None = None,
    url: str = "",
    created_at: datetime.datetime | None = None,
) -> Comment:
    """A new comment (a reply when `in_reply_to` is given) by a local or remote `account`; sends
    comment_posted after commit. Raises CommentRefused for empty or too long text, closed comments, or a
    parent that is deleted or on another video."""
    text = _check(video, account, text, in_reply_to)
    thread = None if in_reply_to is None else (in_reply_to.thread or in_reply_to)
    with transaction.atomic():
        comment = Comment.objects.create(
            video=video,
            account=account,
            text=text,
            in_reply_to=in_reply_to,
            thread=thread,
            url=url,
            created_at=created_at or timezone.now(),
        )
        send_on_commit(comment_posted, Comment, comment=comment)
    return comment


def delete_comment(comment: Comment) -> None:
    """Make the comment a tombstone (text emptied, deleted_at set) and send comment_deleted after commit.

    Deleting a tombstone again does nothing. Reply counts skip tombstones, so they stay right.
    """
    with transaction.atomic():
        updated = Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(
            text="", deleted_at=timezone.now(), updated_at=timezone.now()
        )
        if not updated:
            return
        comment.refresh_from_db(fields=["text", "deleted_at", "updated_at"])
        send_on_commit(comment_deleted, Comment, comment=comment)


def can_delete_comment(user: User | None, comment: Comment) -> bool:
    """Its author, the owner of the video, and moderators and admins may delete a comment."""
    if user is None or not user.is_authenticated or comment.is_deleted:
        return False
    if user.can_see_all_videos:
        return True
    return user.pk in (comment.account.user_id, comment.video.channel.account.user_id)


def comment_threads(video: Video) -> QuerySet[Comment]:
    """The video's root comments (tombstones too), each with PeerTube's reply counters: `total_replies`
    (live comments of the thread) and `total_replies_from_video_author`. Unordered: callers order."""
    live = Q(thread_comments__deleted_at__isnull=True)
    return (
        Comment.objects.filter(video=video, thread__isnull=True)
        .select_related("account", "video__channel__account")
        .annotate(
            total_replies=Count("thread_comments", filter=live),
            total_replies_from_video_author=Count(
                "thread_comments", filter=live & Q(thread_comments__account=F("video__channel__account"))
            ),
        )
    )


def live_comment_count(video: Video) -> int:
    """Comments of the video not deleted (PeerTube's totalNotDeletedComments)."""
    return Comment.objects.filter(video=video, deleted_at__isnull=True).count()


@dataclass
class CommentNode:
    """A comment and its replies, oldest first, to any depth (PeerTube's VideoCommentThreadTree)."""

    comment: Comment
    children: list[CommentNode] = field(default_factory=list)


def comment_trees(roots: list[Comment]) -> list[CommentNode]:
    """The whole threads under these root comments (of one video), read in one query."""
    nodes = {root.pk: CommentNode(root) for root in roots}
    videos = {root.pk: root.video for root in roots}
    replies = Comment.objects.filter(thread__in=roots).select_related("account").order_by("created_at", "pk")
    for reply in replies:
        reply.video = videos[reply.thread_id]  # the same row: URLs and permissions read its channel
        nodes[reply.pk] = CommentNode(reply)
    for node in nodes.values():
        parent = nodes.get(node.comment.in_reply_to_id)
        if parent is not None:
            parent.children.append(node)
    return [nodes[root.pk] for root in roots]


def comment_tree(root: Comment) -> CommentNode:
    """The whole thread under `root` (a root comment)."""
    return comment_trees([root])[0]
