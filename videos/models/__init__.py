"""Thin models of the video domain; behaviour lives in videos.services."""

from .account import Account, Channel, RetiredHandle
from .comment import Comment
from .files import StreamingPlaylist, VideoFile, VideoSource
from .instance import InstanceSettings
from .rating import Rating
from .redundancy import MirroredHost, MirroringSettings, VideoRedundancy
from .user import User
from .video import Tag, Video

__all__ = [
    "Account",
    "Channel",
    "Comment",
    "InstanceSettings",
    "MirroredHost",
    "MirroringSettings",
    "Rating",
    "RetiredHandle",
    "StreamingPlaylist",
    "Tag",
    "User",
    "Video",
    "VideoFile",
    "VideoRedundancy",
    "VideoSource",
]
