"""The transcoding task in-process on real clips: published rung by rung, re-runs, broken inputs, crashes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import run_queued_job, upload_and_transcode, upload_video
from tests.live import poll
from tests.media import make_clip
from transcoding import jobs, pipeline, tasks
from transcoding.models import TranscodingJob
from videos.constants import VideoState
from videos.models import Video
from videos.services import publishing
from videos.signals import video_images_ready
from videos.storage import hls_dir, media_dir

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def small_ladder(settings, monkeypatch):
    """Two rungs from a 320x240 clip; queued jobs are recorded instead of sent to a broker."""
    settings.SIDEWAYS_TRANSCODING_RESOLUTIONS = [240, 144]
    queued: list[int] = []
    monkeypatch.setattr(tasks.transcode_video, "delay", queued.append)
    return queued


def ffprobe(path: Path | str, *extra: str) -> dict:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", *extra, str(path)],
        capture_output=True,
        check=True,
    )
    return json.loads(result.stdout)


def master_entries(path: Path) -> list[tuple[dict, str]]:
    """(STREAM-INF attributes, playlist name) for each rendition of a master playlist."""
    lines = path.read_text().splitlines()
    assert lines[:2] == ["#EXTM3U", "#EXT-X-VERSION:3"]
    entries = []
    for info, name in zip(lines[2::2], lines[3::2], strict=False):
        assert info.startswith("#EXT-X-STREAM-INF:")
        attributes = {key: value.strip('"') for key, value in re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', info)}
        entries.append((attributes, name))
    return entries


def listed_files(video: Video) -> set[str]:
    names = set()
    for playlist in video.streaming_playlists.all():
        names |= {playlist.playlist_filename, playlist.segments_sha256_filename}
        names |= {n for f in playlist.files.all() for n in (f.filename, f.playlist_filename)}
    return names


def test_upload_is_transcoded_into_peertube_hls(user, small_clip, small_ladder, monkeypatch):
    progress: list[int | None] = []
    original_progress = publishing.set_transcoding_progress
    monkeypatch.setattr(
        publishing, "set_transcoding_progress", lambda v, p: (progress.append(p), original_progress(v, p))
    )
    video = upload_video(user, small_clip)
    job = video.transcoding_jobs.get()
    assert small_ladder == [job.pk] and job.status == TranscodingJob.Status.PENDING

    job = run_queued_job(video)
    video.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (TranscodingJob.Status.DONE, 1, "")
    assert job.started_at <= job.finished_at
    assert video.state == VideoState.PUBLISHED and video.published_at and video.transcoding_progress is None
    assert (video.duration, round(video.aspect_ratio, 2)) == (3, 1.33)
    percents = [p for p in progress if p is not None]
    assert percents == sorted(percents) and percents[-1] == 100 and progress[-1] is None

    folder = hls_dir(video.uuid)
    playlist = video.streaming_playlists.get()
    assert set(p.name for p in folder.iterdir()) == listed_files(video)
    assert playlist.playlist_filename.endswith("-master.m3u8")
    assert playlist.segments_sha256_filename.endswith("-segments-sha256.json")
    entries = master_entries(folder / playlist.playlist_filename)
    assert [e[0]["RESOLUTION"] for e in entries] == ["320x240", "192x144"]
    files = {f.playlist_filename: f for f in playlist.files.all()}
    for attributes, name in entries:
        file = files[name]
        assert name.endswith(f"-{file.resolution}.m3u8") and file.filename == name.replace(".m3u8", "-fragmented.mp4")
        assert attributes["BANDWIDTH"] == str(file.bandwidth)
        assert abs(file.bandwidth - file.size * 8 / 3) < 0.1 * file.bandwidth
        assert (
            attributes["CODECS"] == file.codecs
            and file.codecs.startswith("avc1.")
            and file.codecs.endswith(",mp4a.40.2")
        )
        assert attributes["FRAME-RATE"] == "25.000"
        assert (file.has_audio, file.has_video, file.fps) == (True, True, 25)
        assert file.size == (folder / file.filename).stat().st_size
        probed = ffprobe(folder / name)
        video_stream = next(s for s in probed["streams"] if s["codec_type"] == "video")
        assert (video_stream["width"], video_stream["height"]) == (file.width, file.height)
        assert abs(float(probed["format"]["duration"]) - 3) < 0.5
        assert any(s["codec_type"] == "audio" for s in probed["streams"])

    hashes = json.loads((folder / playlist.segments_sha256_filename).read_text())
    assert set(hashes) == {f.filename for f in files.values()}
    for filename, ranges in hashes.items():
        data = (folder / filename).read_bytes()
        assert ranges
        for byte_range, digest in ranges.items():
            first, last = map(int, byte_range.split("-"))
            assert hashlib.sha256(data[first : last + 1]).hexdigest() == digest

    assert (media_dir("thumbnails") / video.thumbnail_filename).is_file()
    assert (media_dir("previews") / video.preview_filename).is_file()
    assert ffprobe(media_dir("previews") / video.preview_filename)["streams"][0]["width"] == 850
    assert not pipeline.work_dir(video).exists()

    details = Client().get(f"/api/v1/videos/{video.pk}").json()
    assert details["state"]["id"] == VideoState.PUBLISHED and details["transcodingProgress"] is None
    [streaming] = details["streamingPlaylists"]
    assert streaming["playlistUrl"].endswith(
        f"/static/streaming-playlists/hls/{video.uuid}/{playlist.playlist_filename}"
    )
    assert [f["resolution"]["id"] for f in streaming["files"]] == [240, 144]
    served = Client().get(f"/static/streaming-playlists/hls/{video.uuid}/{entries[0][1]}")
    assert served.status_code == 200


def test_lowest_rung_is_published_first_then_the_ladder_grows(user, small_clip, monkeypatch):
    published: list[tuple[list[int], int]] = []
    original_publish = publishing.publish_hls

    def spy(video, publication):
        original_publish(video, publication)
        video = Video.objects.get(pk=video.pk)
        master = hls_dir(video.uuid) / publication.playlist_filename
        published.append(([f.resolution for f in publication.files], len(master_entries(master))))
        assert video.state == VideoState.PUBLISHED

    monkeypatch.setattr(publishing, "publish_hls", spy)
    upload_and_transcode(user, small_clip)
    assert published[0] == ([144], 1)
    assert sorted(published[-1][0]) == [144, 240] and published[-1][1] == 2


def test_rerun_replaces_every_output_with_new_names(user, small_clip, small_ladder):
    video = upload_and_transcode(user, small_clip)
    before = listed_files(video)
    before_ids = set(video.streaming_playlists.get().files.values_list("pk", flat=True))
    old_images = (video.thumbnail_filename, video.preview_filename)

    job = tasks.queue_transcoding(video)
    assert job is not None and small_ladder[-1] == job.pk
    assert tasks.queue_transcoding(video) is None  # one active job per video
    run_queued_job(video)
    video.refresh_from_db()

    after = listed_files(video)
    assert len(after) == len(before) and not after & before
    assert {p.name for p in hls_dir(video.uuid).iterdir()} == after
    assert not set(video.streaming_playlists.get().files.values_list("pk", flat=True)) & before_ids
    assert video.state == VideoState.PUBLISHED and video.transcoding_jobs.count() == 2
    assert not (media_dir("thumbnails") / old_images[0]).exists()
    assert not (media_dir("previews") / old_images[1]).exists()
    assert (media_dir("thumbnails") / video.thumbnail_filename).is_file()


def test_broken_original_fails_with_a_reason_and_leaves_no_output(user, small_clip, admin_user, small_ladder):
    video = upload_video(user, small_clip)
    original = Path(settings.ORIGINALS_DIR) / video.source.path
    original.write_bytes(b"not a video any more\n" * 100)

    job = run_queued_job(video)
    video.refresh_from_db()
    assert job.status == TranscodingJob.Status.FAILED and job.error
    assert video.state == VideoState.TRANSCODING_FAILED
    assert "ffmpeg" in video.state_error or "video" in video.state_error
    assert video.state_error == job.error
    assert original.is_file()
    assert not hls_dir(video.uuid).exists() and not video.streaming_playlists.exists()
    assert video.thumbnail_filename == "" and not any(media_dir("thumbnails").iterdir())
    assert not pipeline.work_dir(video).exists()

    # The admin's retry action queues it again from the kept original.
    shutil.copy(small_clip, original)
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get("/django-admin/transcoding/transcodingjob/?status__exact=failed")
    assert listing.status_code == 200 and job.error[:40] in listing.content.decode()
    assert admin.get(f"/django-admin/transcoding/transcodingjob/{job.pk}/change/").status_code == 200
    response = admin.post(
        "/django-admin/transcoding/transcodingjob/", {"action": "retry", "_selected_action": [job.pk]}
    )
    assert response.status_code == 302
    video.refresh_from_db()
    assert video.state == VideoState.TO_TRANSCODE and video.state_error == ""
    retry = video.transcoding_jobs.first()
    assert retry.pk != job.pk and small_ladder[-1] == retry.pk
    assert run_queued_job(video).status == TranscodingJob.Status.DONE
    video.refresh_from_db()
    assert video.state == VideoState.PUBLISHED


def test_audio_only_source_gives_an_audio_only_playlist(user, clip_dir):
    clip = make_clip(clip_dir / "audio-only.mp4", video=False)
    video = upload_and_transcode(user, clip)
    assert video.state == VideoState.PUBLISHED and video.thumbnail_filename == ""
    playlist = video.streaming_playlists.get()
    [file] = playlist.files.all()
    assert (file.resolution, file.has_video, file.has_audio, file.codecs) == (0, False, True, "mp4a.40.2")
    [(attributes, name)] = master_entries(hls_dir(video.uuid) / playlist.playlist_filename)
    assert name == file.playlist_filename and "RESOLUTION" not in attributes


def test_run_of_a_killed_worker_is_taken_over_and_its_leftovers_removed(user, small_clip):
    video = upload_video(user, small_clip)
    job = video.transcoding_jobs.get()
    # What a worker killed mid-encode leaves: a running job owned by a dead process, a half-written
    # work folder, and a rung it moved into the public folder without listing it.
    TranscodingJob.objects.filter(pk=job.pk).update(
        status=TranscodingJob.Status.RUNNING,
        attempts=1,
        worker=f"{jobs.socket.gethostname()}:999999999",
        heartbeat_at=jobs.timezone.now(),
    )
    stale = pipeline.work_dir(video)
    stale.mkdir(parents=True)
    (stale / "half.mp4").write_bytes(b"x" * 100)
    hls_dir(video.uuid).mkdir(parents=True)
    (hls_dir(video.uuid) / "orphan-144-fragmented.mp4").write_bytes(b"x" * 100)

    job = run_queued_job(video)
    video.refresh_from_db()
    assert (job.status, job.attempts) == (TranscodingJob.Status.DONE, 2)
    assert video.state == VideoState.PUBLISHED
    assert {p.name for p in hls_dir(video.uuid).iterdir()} == listed_files(video)
    assert not stale.exists()


def test_a_run_sweeps_the_work_folders_killed_runs_left_on_its_machine(user, small_clip, small_ladder):
    """Workers share no disk: what a killed run left here is removed by the next run here, unless a live
    process of this machine still works in it or it was made a moment ago (a run that has just started)."""
    abandoned, running, starting, transcoded = (upload_video(user, small_clip) for _ in range(4))
    assert jobs.claim(running.transcoding_jobs.get().pk) is not None  # this live process works on it
    folders = {video: pipeline.work_dir(video) for video in (abandoned, running, starting)}
    long_ago = time.time() - pipeline.SWEEP_AFTER_SECONDS * 2
    for video, folder in folders.items():
        folder.mkdir(parents=True)
        (folder / "240.mp4").write_bytes(b"half an encode")
        if video != starting:
            os.utime(folder, (long_ago, long_ago))

    assert run_queued_job(transcoded).status == TranscodingJob.Status.DONE
    assert not folders[abandoned].exists()
    assert folders[running].exists() and folders[starting].exists()


def test_a_job_runs_once_while_its_worker_lives(user, small_clip):
    video = upload_video(user, small_clip)
    job = jobs.claim(video.transcoding_jobs.get().pk)
    assert job is not None and job.worker == jobs.this_worker()
    assert jobs.claim(job.pk) is None  # a second delivery of the message while it runs
    assert tasks.reap_stale_jobs() == 0
    jobs.finish(job, TranscodingJob.Status.DONE)
    assert jobs.claim(job.pk) is None  # a late re-delivery after it finished


def test_reaper_queues_again_the_jobs_of_dead_workers(user, small_clip, small_ladder):
    video = upload_video(user, small_clip)
    job = video.transcoding_jobs.get()
    TranscodingJob.objects.filter(pk=job.pk).update(
        status=TranscodingJob.Status.RUNNING,
        attempts=1,
        worker="elsewhere:1",
        heartbeat_at=jobs.timezone.now() - jobs.STALE_AFTER * 2,
    )
    assert tasks.reap_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == TranscodingJob.Status.PENDING and small_ladder[-1] == job.pk


def test_a_job_whose_killed_worker_is_not_reaped_yet_is_taken_over_at_once(user, small_clip, small_ladder):
    """A worker's killed pool process stays a zombie for a moment; its restarted successor must not wait the
    ten minutes of a quiet heartbeat for it."""
    video = upload_video(user, small_clip)
    job = video.transcoding_jobs.get()
    killed = subprocess.Popen(["sleep", "60"])
    killed.kill()
    poll(lambda: Path(f"/proc/{killed.pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z", 5)
    try:
        TranscodingJob.objects.filter(pk=job.pk).update(
            status=TranscodingJob.Status.RUNNING,
            attempts=1,
            worker=f"{socket.gethostname()}:{killed.pid}",
            heartbeat_at=jobs.timezone.now(),
        )
        assert tasks.reap_stale_jobs() == 1
    finally:
        killed.wait()
    job.refresh_from_db()
    assert job.status == TranscodingJob.Status.PENDING and small_ladder[-1] == job.pk


def test_a_video_that_keeps_killing_its_worker_ends_failed(user, small_clip):
    video = upload_video(user, small_clip)
    TranscodingJob.objects.filter(video=video).update(attempts=jobs.MAX_ATTEMPTS)
    job = run_queued_job(video)
    video.refresh_from_db()
    assert job.status == TranscodingJob.Status.FAILED
    assert video.state == VideoState.TRANSCODING_FAILED and "worker stopped" in video.state_error


def test_video_deleted_while_transcoding_leaves_no_files(user, small_clip, monkeypatch):
    video = upload_video(user, small_clip)
    original_publish = publishing.publish_hls

    def delete_first(video, publication):
        Video.objects.filter(pk=video.pk).delete()
        original_publish(video, publication)

    monkeypatch.setattr(publishing, "publish_hls", delete_first)
    tasks.transcode_video(video.transcoding_jobs.get().pk)
    assert not hls_dir(video.uuid).exists()
    assert not any(media_dir("thumbnails").iterdir()) and not any(media_dir("previews").iterdir())
    assert not pipeline.work_dir(video).exists()


def test_images_the_owner_chose_survive_transcoding(user, small_clip, tmp_path):
    from videos.images import drawn_from
    from videos.services.editing import set_chosen_images

    picture = tmp_path / "cover.png"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=red:size=640x360", "-frames:v", "1", str(picture)],
        check=True,
    )
    video = upload_video(user, small_clip)
    with drawn_from(picture) as images:
        set_chosen_images(video, *images)
    video.refresh_from_db()
    chosen = (video.thumbnail_filename, video.preview_filename)
    run_queued_job(video)
    video.refresh_from_db()
    assert video.state == VideoState.PUBLISHED
    assert (video.thumbnail_filename, video.preview_filename) == chosen
    assert [path.name for path in media_dir("thumbnails").iterdir()] == [chosen[0]]
    assert [path.name for path in media_dir("previews").iterdir()] == [chosen[1]]


def test_images_are_in_place_before_the_first_rung(user, small_clip):
    """A video shown before transcoding (waitTranscoding false) needs its thumbnail: the images are served
    and video_images_ready sent while the video still waits for its first rendition."""
    seen: list[tuple[int, bool, bool]] = []

    def record(sender, video, **kwargs):
        video = Video.objects.get(pk=video.pk)
        thumbnail = media_dir("thumbnails") / video.thumbnail_filename
        seen.append((video.state, video.streaming_playlists.exists(), thumbnail.is_file()))

    video_images_ready.connect(record, weak=False, dispatch_uid="test-images-ready")
    try:
        video = upload_and_transcode(user, small_clip)
    finally:
        video_images_ready.disconnect(dispatch_uid="test-images-ready")
    assert seen == [(VideoState.TO_TRANSCODE, False, True)]
    assert video.state == VideoState.PUBLISHED and video.thumbnail_filename and video.preview_filename


def test_a_rerun_does_not_show_new_images_before_its_ladder(user, small_clip):
    video = upload_and_transcode(user, small_clip)
    seen = []
    video_images_ready.connect(lambda sender, video, **kw: seen.append(video.pk), weak=False, dispatch_uid="t-rerun")
    try:
        tasks.queue_transcoding(video)
        run_queued_job(video)
    finally:
        video_images_ready.disconnect(dispatch_uid="t-rerun")
    assert seen == []
