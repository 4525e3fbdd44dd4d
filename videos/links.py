"""Absolute URLs of accounts, channels, videos and comments: the one place that builds their web addresses,
which are also our ActivityPub ids (PeerTube's layout)."""

from uuid import UUID

from videos.models import Account, Channel, Comment, Video
from videos.storage import absolute_url


def local_account_url(name: str) -> str:
    """Our account's (or the instance actor's) page, and its ActivityPub id."""
    return absolute_url(f"/accounts/{name}")


def local_channel_url(name: str) -> str:
    return absolute_url(f"/video-channels/{name}")


def account_url(account: Account) -> str:
    """A remote account's own id; ours is its page here."""
    return account.url if not account.is_local and account.url else local_account_url(account.name)


def channel_url(channel: Channel) -> str:
    return channel.url if not channel.is_local and channel.url else local_channel_url(channel.name)


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
