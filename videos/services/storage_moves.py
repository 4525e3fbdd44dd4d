"""Moving a published video's files between the local disk and object storage (PeerTube's states 6 and 10).

The video stays watchable the whole time: its files are copied first while viewers keep getting them
from where they are; one transaction then points the video at the copies (and back to the published
state); the old copies are deleted only after a grace period (settings.SIDEWAYS_STORAGE_MOVE_GRACE),
so a player that loaded its playlists before the switch finishes its session. Every step can run again:
a copy already complete is kept, so a worker killed mid-move resumes where it stopped (the task is
queued again when a worker starts), and a duplicate message does no harm.
"""

from __future__ import annotations

import copy
import logging

from django.db import transaction

from videos import storage
from videos.constants import FileStorage, VideoState
from videos.models import Video
from videos.signals import send_on_commit, video_updated

logger = logging.getLogger(__name__)

MOVING = {True: VideoState.TO_MOVE_TO_EXTERNAL_STORAGE, False: VideoState.TO_MOVE_TO_FILE_SYSTEM}
FAILED = {True: VideoState.TO_MOVE_TO_EXTERNAL_STORAGE_FAILED, False: VideoState.TO_MOVE_TO_FILE_SYSTEM_FAILED}
TARGET = {True: FileStorage.OBJECT_STORAGE, False: FileStorage.FILE_SYSTEM}
# The states a video may be moved from: published, or a move of it failed (the files are intact where they were).
MOVABLE_STATES = [VideoState.PUBLISHED, *FAILED.values()]


def request_move(video: Video, to_buckets: bool) -> bool:
    """Mark a published local video for a move; False if there is nothing to move (already there, remote,
    not published, or being transcoded). The caller queues videos.move_video_storage after commit."""
    return bool(
        Video.objects.filter(
            pk=video.pk,
            is_local=True,
            state__in=MOVABLE_STATES,
            transcoding_progress__isnull=True,
        )
        .exclude(storage=TARGET[to_buckets])
        .update(state=MOVING[to_buckets], state_error="")
    )


def videos_to_move(to_buckets: bool):
    """The local videos a move of everything in this direction would mark."""
    return Video.objects.filter(is_local=True, state__in=MOVABLE_STATES).exclude(storage=TARGET[to_buckets])


def moving_video_ids() -> list[int]:
    """Videos marked for a move that has not finished: their job is queued again when a worker starts."""
    return list(Video.objects.filter(state__in=list(MOVING.values())).values_list("pk", flat=True))


def moving_to_buckets(video_id: int) -> bool:
    return Video.objects.filter(pk=video_id, state=MOVING[True]).exists()


def move(video_id: int) -> bool:
    """Copy the video's files to the other storage and switch to them; True once switched (by this run)."""
    video = Video.objects.filter(pk=video_id, state__in=list(MOVING.values())).first()
    if video is None:
        return False  # finished by another run, or never asked
    to_buckets = video.state == MOVING[True]
    files = storage.video_media(video)
    try:
        for file in files:
            storage.copy(video, file, to_buckets)
    except Exception as error:
        logger.exception("Moving the files of video %s failed", video.uuid)
        Video.objects.filter(pk=video.pk, state=MOVING[to_buckets]).update(
            state=FAILED[to_buckets], state_error=f"The files could not be copied: {error}"
        )
        return False
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        if locked.state != MOVING[to_buckets]:
            return False
        locked.storage = TARGET[to_buckets]
        locked.state = VideoState.PUBLISHED
        locked.save(update_fields=["storage", "state", "updated_at"])
        send_on_commit(video_updated, Video, video=locked)
    # An edit of the privacy during the copy did not reach the objects (the video was not in the buckets yet).
    storage.apply_privacy(Video.objects.get(pk=video.pk))
    return True


def delete_old_copies(video_id: int, from_buckets: bool) -> None:
    """After the grace period: delete the copies a finished move left in the storage the video is no longer
    in. Nothing is deleted while the video is (again) in that storage or moving."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None or video.storage == TARGET[from_buckets] or video.state in MOVING.values():
        return
    old = copy.copy(video)
    old.storage = TARGET[from_buckets]
    storage.remove_every_file(old, storage.every_file(old))
