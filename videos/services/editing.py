"""Changing or removing a video after upload, with the domain signals other apps listen to."""
from __future__ import annotations

from django.db import transaction

from videos.models import Channel, Video
from videos.services.uploads import VideoMetadata, set_tags
from videos.signals import video_deleted, video_updated
from videos.storage import absolute_url

EDITABLE_FIELDS = ("name", "description", "privacy", "category", "licence", "language", "nsfw")


def update_video(video: Video, *, channel: Channel, metadata: VideoMetadata) -> None:
    """Save the edited fields and tags in one transaction; federation hears of it after commit."""
    with transaction.atomic():
        video.channel = channel
        for name in EDITABLE_FIELDS:
            setattr(video, name, getattr(metadata, name))
        video.save()
        set_tags(video, metadata.tags)
        transaction.on_commit(lambda: video_updated.send(sender=Video, video=video))


def delete_video(video: Video) -> None:
    """Delete the video's rows; listeners get its ActivityPub URL since the row is gone."""
    url = video.url or absolute_url(f"/videos/watch/{video.uuid}")
    with transaction.atomic():
        video.delete()
        transaction.on_commit(lambda: video_deleted.send(sender=Video, video=video, url=url))
