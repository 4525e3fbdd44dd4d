"""Issue 14, defect 3: the original upload was public with its GPS and comment tags, and
/api/v1/videos/{id}/metadata/{fileId} showed them.

The original stays under ORIGINALS_DIR for its owner; every file we publish (the web video made from
it, its download, its torrent, the HLS renditions and their MP4 download) and the metadata endpoint
carry no location or personal tags.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.api.conftest import bearer
from tests.factories import api_upload, response_body, run_queued_job
from tests.media import ffprobe, make_clip
from transcoding import tasks
from videos.constants import VideoState
from videos.models import Video

pytestmark = pytest.mark.django_db(transaction=True)

PERSONAL = {
    "location": "+48.8584+002.2945/",
    "comment": "sideways-secret-comment",
    "artist": "sideways-secret-artist",
    "author": "sideways-secret-author",
    "title": "sideways-secret-title",
    "description": "sideways-secret-description",
}
SECRETS = ("48.8584", "sideways-secret")


def _tagged_clip(folder: Path, suffix: str) -> Path:
    """A real clip carrying a phone's kind of personal tags (place, comment, author...)."""
    tags = [option for key, value in PERSONAL.items() for option in ("-metadata", f"{key}={value}")]
    stream_tags = ["-metadata:s:v", "handler_name=sideways-secret-phone", "-metadata:s:a", "title=sideways-secret-mic"]
    return make_clip(folder / f"holiday{suffix}", duration=2, extra=[*tags, *stream_tags])


def _ffprobe_text(data: bytes, folder: Path) -> str:
    """Every tag ffprobe finds in these bytes, as text. Our own ffprobe call, not videos.probe.probe: the metadata
    endpoint is built from that function's reading, so checking with it would share its blind spots (it reads
    no chapters, whose titles can carry tags too)."""
    path = folder / "served.bin"
    path.write_bytes(data)
    return json.dumps(ffprobe(path, "-show_format", "-show_streams", "-show_chapters"))


@pytest.fixture
def published(api, alice_token, tmp_path, settings, monkeypatch, request):  # noqa: F811
    """A tagged clip uploaded through the API and transcoded in-process: (video details, the clip)."""
    settings.SIDEWAYS_TRANSCODING_RESOLUTIONS = [144]
    monkeypatch.setattr(tasks.transcode_video, "delay", lambda job_id: None)
    clip = _tagged_clip(tmp_path, request.param)
    assert all(secret in _ffprobe_text(clip.read_bytes(), tmp_path) for secret in SECRETS)  # the clip is tagged
    response = api_upload(api, alice_token, clip)
    assert response.status_code == 200, response.content
    video = Video.objects.get(uuid=response.json()["video"]["uuid"])
    run_queued_job(video)
    Video.objects.filter(pk=video.pk).update(state=VideoState.PUBLISHED)
    return api.get(f"/api/v1/videos/{video.uuid}").json(), clip


CONTAINERS = pytest.mark.parametrize("published", [".mp4", ".mov", ".mkv"], indirect=True)


def _local(url: str) -> str:
    return url.removeprefix("http://testserver")


@CONTAINERS
def test_published_web_video_and_its_download_carry_no_personal_tags(published, tmp_path):
    details, clip = published
    web_video = details["files"][0]
    for url in (web_video["fileUrl"], web_video["fileDownloadUrl"]):
        response = Client().get(_local(url))
        assert response.status_code == 200
        served = response_body(response)
        assert served != clip.read_bytes()  # the original itself is not what we publish
        probed = _ffprobe_text(served, tmp_path)
        assert '"codec_type": "video"' in probed and '"codec_type": "audio"' in probed  # still the clip
        assert not any(secret in probed for secret in SECRETS), url


@CONTAINERS
def test_hls_renditions_and_their_mp4_download_carry_no_personal_tags(published, tmp_path):
    details, _clip = published
    rendition = details["streamingPlaylists"][0]["files"][0]
    for url in (rendition["fileUrl"], f"/download/videos/generate/{details['uuid']}?videoFileIds={rendition['id']}"):
        response = Client().get(_local(url))
        assert response.status_code == 200
        probed = _ffprobe_text(response_body(response), tmp_path)
        assert not any(secret in probed for secret in SECRETS), url


@CONTAINERS
def test_metadata_endpoint_answers_technical_fields_only(published, api, alice_token):  # noqa: F811
    details, _clip = published
    files = details["files"] + details["streamingPlaylists"][0]["files"]
    for token in (None, alice_token):  # not even to the owner: it is the published file's metadata
        for file in files:
            response = api.get(file["metadataUrl"], **(bearer(token) if token else {}))
            assert response.status_code == 200
            text = json.dumps(response.json())
            assert not any(secret in text for secret in SECRETS), file["metadataUrl"]
            assert response.json()["streams"][0]["codec_name"]  # still what a player needs


@CONTAINERS
def test_the_original_stays_private(published):
    details, clip = published
    original = next(Path(settings.ORIGINALS_DIR).rglob("source*"))
    assert original.read_bytes() == clip.read_bytes()  # kept for its owner, as uploaded
    assert not original.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    media = [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert all(not path.samefile(original) for path in media)  # no hard link of it is published
