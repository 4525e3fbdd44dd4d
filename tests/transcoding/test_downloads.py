"""The download action: an ordinary MP4 of one rendition, remuxed (not re-encoded), within the video's privacy."""

import json
import subprocess

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import upload_and_transcode
from transcoding import tasks
from videos.constants import VideoPrivacy
from videos.models import Video

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def video(user, small_clip, settings, monkeypatch) -> Video:
    settings.SIDEWAYS_TRANSCODING_RESOLUTIONS = [240, 144]
    monkeypatch.setattr(tasks.transcode_video, "delay", lambda job_id: None)  # run in-process below
    return upload_and_transcode(user, small_clip)


def _url(video: Video, file_id) -> str:
    return reverse("video-download", kwargs={"video_id": video.uuid}) + f"?videoFileIds={file_id}"


def test_download_is_a_progressive_mp4_with_the_rung_streams(video, tmp_path):
    file = video.streaming_playlists.get().files.get(resolution=144)
    assert _url(video, file.pk) == f"/download/videos/generate/{video.uuid}?videoFileIds={file.pk}"
    response = Client().get(_url(video, file.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert 'attachment; filename="Clip-144p.mp4"' == response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.find(b"moov") < body.find(b"mdat")  # moov in front: plays while downloading
    assert b"moof" not in body  # no longer fragmented
    downloaded = tmp_path / "download.mp4"
    downloaded.write_bytes(body)
    probed = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(downloaded)],
            capture_output=True,
            check=True,
        ).stdout
    )
    streams = {s["codec_type"]: s for s in probed["streams"]}
    assert (streams["video"]["codec_name"], streams["video"]["width"], streams["video"]["height"]) == ("h264", 192, 144)
    assert streams["audio"]["codec_name"] == "aac"
    assert abs(float(probed["format"]["duration"]) - 3) < 0.5
    assert not any((settings.UPLOAD_TMP_DIR / "downloads").iterdir())


def test_download_respects_the_owner_and_the_privacy(video, user):
    file = video.streaming_playlists.get().files.first()
    assert Client().get(f"/download/videos/generate/{video.uuid}").status_code == 400
    assert Client().get(_url(video, 999999)).status_code == 404
    assert Client().get(_url(video, video.files.get().pk)).status_code == 404  # not an HLS rendition

    Video.objects.filter(pk=video.pk).update(download_enabled=False)
    assert Client().get(_url(video, file.pk)).status_code == 403

    Video.objects.filter(pk=video.pk).update(download_enabled=True, privacy=VideoPrivacy.PRIVATE)
    assert Client().get(_url(video, file.pk)).status_code == 404
    owner = Client()
    owner.force_login(user)
    assert owner.get(_url(video, file.pk)).status_code == 200
