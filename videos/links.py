"""Absolute URLs of videos and comments: the one place that builds their web addresses, which are also
our ActivityPub ids (PeerTube's layout)."""

from uuid import UUID

from videos.models import Comment, Video
from videos.storage import absolute_url


def watch_url(uuid: UUID | str) -> str:
    """Our video's watch page, and its ActivityPub id."""
    return absolute_url(f"/videos/watch/{uuid}")


def video_url(video: Video) -> str:
    """A remote video's own id; ours is its watch page."""
    return video.url if not video.is_local and video.url else watch_url(video.uuid)


def comment_url(comment: Comment) -> str:
    """A remote comment's own id; ours lives under its video's watch URL."""
    if comment.url:
        return comment.url
    return f"{watch_url(comment.video.uuid)}/comments/{comment.pk}"
