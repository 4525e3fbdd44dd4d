"""Changing or removing a video after upload, with the domain signals other apps listen to."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from videos import storage
from videos.constants import IMAGE_MAX_SIZE
from videos.images import ImageError, drawn_from
from videos.links import video_url
from videos.models import Channel, Video
from videos.services.uploads import VideoMetadata, keep_uploaded_file, set_tags
from videos.signals import send_on_commit, video_deleted, video_updated
from videos.storage import image_files, store_images

EDITABLE_FIELDS = ("name", "description", "privacy", "category", "licence", "language", "nsfw")


def save_edits(video: Video, changes: dict[str, object], tags: list[str] | None = None) -> None:
    """Save the edited columns (and tags) in one transaction; federation hears of it after commit.

    Only the edited columns are written: the worker may be publishing this video at the same moment.
    """
    previous_privacy = video.privacy
    with transaction.atomic():
        for attribute, value in changes.items():
            setattr(video, attribute, value)
        video.save(update_fields=[*changes, "updated_at"])
        if video.privacy != previous_privacy:
            # Before commit: a video made private must not stay readable at its bucket URL.
            storage.apply_privacy(video)
        if tags is not None:
            set_tags(video, tags)
        send_on_commit(video_updated, Video, video=video, previous_privacy=previous_privacy)


@contextmanager
def drawn_from_uploads(
    thumbnail: UploadedFile | None, preview: UploadedFile | None
) -> Iterator[tuple[Path, Path] | None]:
    """The thumbnail and preview drawn from an owner's uploaded pictures (None when neither was sent),
    for set_chosen_images within the block. Raises ImageError for a file too large or not a picture."""
    uploads = [upload for upload in (thumbnail, preview) if upload is not None]
    if not uploads:
        yield None
        return
    if any(upload.size > IMAGE_MAX_SIZE for upload in uploads):
        raise ImageError(f"An image may weigh at most {IMAGE_MAX_SIZE // 2**20} MB.")
    staged = {upload: keep_uploaded_file(upload) for upload in uploads}
    try:
        with drawn_from(staged[thumbnail or preview], staged[preview] if preview else None) as images:
            yield images
    finally:
        for path in staged.values():
            path.unlink(missing_ok=True)


def set_chosen_images(video: Video, thumbnail: Path, preview: Path) -> None:
    """Make images drawn from the owner's pictures (videos.images.drawn_from) the video's thumbnail and
    preview; it keeps them through any later transcoding (`images_chosen`)."""
    thumbnail_name, preview_name = store_images(video, thumbnail, preview)
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        replaced = image_files(locked.thumbnail_filename, locked.preview_filename)
        video.thumbnail_filename, video.preview_filename, video.images_chosen = thumbnail_name, preview_name, True
        video.save(update_fields=["thumbnail_filename", "preview_filename", "images_chosen", "updated_at"])
        transaction.on_commit(lambda: storage.remove(locked, replaced))
        send_on_commit(video_updated, Video, video=video)


def update_video(video: Video, *, channel: Channel, metadata: VideoMetadata) -> None:
    """Apply the web form's edit of every editable field."""
    save_edits(
        video, {"channel": channel, **{name: getattr(metadata, name) for name in EDITABLE_FIELDS}}, metadata.tags
    )


def delete_video(video: Video) -> None:
    """Delete the rows, then (once committed) the files; listeners get the URL since the row is gone."""
    url = video_url(video)
    files = storage.every_file(video)
    with transaction.atomic():
        video.delete()
        transaction.on_commit(lambda: storage.remove_every_file(video, files))
        send_on_commit(video_deleted, Video, video=video, url=url)
