"""Absolute URLs of comments: the one place that builds a local comment's ActivityPub id and web address."""

from videos.models import Comment
from videos.storage import absolute_url


def comment_url(comment: Comment) -> str:
    """A remote comment's own id; ours lives under its video's watch URL (PeerTube's layout)."""
    if comment.url:
        return comment.url
    return absolute_url(f"/videos/watch/{comment.video.uuid}/comments/{comment.pk}")
