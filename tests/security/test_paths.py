"""Issue 14, defect 2: a private video's HLS files through "..".

/static/streaming-playlists/hls/<public uuid>/%2e%2e/<private uuid>/<file> answered 200 to anyone: the
owner check read the first path segment (the public video), the file lookup followed "..". Every
encoding of ".." (and backslashes, NUL, empty segments) must be a 404 for everyone, before any file
is opened, while the plain URL of each file still serves its owner.
"""

from __future__ import annotations

import shutil

import pytest
from django.test import Client

from tests.factories import run_queued_job, upload_video
from transcoding import tasks
from videos.constants import VideoPrivacy, VideoState
from videos.models import Video
from videos.storage import hls_dir, media_dir

pytestmark = pytest.mark.django_db(transaction=True)

# How ".." and "/" may be written in a request; the test client decodes the path once, as WSGI does.
DOT_DOT_ENCODINGS = {
    "raw": "../",
    "encoded dots": "%2e%2e/",
    "encoded slash": "..%2f",
    "all encoded": "%2e%2e%2f",
    "upper case": "%2E%2E/",
    "upper case slash": "..%2F",
    "half encoded": ".%2e/",
    "double encoded": "%252e%252e/",
    "double encoded slash": "..%252f",
    "backslash": "..\\",
    "encoded backslash": "..%5c",
    "double slash": "..//",
    "dot segment": "./../",
}


@pytest.fixture
def uploaded(user, small_clip, settings, monkeypatch):
    """(public video, private video of the same owner), both uploaded through the upload service and
    published; the private one has its web video in its HLS folder."""
    settings.SIDEWAYS_TRANSCODING_RESOLUTIONS = [144]
    monkeypatch.setattr(tasks.transcode_video, "delay", lambda job_id: None)
    public = upload_video(user, small_clip, "public.mp4")
    private = upload_video(user, small_clip, "private.mp4")
    Video.objects.filter(pk=private.pk).update(privacy=VideoPrivacy.PRIVATE)
    Video.objects.filter(pk__in=[public.pk, private.pk]).update(state=VideoState.PUBLISHED)
    for video in (public, private):
        hls_dir(video.uuid).mkdir(parents=True, exist_ok=True)
    web_video = media_dir("web-videos") / private.files.get().filename
    shutil.copy(web_video, hls_dir(private.uuid) / "copy-240-fragmented.mp4")
    (hls_dir(private.uuid) / "master.m3u8").write_text("#EXTM3U\n")
    return public, private


@pytest.fixture
def transcoded(uploaded):
    """`uploaded`, with the private video transcoded: its real HLS playlists and renditions."""
    public, private = uploaded
    run_queued_job(private)
    Video.objects.filter(pk=private.pk).update(state=VideoState.PUBLISHED)
    return public, private


def _private_files(private: Video) -> list[str]:
    names = sorted(path.name for path in hls_dir(private.uuid).iterdir() if path.is_file())
    assert any(name.endswith(".m3u8") for name in names) and any(name.endswith(".mp4") for name in names)
    return names


@pytest.mark.parametrize("dot_dot", list(DOT_DOT_ENCODINGS.values()), ids=list(DOT_DOT_ENCODINGS))
def test_dot_dot_from_a_public_folder_never_reaches_a_private_video(transcoded, user, dot_dot):
    public, private = transcoded
    owner = Client()
    owner.force_login(user)
    for name in _private_files(private):
        url = f"/static/streaming-playlists/hls/{public.uuid}/{dot_dot}{private.uuid}/{name}"
        assert Client().get(url).status_code == 404, url
        assert owner.get(url).status_code == 404, url  # not a path of ours, whoever asks
        canonical = f"/static/streaming-playlists/hls/{private.uuid}/{name}"
        assert Client().get(canonical).status_code == 404
        assert owner.get(canonical).status_code == 200


@pytest.mark.parametrize("trick", ["%00", "%2500", "/", "%2f", "\\"])
def test_nul_and_stray_separators_in_a_file_name_are_not_found(uploaded, trick):
    public, _private = uploaded
    (hls_dir(public.uuid) / "master.m3u8").write_text("#EXTM3U\n")
    assert Client().get(f"/static/streaming-playlists/hls/{public.uuid}/master.m3u8").status_code == 200
    response = Client().get(f"/static/streaming-playlists/hls/{public.uuid}/{trick}master.m3u8")
    assert response.status_code in (400, 404)


@pytest.mark.parametrize("dot_dot", list(DOT_DOT_ENCODINGS.values()), ids=list(DOT_DOT_ENCODINGS))
@pytest.mark.parametrize("prefix", ["/static/web-videos", "/lazy-static/thumbnails", "/lazy-static/torrents"])
def test_flat_folders_do_not_climb_into_a_private_video(uploaded, prefix, dot_dot):
    _public, private = uploaded
    name = _private_files(private)[0]
    url = f"{prefix}/{dot_dot}streaming-playlists/hls/{private.uuid}/{name}"
    assert Client().get(url).status_code == 404, url
