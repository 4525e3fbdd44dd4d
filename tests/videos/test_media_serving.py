"""Media routes answer HTTP Range requests (players seek with them) and hide private videos' files."""

from pathlib import Path

import pytest
from django.conf import settings

from videos.constants import VideoPrivacy
from videos.models import Video, VideoFile


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


@pytest.mark.django_db
@pytest.mark.parametrize(
    "folder, url",
    [
        ("streaming-playlists/hls", "/static/streaming-playlists/hls"),
        ("web-videos", "/static/web-videos"),
        ("thumbnails", "/lazy-static/thumbnails"),
        ("previews", "/lazy-static/previews"),
        ("torrents", "/lazy-static/torrents"),
    ],
)
def test_files_no_video_owns_are_not_served(client, admin_user, folder, url):
    """What a deletion left on disk may be a private video's: without an owning row it is not public."""
    name = "0b7a3f0e-64b8-4f5e-9a57-3d1c3c1b2a10/x-720-fragmented.mp4" if folder.startswith("streaming") else "x.mp4"
    path = Path(settings.MEDIA_ROOT) / folder / name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"orphan")
    client.force_login(admin_user)
    assert client.get(f"{url}/{name}").status_code == 404


@pytest.mark.django_db
def test_owned_images_and_torrents_are_public_even_for_a_private_video(client, user):
    """As in PeerTube: a client shows its private video's thumbnail with an <img>, which carries no token."""
    video = Video.objects.create(
        channel=user.account.channels.get(),
        name="Mine",
        privacy=VideoPrivacy.PRIVATE,
        thumbnail_filename="thumb.jpg",
        preview_filename="preview.jpg",
    )
    VideoFile.objects.create(video=video, resolution=240, filename="web-240.mp4", torrent_filename="web-240.torrent")
    for folder, name in (
        ("thumbnails", "thumb.jpg"),
        ("previews", "preview.jpg"),
        ("torrents", "web-240.torrent"),
        ("web-videos", "web-240.mp4"),
    ):
        (Path(settings.MEDIA_ROOT) / folder).mkdir(exist_ok=True)
        (Path(settings.MEDIA_ROOT) / folder / name).write_bytes(b"data")
    assert client.get("/lazy-static/thumbnails/thumb.jpg").status_code == 200
    assert client.get("/lazy-static/previews/preview.jpg").status_code == 200
    assert client.get("/lazy-static/torrents/web-240.torrent").status_code == 200
    assert client.get("/static/web-videos/web-240.mp4").status_code == 404
    client.force_login(user)
    assert client.get("/static/web-videos/web-240.mp4").status_code == 200
