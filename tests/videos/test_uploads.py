"""accept_upload: a good file becomes a video waiting for transcoding; anything else leaves no trace."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.media import make_clip
from videos.constants import VideoState
from videos.models import Video, VideoSource
from videos.services.uploads import UploadRejected, VideoMetadata, accept_upload, temp_upload_path
from videos.signals import video_uploaded


def _staged(source: Path) -> Path:
    """Copy a file into the upload folder, as a finished upload would be."""
    temp = temp_upload_path()
    shutil.copy(source, temp)
    return temp


def _stored_files() -> list[Path]:
    return [p for p in Path(settings.ORIGINALS_DIR).rglob("*") if p.is_file()] + [
        p for p in Path(settings.UPLOAD_TMP_DIR).rglob("*") if p.is_file()
    ]


@pytest.mark.django_db(transaction=True)
def test_good_upload_is_stored_and_announced(user, small_clip):
    received = []
    video_uploaded.connect(lambda sender, video, **kw: received.append(video.pk), weak=False, dispatch_uid="t")
    try:
        channel = user.account.channels.get()
        video = accept_upload(
            user=user,
            channel=channel,
            metadata=VideoMetadata(name="Épisode 1", tags=["docu", "docu", "paris"]),
            temp_path=_staged(small_clip),
            original_filename="mon film.MP4",
        )
    finally:
        video_uploaded.disconnect(dispatch_uid="t")
    video.refresh_from_db()
    assert video.state == VideoState.TO_TRANSCODE
    assert video.duration == 3
    assert round(video.aspect_ratio, 2) == 1.33
    assert sorted(video.tags.values_list("name", flat=True)) == ["docu", "paris"]
    source = video.source
    stored = Path(settings.ORIGINALS_DIR) / source.path
    assert stored.read_bytes() == small_clip.read_bytes()
    assert stored.name == "source.mp4" and source.filename == "mon film.MP4"
    assert received == [video.pk]
    assert list(Path(settings.UPLOAD_TMP_DIR).iterdir()) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [b"this is a text file, not a video\n" * 20, bytes(range(256)) * 400],
    ids=["text", "random-bytes"],
)
def test_not_a_video_is_refused_without_trace(user, tmp_path, content):
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(content)
    with pytest.raises(UploadRejected) as refused:
        accept_upload(
            user=user,
            channel=user.account.channels.get(),
            metadata=VideoMetadata(name="Fake"),
            temp_path=_staged(fake),
            original_filename="fake.mp4",
        )
    assert refused.value.status == 422
    assert "cannot be used as a video" in refused.value.message
    assert Video.objects.count() == 0 and VideoSource.objects.count() == 0
    assert _stored_files() == []


@pytest.mark.django_db
@pytest.mark.parametrize("name, kept", [("cut.mp4", 1 / 3), ("indexed-first.mp4", 0.6)])
def test_truncated_video_is_refused(user, tmp_path, name, kept):
    """Cut short with its index at the end (ffprobe fails) or at the front (only decoding fails)."""
    faststart = ["-movflags", "+faststart"] if name == "indexed-first.mp4" else []
    clip = make_clip(tmp_path / f"whole-{name}", duration=6, extra=faststart)
    truncated = tmp_path / name
    truncated.write_bytes(clip.read_bytes()[: int(clip.stat().st_size * kept)])
    with pytest.raises(UploadRejected) as refused:
        accept_upload(
            user=user,
            channel=user.account.channels.get(),
            metadata=VideoMetadata(name="Cut"),
            temp_path=_staged(truncated),
            original_filename=name,
        )
    assert refused.value.status == 422
    assert Video.objects.count() == 0 and _stored_files() == []


@pytest.mark.django_db
def test_sound_outlasting_the_picture_is_a_complete_video(user, tmp_path):
    clip = make_clip(tmp_path / "song.mp4", duration=2, audio_duration=5)
    video = accept_upload(
        user=user,
        channel=user.account.channels.get(),
        metadata=VideoMetadata(name="Song"),
        temp_path=_staged(clip),
        original_filename="song.mp4",
    )
    assert video.state == VideoState.TO_TRANSCODE and video.duration == 5


@pytest.mark.django_db
def test_too_large_gets_413(user, small_clip, settings):
    settings.SIDEWAYS_MAX_UPLOAD_SIZE = 1000
    with pytest.raises(UploadRejected) as refused:
        accept_upload(
            user=user,
            channel=user.account.channels.get(),
            metadata=VideoMetadata(name="Big"),
            temp_path=_staged(small_clip),
            original_filename="big.mp4",
        )
    assert (refused.value.status, refused.value.code) == (413, "max_file_size_reached")
    assert _stored_files() == []


@pytest.mark.django_db
def test_quota_is_enforced(user, small_clip):
    user.video_quota = small_clip.stat().st_size + 10
    user.save()
    channel = user.account.channels.get()
    accept_upload(
        user=user,
        channel=channel,
        metadata=VideoMetadata(name="One"),
        temp_path=_staged(small_clip),
        original_filename="a.mp4",
    )
    with pytest.raises(UploadRejected) as refused:
        accept_upload(
            user=user,
            channel=channel,
            metadata=VideoMetadata(name="Two"),
            temp_path=_staged(small_clip),
            original_filename="b.mp4",
        )
    assert (refused.value.status, refused.value.code) == (413, "quota_reached")
    assert Video.objects.count() == 1


@pytest.mark.django_db
def test_cannot_upload_to_someone_elses_channel(user, admin_user, small_clip):
    with pytest.raises(UploadRejected) as refused:
        accept_upload(
            user=user,
            channel=admin_user.account.channels.get(),
            metadata=VideoMetadata(name="Nope"),
            temp_path=_staged(small_clip),
            original_filename="a.mp4",
        )
    assert refused.value.status == 400
    assert Video.objects.count() == 0 and _stored_files() == []


@pytest.mark.django_db
def test_database_failure_removes_the_moved_file(user, small_clip, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(VideoSource.objects, "create", broken)
    with pytest.raises(RuntimeError):
        accept_upload(
            user=user,
            channel=user.account.channels.get(),
            metadata=VideoMetadata(name="X"),
            temp_path=_staged(small_clip),
            original_filename="a.mp4",
        )
    assert Video.objects.count() == 0 and _stored_files() == []
