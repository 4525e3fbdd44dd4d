"""Reactions of transcoding to the video domain's signals (connected in TranscodingConfig.ready)."""

from transcoding.tasks import queue_transcoding
from videos.models import Video
from videos.signals import video_uploaded


def on_video_uploaded(sender, video: Video, **kwargs) -> None:
    queue_transcoding(video)


def connect() -> None:
    video_uploaded.connect(on_video_uploaded, sender=Video, dispatch_uid="transcoding.on_video_uploaded")
