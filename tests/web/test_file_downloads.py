"""The `fileDownloadUrl` and `torrentDownloadUrl` the API gives each file: the stored file as an
attachment named like the video, with byte ranges, within the video's privacy and its owner's choice."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from videos.constants import VideoPrivacy
from videos.models import Video
from videos.storage import media_dir, stored_file_path

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def video(transcoded_video: Video) -> Video:
    return transcoded_video


def _advertised(video: Video) -> dict[str, str]:
    """The download URLs GET /api/v1/videos/{id} gives for the web video, the HLS file and the torrent."""
    details = APIClient().get(f"/api/v1/videos/{video.uuid}").json()
    web_video = details["files"][0]
    hls_file = details["streamingPlaylists"][0]["files"][0]
    return {
        "web video": web_video["fileDownloadUrl"],
        "hls": hls_file["fileDownloadUrl"],
        "torrent": web_video["torrentDownloadUrl"],
    }


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_advertised_urls_send_the_stored_files_as_named_attachments(video):
    urls = _advertised(video)
    assert urls == {
        "web video": f"http://testserver/download/web-videos/{video.uuid}-240.mp4",
        "hls": f"http://testserver/download/streaming-playlists/hls/videos/{video.uuid}-144-fragmented.mp4",
        "torrent": f"http://testserver/download/torrents/{video.files.get().torrent_filename}",
    }
    expected = {
        "web video": ("Clip-240p.mp4", "video/mp4", stored_file_path(video.files.get())),
        "hls": ("Clip-144p-hls.mp4", "video/mp4", stored_file_path(video.streaming_playlists.get().files.get())),
        "torrent": (
            "Clip-240p.torrent",
            "application/x-bittorrent",
            media_dir("torrents") / video.files.get().torrent_filename,
        ),
    }
    for kind, url in urls.items():
        filename, content_type, path = expected[kind]
        response = Client().get(url)
        assert response.status_code == 200, kind
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
        assert response["Content-Type"] == content_type
        assert response["Access-Control-Allow-Origin"] == "*"
        assert _body(response) == path.read_bytes()


def test_a_download_resumes_with_byte_ranges_and_answers_head(video):
    url = _advertised(video)["web video"]
    stored = stored_file_path(video.files.get()).read_bytes()

    partial = Client().get(url, HTTP_RANGE="bytes=100-199")
    assert partial.status_code == 206
    assert partial["Content-Range"] == f"bytes 100-199/{len(stored)}"
    assert partial["Content-Disposition"] == 'attachment; filename="Clip-240p.mp4"'
    assert _body(partial) == stored[100:200]
    assert Client().get(url, HTTP_RANGE=f"bytes={len(stored)}-").status_code == 416

    head = Client().head(url)
    assert head.status_code == 200
    assert head["Content-Length"] == str(len(stored)) and head["Accept-Ranges"] == "bytes"
    assert head["Content-Disposition"] == 'attachment; filename="Clip-240p.mp4"'


def test_the_attachment_name_survives_slashes_and_accents(video):
    Video.objects.filter(pk=video.pk).update(name="Café/Bar")
    response = Client().get(_advertised(video)["hls"])
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Caf%C3%A9_Bar-144p-hls.mp4"


def test_unknown_files_are_not_found(video):
    assert Client().get(f"/download/web-videos/{video.uuid}-720.mp4").status_code == 404
    assert Client().get(f"/download/streaming-playlists/hls/videos/{video.uuid}-240-fragmented.mp4").status_code == 404
    assert Client().get("/download/web-videos/00000000-0000-4000-8000-000000000000-240.mp4").status_code == 404
    assert Client().get("/download/torrents/nothing-240.torrent").status_code == 404
    stored_file_path(video.files.get()).unlink()  # a row whose file is gone
    assert Client().get(f"/download/web-videos/{video.uuid}-240.mp4").status_code == 404


def test_a_private_video_is_only_downloaded_by_its_owner(video, user):
    urls = _advertised(video)
    Video.objects.filter(pk=video.pk).update(privacy=VideoPrivacy.PRIVATE)
    owner = Client()
    owner.force_login(user)
    for url in urls.values():
        assert Client().get(url).status_code == 404, url  # like a missing video: the URL reveals nothing
        assert owner.get(url).status_code == 200, url


def test_downloads_disabled_by_the_owner_are_refused(video, user):
    urls = _advertised(video)
    Video.objects.filter(pk=video.pk).update(download_enabled=False)
    owner = Client()
    owner.force_login(user)
    for url in urls.values():
        assert Client().get(url).status_code == 403, url
        assert owner.get(url).status_code == 403, url
    # The player's own files stay served: only the download routes are refused.
    assert Client().get(f"/static/web-videos/{video.files.get().filename}").status_code == 200
