"""The media proxy: a followed instance's HLS files reach our viewers through us, byte ranges and all,
and nothing else can be fetched through it; its cache makes many viewers cost the origin one copy."""

import asyncio
import time
import uuid
from dataclasses import dataclass

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from tests.factories import HLS_PREFIX, create_remote_video, make_video
from tests.web.remote import OriginServer
from videos.storage import REMOTE_HLS_PREFIX

MASTER = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=640x360\n360.m3u8\n"
FRAGMENT = bytes(range(256)) * 64  # 16 KiB standing in for a fragmented MP4


@pytest.fixture
def origin(db, tmp_path, settings):
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = True
    settings.SIDEWAYS_MEDIA_CACHE_DIR = tmp_path / "media-cache"
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


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]


def fetch(path: str, method: str = "GET", **headers: str) -> Answer:
    """A request through our ASGI handler, as uvicorn passes it (the proxy's answer finds its bytes there)."""
    from sideways.asgi_handler import Handler

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def exchange() -> Answer:
        communicator = ApplicationCommunicator(Handler(), scope)
        await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await communicator.receive_output(10)
        body = b""
        while True:
            message = await communicator.receive_output(10)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await communicator.wait(10)
        found = {name.decode().lower(): value.decode() for name, value in start["headers"]}
        return Answer(start["status"], found, body)

    return async_to_sync(exchange)()


def test_the_master_and_a_byte_range_come_from_the_origin(origin):
    server, video = origin
    master = fetch(f"{REMOTE_HLS_PREFIX}/{video.uuid}/master.m3u8")
    assert master.status_code == 200 and master["Content-Type"] == "application/vnd.apple.mpegurl"
    assert master.content.decode() == MASTER
    part = fetch(f"{REMOTE_HLS_PREFIX}/{video.uuid}/a-360-fragmented.mp4", Range="bytes=100-1099")
    assert part.status_code == 206 and part["Content-Type"] == "video/mp4"
    assert part["Content-Range"] == f"bytes 100-1099/{len(FRAGMENT)}" and part["Content-Length"] == "1000"
    assert part.content == FRAGMENT[100:1100]
    assert "set-cookie" not in part.headers and part["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize("name", ["page.html", "master", "..", ".m3u8.exe", "a" * 201 + ".mp4"])
def test_other_names_are_refused_without_asking_the_origin(origin, name):
    server, video = origin
    assert fetch(f"{REMOTE_HLS_PREFIX}/{video.uuid}/{name}").status_code == 404
    assert server.requested == []


def test_a_local_video_or_unknown_uuid_is_not_proxied(origin, user):
    server, _ = origin
    local = make_video(user.account.channels.get(), "Local lake")
    for video_uuid in (local.uuid, uuid.uuid4()):
        assert fetch(f"{REMOTE_HLS_PREFIX}/{video_uuid}/master.m3u8").status_code == 404
    assert server.requested == []


def test_a_missing_file_is_a_404_and_a_dead_origin_a_502(origin):
    server, video = origin
    assert fetch(f"{REMOTE_HLS_PREFIX}/{video.uuid}/gone.mp4").status_code == 404
    server.stop()
    response = fetch(f"{REMOTE_HLS_PREFIX}/{video.uuid}/master.m3u8")
    assert response.status_code == 502 and b"did not answer" in response.content


def test_without_the_setting_a_private_origin_is_never_fetched(origin, settings):
    server, video = origin
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = False
    assert fetch(f"{REMOTE_HLS_PREFIX}/{video.uuid}/master.m3u8").status_code == 502
    assert server.requested == []


def test_head_gives_the_headers_without_the_body(origin):
    _, video = origin
    response = fetch(f"{REMOTE_HLS_PREFIX}/{video.uuid}/a-360-fragmented.mp4", "HEAD")
    assert response.status_code == 200 and response["Content-Length"] == str(len(FRAGMENT))
    assert response.content == b""


def test_viewers_of_a_segment_cost_the_origin_one_request(origin):
    server, video = origin
    path = f"{REMOTE_HLS_PREFIX}/{video.uuid}/a-360-fragmented.mp4"
    for _ in range(3):
        part = fetch(path, Range="bytes=0-99")
        assert part.status_code == 206 and part["Content-Range"] == f"bytes 0-99/{len(FRAGMENT)}"
        assert part.content == FRAGMENT[:100]
    assert fetch(path, Range="bytes=100-199").content == FRAGMENT[100:200]  # another range
    assert server.requested.count(f"{HLS_PREFIX}/{video.uuid}/a-360-fragmented.mp4") == 2
    server.stop()  # kept: served with the origin gone
    assert fetch(path, Range="bytes=0-99").content == FRAGMENT[:100]


def test_the_cache_keeps_the_most_recently_served_within_its_size(origin, settings):
    server, video = origin
    settings.SIDEWAYS_MEDIA_CACHE_SIZE = 4000  # room for two 1000-byte ranges (one quarter at most each)
    path = f"{REMOTE_HLS_PREFIX}/{video.uuid}/a-360-fragmented.mp4"
    ranges = ["bytes=0-999", "bytes=1000-1999", "bytes=2000-2999", "bytes=3000-3999", "bytes=4000-4999"]
    for byte_range in ranges:
        assert fetch(path, Range=byte_range).status_code == 206
    server.requested.clear()
    assert fetch(path, Range=ranges[1]).content == FRAGMENT[1000:2000]  # the four most recent are kept
    assert fetch(path, Range=ranges[4]).content == FRAGMENT[4000:5000]
    assert server.requested == []
    assert fetch(path, Range=ranges[0]).content == FRAGMENT[:1000]  # the least recently served was dropped
    assert len(server.requested) == 1
    kept = sum(body.stat().st_size for body in settings.SIDEWAYS_MEDIA_CACHE_DIR.glob("*/*.body"))
    assert kept <= 4000


def test_an_answer_too_large_for_the_cache_or_a_cache_off_is_relayed_each_time(origin, settings):
    server, video = origin
    path = f"{REMOTE_HLS_PREFIX}/{video.uuid}/a-360-fragmented.mp4"
    settings.SIDEWAYS_MEDIA_CACHE_SIZE = len(FRAGMENT)  # the whole file is more than a quarter of it
    assert fetch(path).content == FRAGMENT and fetch(path).content == FRAGMENT
    settings.SIDEWAYS_MEDIA_CACHE_SIZE = 0
    assert fetch(path, Range="bytes=0-9").content == FRAGMENT[:10]
    assert fetch(path, Range="bytes=0-9").content == FRAGMENT[:10]
    assert len(server.requested) == 4
    assert not list(settings.SIDEWAYS_MEDIA_CACHE_DIR.glob("*/*.body"))


def test_simultaneous_viewers_of_an_uncached_segment_wait_for_one_fetch(origin, monkeypatch):
    from federation.protocol import http, media_cache

    server, video = origin
    real = http.stream_media

    def slow_origin(*args, **kwargs):
        time.sleep(0.3)  # the viewers all ask while the first fetch is under way
        return real(*args, **kwargs)

    monkeypatch.setattr(http, "stream_media", slow_origin)
    url = f"{server.url}{HLS_PREFIX}/{video.uuid}/a-360-fragmented.mp4"

    async def twenty_viewers():
        return await asyncio.gather(*(media_cache.fetch(url, "bytes=0-99") for _ in range(20)))

    entries = asyncio.run(twenty_viewers())
    assert len(server.requested) == 1
    assert all(entry.path.read_bytes() == FRAGMENT[:100] for entry in entries)
