"""The media proxy: a followed instance's HLS files reach our viewers through us, byte ranges and all,
and nothing else can be fetched through it."""

import uuid

import pytest

from tests.factories import HLS_PREFIX, create_remote_video, make_video
from tests.web.remote import OriginServer
from videos.storage import REMOTE_HLS_PREFIX

MASTER = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=640x360\n360.m3u8\n"
FRAGMENT = bytes(range(256)) * 64  # 16 KiB standing in for a fragmented MP4


@pytest.fixture
def origin(db, tmp_path, settings):
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = True
    video_uuid = str(uuid.uuid4())
    folder = tmp_path / HLS_PREFIX.lstrip("/") / video_uuid
    folder.mkdir(parents=True)
    (folder / "master.m3u8").write_text(MASTER)
    (folder / "a-360-fragmented.mp4").write_bytes(FRAGMENT)
    server = OriginServer(tmp_path)
    rung = {
        "resolution": 360,
        "width": 640,
        "height": 360,
        "fps": 25,
        "size": len(FRAGMENT),
        "filename": "a-360-fragmented.mp4",
    }
    video = create_remote_video(server.url, name="Remote river", video_uuid=video_uuid, rungs=[rung])
    yield server, video
    server.stop()


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_master_and_a_byte_range_come_from_the_origin(client, origin):
    server, video = origin
    master = client.get(f"{REMOTE_HLS_PREFIX}/{video.uuid}/master.m3u8")
    assert master.status_code == 200 and master["Content-Type"] == "application/vnd.apple.mpegurl"
    assert _body(master).decode() == MASTER
    part = client.get(f"{REMOTE_HLS_PREFIX}/{video.uuid}/a-360-fragmented.mp4", HTTP_RANGE="bytes=100-1099")
    assert part.status_code == 206 and part["Content-Type"] == "video/mp4"
    assert part["Content-Range"] == f"bytes 100-1099/{len(FRAGMENT)}" and part["Content-Length"] == "1000"
    assert _body(part) == FRAGMENT[100:1100]
    assert not part.cookies and part["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize("name", ["page.html", "master", "..", ".m3u8.exe", "a" * 201 + ".mp4"])
def test_other_names_are_refused_without_asking_the_origin(client, origin, name):
    server, video = origin
    assert client.get(f"{REMOTE_HLS_PREFIX}/{video.uuid}/{name}").status_code == 404
    assert server.requested == []


def test_a_local_video_or_unknown_uuid_is_not_proxied(client, origin, user):
    server, _ = origin
    local = make_video(user.account.channels.get(), "Local lake")
    for video_uuid in (local.uuid, uuid.uuid4()):
        assert client.get(f"{REMOTE_HLS_PREFIX}/{video_uuid}/master.m3u8").status_code == 404
    assert server.requested == []


def test_a_missing_file_is_a_404_and_a_dead_origin_a_502(client, origin):
    server, video = origin
    assert client.get(f"{REMOTE_HLS_PREFIX}/{video.uuid}/gone.mp4").status_code == 404
    server.stop()
    response = client.get(f"{REMOTE_HLS_PREFIX}/{video.uuid}/master.m3u8")
    assert response.status_code == 502 and b"did not answer" in response.content


def test_without_the_setting_a_private_origin_is_never_fetched(client, origin, settings):
    server, video = origin
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = False
    assert client.get(f"{REMOTE_HLS_PREFIX}/{video.uuid}/master.m3u8").status_code == 502
    assert server.requested == []


def test_head_gives_the_headers_without_the_body(client, origin):
    _, video = origin
    response = client.head(f"{REMOTE_HLS_PREFIX}/{video.uuid}/a-360-fragmented.mp4")
    assert response.status_code == 200 and response["Content-Length"] == str(len(FRAGMENT))
    assert response.content == b""
