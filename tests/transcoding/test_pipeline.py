"""The transcoding task in-process on real clips: published rung by rung, re-runs, broken inputs, crashes."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.media import make_clip
from transcoding import jobs, pipeline, tasks
from transcoding.models import TranscodingJob
from videos.constants import VideoState
from videos.models import Video
from videos.services import publishing
from videos.services.uploads import VideoMetadata, accept_upload, temp_upload_path
from videos.storage import hls_dir, media_dir

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def small_ladder(settings, monkeypatch):
    """Two rungs from a 320x240 clip; queued jobs are recorded instead of sent to a broker."""
    settings.SIDEWAYS_TRANSCODING_RESOLUTIONS = [240, 144]
    queued: list[int] = []
    monkeypatch.setattr(tasks.transcode_video, "delay", queued.append)
    return queued


def upload(user, clip: Path) -> Video:
    """Store a clip through the upload service, which queues its transcoding job."""
    temp = temp_upload_path()
    shutil.copy(clip, temp)
    return accept_upload(
        user=user, channel=user.account.channels.get(), metadata=VideoMetadata(name="Clip"),
        temp_path=temp, original_filename=clip.name,
    )


def run_queued_job(video: Video) -> TranscodingJob:
    """Run the video's newest job the way the worker does."""
    job = video.transcoding_jobs.first()
    tasks.transcode_video(job.pk)
    job.refresh_from_db()
    return job


def upload_and_transcode(user, clip: Path) -> Video:
    video = upload(user, clip)
    run_queued_job(video)
    video.refresh_from_db()
    return video


def ffprobe(path: Path | str, *extra: str) -> dict:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", *extra, str(path)],
        capture_output=True, check=True,
    )
    return json.loads(result.stdout)


def master_entries(path: Path) -> list[tuple[dict, str]]:
    """(STREAM-INF attributes, playlist name) for each rendition of a master playlist."""
    lines = path.read_text().splitlines()
    assert lines[:2] == ["#EXTM3U", "#EXT-X-VERSION:3"]
    entries = []
    for info, name in zip(lines[2::2], lines[3::2]):
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
    monkeypatch.setattr(publishing, "set_transcoding_progress", lambda v, p: (progress.append(p), original_progress(v, p)))
    video = upload(user, small_clip)
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
        assert attributes["CODECS"] == file.codecs and file.codecs.startswith("avc1.") and file.codecs.endswith(",mp4a.40.2")
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
    assert streaming["playlistUrl"].endswith(f"/static/streaming-playlists/hls/{video.uuid}/{playlist.playlist_filename}")
    assert [f["resolution"]["id"] for f in streaming["files"]] == [240, 144]
    served = Client().get(f"/static/streaming-playlists/hls/{video.uuid}/{entries[0][1]}")
    assert served.status_code == 200
