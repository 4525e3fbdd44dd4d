"""The operators' management commands: retranscode a video, and find (and delete) the files no row owns."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.factories import make_user, publish_video, remote_account, remote_video, stored_video
from transcoding.models import TranscodingJob
from videos.constants import VideoPrivacy
from videos.models import VideoSource
from videos.storage import hls_dir, media_dir, original_dir

HOUR = 3600


def test_retranscode_queues_a_job_from_the_original(db):
    video = publish_video(make_user().account.channels.get())
    VideoSource.objects.create(video=video, filename="episode.mp4", path=f"{video.uuid}/source.mp4", size=10)

    call_command("retranscode", video.short_uuid)

    job = TranscodingJob.objects.get(video=video)
    assert job.status == TranscodingJob.Status.PENDING
    with pytest.raises(CommandError, match="already has a transcoding job"):
        call_command("retranscode", str(video.uuid))


def test_retranscode_refuses_what_has_no_original_here(db):
    theirs = remote_video(remote_account())
    with pytest.raises(CommandError, match="no original"):
        call_command("retranscode", str(theirs.pk))
    with pytest.raises(CommandError, match="No video"):
        call_command("retranscode", str(uuid.uuid4()))
    assert not TranscodingJob.objects.exists()


def aged(*paths: Path) -> None:
    """Make the paths look written two hours ago."""
    then = time.time() - 2 * HOUR
    for path in paths:
        os.utime(path, (then, then))


@pytest.fixture
def orphans(db) -> list[Path]:
    """One leftover of each kind, two hours old, beside a private video that owns all its files."""
    stray = uuid.uuid4()
    hls_dir(stray).mkdir(parents=True)
    (hls_dir(stray) / "master.m3u8").write_text("#EXTM3U\n")
    original_dir(stray).mkdir(parents=True)
    (original_dir(stray) / "source.mp4").write_bytes(b"original")
    paths = [hls_dir(stray), original_dir(stray)]
    for folder in ("web-videos", "torrents", "thumbnails", "previews"):
        paths.append(media_dir(folder) / f"{uuid.uuid4()}.bin")
        paths[-1].write_bytes(b"left behind")
    aged(*paths)
    return paths


def test_orphaned_files_lists_only_what_no_row_owns(orphans, capsys):
    _video, _urls, owned = stored_video(make_user().account.channels.get(), VideoPrivacy.PRIVATE)
    aged(*owned)

    call_command("orphaned_files")

    listed = [Path(line.split("\t", 1)[1]) for line in capsys.readouterr().out.splitlines()]
    assert sorted(listed) == sorted(orphans)
    assert all(path.exists() for path in orphans + owned)


def test_orphaned_files_delete_removes_them_and_keeps_the_rest(orphans, capsys):
    _video, _urls, owned = stored_video(make_user().account.channels.get(), VideoPrivacy.PUBLIC)
    aged(*owned)
    fresh = media_dir("web-videos") / "being-published.mp4"  # an upload between its rename and its row
    fresh.write_bytes(b"new")

    call_command("orphaned_files", "--delete")

    assert not any(path.exists() for path in orphans)
    assert all(path.exists() for path in owned)
    assert fresh.exists()
    assert "6 orphaned file(s) or folder(s) deleted" in capsys.readouterr().err
    assert Path(settings.MEDIA_ROOT, "streaming-playlists", "hls").is_dir()
