"""Turning an uploaded file into a Video, so that a failed upload never leaves half a video behind.

The web form, the legacy API upload and the resumable API upload all end here with a complete file
in the temporary folder. The file is probed (ffprobe + a short decode) before anything is stored;
then it is moved into place with one rename and the rows are written in one transaction. If either
step fails, both are undone. Transcoding starts from the `video_uploaded` signal, after commit.
"""

from __future__ import annotations

import datetime
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from videos import resumable, storage
from videos.constants import UPLOAD_EXTENSIONS, CommentsPolicy, VideoPrivacy, VideoState
from videos.downloads import RemuxError
from videos.models import Channel, Tag, User, Video, VideoSource
from videos.probe import ProbeError, check_decodable, probe
from videos.services.web_videos import add_original_web_video
from videos.signals import send_on_commit, video_uploaded
from videos.storage import original_dir


class UploadRejected(Exception):
    """An upload we refuse, with the HTTP status and PeerTube error code to answer with."""

    def __init__(self, message: str, status: int = 400, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


@dataclass
class VideoMetadata:
    """What the uploader says about the video (already validated for types and lengths)."""

    name: str
    description: str = ""
    support: str = ""
    privacy: int = VideoPrivacy.PUBLIC
    category: int | None = None
    licence: int | None = None
    language: str = ""
    tags: list[str] = field(default_factory=list)
    nsfw: bool = False
    comments_policy: int = CommentsPolicy.ENABLED
    download_enabled: bool = True
    wait_transcoding: bool = True
    originally_published_at: datetime.datetime | None = None


def quota_used(user: User, since: datetime.datetime | None = None) -> int:
    """Bytes of originals the user has stored (PeerTube counts uploads against the quota)."""
    sources = VideoSource.objects.filter(video__channel__account__user=user)
    if since is not None:
        sources = sources.filter(created_at__gte=since)
    return sources.aggregate(total=Sum("size"))["total"] or 0


def check_upload_allowed(user: User, size: int) -> None:
    """Refuse, before receiving anything, a file over the size limit or over the user's quotas."""
    if size > settings.SIDEWAYS_MAX_UPLOAD_SIZE:
        raise UploadRejected(
            f"The file is too large: the limit is {settings.SIDEWAYS_MAX_UPLOAD_SIZE} bytes.",
            status=413,
            code="max_file_size_reached",
        )
    if user.video_quota < 0 and user.video_quota_daily < 0:
        return
    # The user's open resumable uploads count as if stored (see resumable.reserved_bytes).
    claimed = size + resumable.reserved_bytes(user.pk)
    if user.video_quota >= 0 and quota_used(user) + claimed > user.video_quota:
        raise UploadRejected("The user video quota is exceeded with this video.", status=413, code="quota_reached")
    if user.video_quota_daily >= 0:
        day_ago = timezone.now() - datetime.timedelta(days=1)
        if quota_used(user, since=day_ago) + claimed > user.video_quota_daily:
            raise UploadRejected(
                "The user video daily quota is exceeded with this video.", status=413, code="quota_reached"
            )


def may_upload(user: User | None) -> bool:
    """Logged-in local users may upload unless their quota is zero (PeerTube's way to deny uploads)."""
    return bool(user is not None and user.is_authenticated and user.video_quota != 0)


def check_channel_owner(user: User, channel: Channel) -> None:
    if channel.account.user_id != user.pk:
        raise UploadRejected("Cannot use this video channel: it is not one of yours.", status=400)


def upload_extension(filename: str) -> str:
    """The file name's extension, lower-cased, if it is one of UPLOAD_EXTENSIONS; else a 400 UploadRejected.

    ffprobe decides whether a file is a video, but the name is what browsers and download managers act
    on: a real MP3 named track.js is a script too. So only the extensions we advertise are taken, and
    nothing we serve keeps the uploader's name anyway (videos.services.web_videos names what it publishes).
    """
    suffix = Path(filename).suffix.lower()
    if suffix not in UPLOAD_EXTENSIONS:
        raise UploadRejected(
            _("“%(name)s” is not a video file name we accept: it must end with one of %(allowed)s.")
            % {"name": Path(filename).name, "allowed": " ".join(UPLOAD_EXTENSIONS)},
            status=400,
        )
    return suffix


def accept_upload(
    *, user: User, channel: Channel, metadata: VideoMetadata, temp_path: Path, original_filename: str
) -> Video:
    """Validate the complete file at temp_path and store it as a new video waiting for transcoding.

    The temporary file is always consumed: moved into place on success, deleted on any refusal.
    """
    try:
        extension = upload_extension(original_filename)
        check_channel_owner(user, channel)
        size = temp_path.stat().st_size
        check_upload_allowed(user, size)
        try:
            info = probe(temp_path)
            check_decodable(temp_path, info)
        except ProbeError as error:
            raise UploadRejected(f"This file cannot be used as a video: {error}", status=422) from error
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise

    video_uuid = uuid.uuid4()
    folder = original_dir(video_uuid)
    folder.mkdir(parents=True, exist_ok=False)
    stored = folder / f"source{extension}"
    try:
        shutil.move(temp_path, stored)  # a rename: the temp folder is on the same disk
        with transaction.atomic():
            video = Video.objects.create(
                uuid=video_uuid,
                channel=channel,
                name=metadata.name,
                description=metadata.description,
                support=metadata.support,
                privacy=metadata.privacy,
                category=metadata.category,
                licence=metadata.licence,
                language=metadata.language,
                nsfw=metadata.nsfw,
                comments_policy=metadata.comments_policy,
                download_enabled=metadata.download_enabled,
                wait_transcoding=metadata.wait_transcoding,
                originally_published_at=metadata.originally_published_at,
                state=VideoState.TO_TRANSCODE,
                duration=round(info.duration),
                aspect_ratio=info.video.aspect_ratio if info.video else None,
                storage=storage.storage_for_new_videos(),
            )
            set_tags(video, metadata.tags)
            VideoSource.objects.create(
                video=video,
                filename=Path(original_filename).name[:255],
                path=str(stored.relative_to(settings.ORIGINALS_DIR)),
                size=size,
                metadata=info.raw,
            )
            try:
                add_original_web_video(video, stored, info)
            except RemuxError as error:
                raise UploadRejected(f"This file cannot be used as a video: {error}", status=422) from error
            if storage.in_buckets(video):
                # Before commit: a worker on another machine fetches the original from its bucket.
                local_files = storage.video_media(video)
                storage.send_to_buckets(video, local_files)
            send_on_commit(video_uploaded, Video, video=video)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        temp_path.unlink(missing_ok=True)
        raise
    return video


def set_tags(video: Video, names: list[str]) -> None:
    tags = [Tag.objects.get_or_create(name=name)[0] for name in dict.fromkeys(names)]
    video.tags.set(tags)


def temp_upload_path() -> Path:
    """A fresh name in the upload folder for a file being received."""
    folder = Path(settings.UPLOAD_TMP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"upload-{uuid.uuid4().hex}.part"


def keep_uploaded_file(upload: UploadedFile) -> Path:
    """Move a file Django received (spooled to disk when big) to a fresh temporary name for accept_upload."""
    temp_path = temp_upload_path()
    if hasattr(upload, "temporary_file_path"):
        shutil.move(upload.temporary_file_path(), temp_path)
    else:
        with temp_path.open("wb") as target:
            for chunk in upload.chunks():
                target.write(chunk)
    return temp_path
