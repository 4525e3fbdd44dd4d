"""Media routes answer HTTP Range requests (players seek with them) and hide private videos' files."""
from pathlib import Path

import pytest
from django.conf import settings

from videos.constants import VideoPrivacy
from videos.models import Video


@pytest.fixture
def hls_file(user):
    video = Video.objects.create(channel=user.account.channels.get(), name="Ranges")
    folder = Path(settings.MEDIA_ROOT) / "streaming-playlists" / "hls" / str(video.uuid)
    folder.mkdir(parents=True)
    (folder / "a-720-fragmented.mp4").write_bytes(bytes(range(256)) * 4)
    return video, f"/static/streaming-playlists/hls/{video.uuid}/a-720-fragmented.mp4"


@pytest.mark.django_db
def test_whole_file_and_ranges(client, hls_file):
    _, url = hls_file
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert whole["Access-Control-Allow-Origin"] == "*"
    assert b"".join(whole.streaming_content) == bytes(range(256)) * 4

    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert part["Content-Range"] == "bytes 10-19/1024" and part["Content-Length"] == "10"
    assert b"".join(part.streaming_content) == bytes(range(10, 20))

    tail = client.get(url, HTTP_RANGE="bytes=-4")
    assert b"".join(tail.streaming_content) == bytes([252, 253, 254, 255])
    open_end = client.get(url, HTTP_RANGE="bytes=1020-")
    assert open_end["Content-Range"] == "bytes 1020-1023/1024"

    outside = client.get(url, HTTP_RANGE="bytes=5000-6000")
    assert outside.status_code == 416 and outside["Content-Range"] == "bytes */1024"


@pytest.mark.django_db
def test_no_path_traversal_and_404s(client, hls_file):
    video, _ = hls_file
    assert client.get(f"/static/streaming-playlists/hls/{video.uuid}/missing.mp4").status_code == 404
    assert client.get("/static/streaming-playlists/hls/../../originals/x").status_code == 404
    assert client.get("/lazy-static/thumbnails/%2e%2e/%2e%2e/secret_key").status_code == 404


@pytest.mark.django_db
def test_private_video_files_only_for_owner(client, hls_file, user):
    video, url = hls_file
    video.privacy = VideoPrivacy.PRIVATE
    video.save()
    assert client.get(url).status_code == 404
    client.force_login(user)
    assert client.get(url).status_code == 200
