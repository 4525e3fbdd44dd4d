"""Making a video watchable once its renditions exist, and the states it goes through on the way.

Transcoding calls these functions (videos never imports transcoding). The rule they keep: the HLS
folder of a video holds exactly the files its database rows name. The caller moves new files in
first under fresh random names; the rows are then switched in one transaction; files no row names
any more are deleted after the commit. A viewer therefore never meets a row without its file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from videos import storage
from videos.constants import VideoState
from videos.models import StreamingPlaylist, Video, VideoFile
from videos.services import catalog_version
from videos.signals import send_on_commit, video_images_ready, video_published, video_updated
from videos.storage import MediaFile, image_files


@dataclass(frozen=True)
class HlsFile:
    """One rendition already in the video's HLS folder: its fragmented MP4 and its own playlist."""

    resolution: int
    width: int | None
    height: int | None
    fps: float
    size: int
    bandwidth: int
    codecs: str
    filename: str
    playlist_filename: str
    has_audio: bool
    has_video: bool
    metadata: dict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class HlsPublication:
    """Everything a transcode made, as file names already in place, plus what it learnt of the video."""

    playlist_filename: str
    segments_sha256_filename: str
    files: list[HlsFile]
    duration: int
    aspect_ratio: float | None
    thumbnail_filename: str = ""
    preview_filename: str = ""


# Only what publishing owns is written, so a concurrent edit of the title or privacy is not undone.
PUBLISHED_FIELDS = ["state", "state_error", "published_at", "duration", "aspect_ratio", "updated_at"]
IMAGE_FIELDS = ["thumbnail_filename", "preview_filename"]


def set_transcoding_progress(video: Video, percent: int | None) -> None:
    """Store the encode's percentage (None once no transcode runs) for the API and the pages."""
    Video.objects.filter(pk=video.pk).update(transcoding_progress=percent)


def show_images(video: Video, thumbnail: str, preview: str) -> None:
    """Give a video still waiting for its first rendition the images (already in place) made from it.

    They are made before any rendition, so a video shown before transcoding (waitTranscoding false) has a
    thumbnail from its first seconds; peers refuse a video without one. Sends video_images_ready.
    """
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        old_images = _set_images(locked, thumbnail, preview)
        locked.save(update_fields=[*IMAGE_FIELDS, "updated_at"])
        send_on_commit(video_images_ready, Video, video=locked)
    storage.remove(locked, old_images)


def publish_hls(video: Video, publication: HlsPublication) -> None:
    """Point the video at these HLS files and make it watchable.

    The first call sends video_published; later ones (the ladder gained renditions) send video_updated, so
    peers holding a copy hear of the new renditions.

    Called again with more renditions as they finish: rows of files still listed keep their ids.
    A publication under another master playlist name replaces the previous one and its files.
    """
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        playlist = _replace_playlist(locked, publication)
        kept = [hls_file.filename for hls_file in publication.files]
        playlist.files.exclude(filename__in=kept).delete()
        for hls_file in publication.files:
            VideoFile.objects.update_or_create(
                playlist=playlist, filename=hls_file.filename, defaults=_file_fields(hls_file)
            )
        old_images = _set_images(locked, publication.thumbnail_filename, publication.preview_filename)
        newly_published = locked.state != VideoState.PUBLISHED
        locked.state = VideoState.PUBLISHED
        locked.state_error = ""
        locked.published_at = locked.published_at or timezone.now()
        locked.duration = publication.duration
        locked.aspect_ratio = publication.aspect_ratio
        locked.save(update_fields=[*PUBLISHED_FIELDS, *IMAGE_FIELDS])
        signal = video_published if newly_published else video_updated
        send_on_commit(signal, Video, video=locked)
    _remove_unlisted_hls_files(locked)
    storage.remove(locked, old_images)


def mark_failed(video: Video, reason: str) -> None:
    """A transcode of a never-published video failed: keep only the original, and say why."""
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        locked.streaming_playlists.all().delete()
        old_images = _set_images(locked, "", "")
        locked.state = VideoState.TRANSCODING_FAILED
        locked.state_error = reason
        locked.transcoding_progress = None
        locked.save(update_fields=["state", "state_error", "transcoding_progress", "updated_at", *IMAGE_FIELDS])
    _remove_unlisted_hls_files(locked)
    storage.remove(locked, old_images)


def mark_to_transcode(video: Video) -> None:
    """A failed video is queued again: it waits for transcoding like a fresh upload."""
    Video.objects.filter(pk=video.pk, state=VideoState.TRANSCODING_FAILED).update(
        state=VideoState.TO_TRANSCODE, state_error="", transcoding_progress=None
    )
    catalog_version.bump_after_commit()  # an update() sends no post_save; the video may be listed again


def _replace_playlist(video: Video, publication: HlsPublication) -> StreamingPlaylist:
    playlist = video.streaming_playlists.filter(playlist_filename=publication.playlist_filename).first()
    video.streaming_playlists.exclude(pk=playlist.pk if playlist else None).delete()
    if playlist is None:
        playlist = StreamingPlaylist.objects.create(
            video=video,
            playlist_filename=publication.playlist_filename,
            segments_sha256_filename=publication.segments_sha256_filename,
        )
    return playlist


def _file_fields(hls_file: HlsFile) -> dict:
    return {
        "resolution": hls_file.resolution,
        "width": hls_file.width,
        "height": hls_file.height,
        "fps": hls_file.fps,
        "size": hls_file.size,
        "bandwidth": hls_file.bandwidth,
        "codecs": hls_file.codecs,
        "playlist_filename": hls_file.playlist_filename,
        "has_audio": hls_file.has_audio,
        "has_video": hls_file.has_video,
        "metadata": hls_file.metadata,
    }


def _set_images(video: Video, thumbnail: str, preview: str) -> list[MediaFile]:
    """Set the image names on the (unsaved) video; return the replaced image files to delete.

    Images the owner chose stay: then the ones given here are the files to delete.
    """
    if video.images_chosen:
        return image_files(thumbnail, preview)
    replaced = image_files(
        video.thumbnail_filename if video.thumbnail_filename != thumbnail else "",
        video.preview_filename if video.preview_filename != preview else "",
    )
    video.thumbnail_filename, video.preview_filename = thumbnail, preview
    return replaced


def _remove_unlisted_hls_files(video: Video) -> None:
    """Delete what no row names: a replaced generation, or files a killed run moved in but never listed."""
    listed = set()
    for playlist in video.streaming_playlists.prefetch_related("files"):
        listed |= {playlist.playlist_filename, playlist.segments_sha256_filename}
        for hls_file in playlist.files.all():
            listed |= {hls_file.filename, hls_file.playlist_filename}
    present = storage.hls_files_present(video)
    storage.remove(video, [file for file in present if file.relative.split("/", 1)[1] not in listed])
