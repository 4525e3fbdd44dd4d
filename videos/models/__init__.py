"""Thin models of the video domain; behaviour lives in videos.services."""
from .account import Account, Channel, RetiredHandle
from .files import StreamingPlaylist, VideoFile, VideoSource
from .instance import InstanceSettings
from .user import User
from .video import Tag, Video

__all__ = [
    "Account", "Channel", "InstanceSettings", "RetiredHandle", "StreamingPlaylist", "Tag", "User", "Video", "VideoFile",
    "VideoSource",
]
