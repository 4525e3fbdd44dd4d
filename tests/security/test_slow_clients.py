"""Slow and idle clients against the web server as `make run` starts it (scripts/web, through tests.live).

Before: gunicorn's threads were each held by one slow client, so a few dozen connections sending their
headers or body byte by byte took the site offline; and idle keep-alive sockets were closed after 2 s,
under PeerTube's HTTP agent that reuses them for longer, which lost its deliveries.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from tests.live import LiveInstance, start_instance

SLOW_CLIENTS = 50


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> Iterator[LiveInstance]:
    live = start_instance(tmp_path_factory.mktemp("slow-clients") / "instance", worker=False)
    yield live
    live.stop()


def connect(instance: LiveInstance) -> socket.socket:
    address = urlsplit(instance.url)
    return socket.create_connection((address.hostname, address.port), timeout=5)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length: status, headers (lower-case names), body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed by the server after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    while len(body) < int(headers.get("content-length", 0)):
        body += sock.recv(65536)
    return int(status_line.split()[1]), headers, body


def request(sock: socket.socket, instance: LiveInstance, path: str) -> tuple[int, dict[str, str], bytes]:
    host = urlsplit(instance.url).netloc
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Language: en\r\n\r\n".encode())
    return read_response(sock)


def timed_get(instance: LiveInstance, path: str) -> float:
    started = time.monotonic()
    with connect(instance) as sock:
        status, _headers, _body = request(sock, instance, path)
    assert status == 200, path
    return time.monotonic() - started


def test_fifty_slow_clients_do_not_hold_the_site(instance):
    for _ in range(4):  # every server process has loaded the views before the clock starts
        timed_get(instance, "/")
        timed_get(instance, "/api/v1/config")
    host = urlsplit(instance.url).netloc
    slow = []
    try:
        for number in range(SLOW_CLIENTS):
            sock = connect(instance)
            if number % 2:  # headers complete, then one byte of a body of 1000
                sock.sendall(
                    f"POST /api/v1/users/token HTTP/1.1\r\nHost: {host}\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nc".encode()
                )
            else:  # headers dripped, never finished
                sock.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\n".encode())
            slow.append(sock)
        for round_ in range(3):
            for number, sock in enumerate(slow):
                sock.sendall(b"l" if number % 2 else f"X-Drip-{round_}: 1\r\n".encode())
            assert timed_get(instance, "/") < 1
            assert timed_get(instance, "/api/v1/config") < 1
    finally:
        for sock in slow:
            sock.close()


def test_an_idle_keep_alive_connection_is_still_usable_after_ten_seconds(instance):
    with connect(instance) as sock:
        sock.settimeout(15)
        status, headers, _ = request(sock, instance, "/api/v1/config")
        assert status == 200 and headers.get("connection", "keep-alive").lower() != "close"
        time.sleep(10)
        status, _headers, body = request(sock, instance, "/api/v1/config")
        assert status == 200 and b"serverVersion" in body


def test_a_body_over_the_upload_limit_is_refused_before_it_is_sent_and_the_connection_closed(instance):
    host = urlsplit(instance.url).netloc
    with connect(instance) as sock:
        sock.sendall(
            f"POST /api/v1/videos/upload HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {100 * 1024**3}\r\n\r\n".encode()
        )
        status, headers, body = read_response(sock)
        assert status == 413
        assert headers["content-type"].startswith("application/problem+json") and b'"status": 413' in body
        # It says so, and does so: no keep-alive promised over a body it will not read.
        assert headers["connection"].lower() == "close"
        assert sock.recv(1) == b""


def big_media_file(instance: LiveInstance, size: int) -> str:
    """A public video owning a `size`-byte HLS file (sparse: no disk used); returns the file's path."""
    video_uuid = instance.manage(
        "shell",
        "-c",
        (
            "from videos.models import Video\n"
            "from videos.services.accounts import create_local_user\n"
            "user = create_local_user('streamer', 'streamer-password-1')\n"
            "print(Video.objects.create(channel=user.account.channels.get(), name='Big').uuid)\n"
        ),
    ).stdout.split()[-1]
    folder = instance.data_dir / "media" / "streaming-playlists" / "hls" / video_uuid
    folder.mkdir(parents=True)
    with (folder / "big-720-fragmented.mp4").open("wb") as file:
        file.truncate(size)
    return f"/static/streaming-playlists/hls/{video_uuid}/big-720-fragmented.mp4"


def test_big_files_are_streamed_not_held_in_memory(instance):
    """Django's ASGI handler would read a file response whole into memory before sending it."""
    size = 600 * 1024**2
    path = big_media_file(instance, size)
    with requests.get(instance.url + path, stream=True, timeout=30) as whole:
        assert whole.status_code == 200 and int(whole.headers["Content-Length"]) == size
        assert sum(len(chunk) for chunk in whole.iter_content(1024**2)) == size
    start = 100 * 1024**2
    with requests.get(instance.url + path, headers={"Range": f"bytes={start}-"}, stream=True, timeout=30) as part:
        assert part.status_code == 206 and part.headers["Content-Range"] == f"bytes {start}-{size - 1}/{size}"
        assert sum(len(chunk) for chunk in part.iter_content(1024**2)) == size - start
    assert instance.web_peak_rss() < 250 * 1024**2


def test_dripped_headers_get_408_and_a_stalled_body_is_cut_off(tmp_path):
    """A client may not keep its socket by sending its request slower than the server's deadlines (here
    2 s instead of 20 s for headers and 60 s of silence in a body)."""
    live = start_instance(
        tmp_path / "deadlines",
        worker=False,
        extra_env={"SIDEWAYS_HEADERS_TIMEOUT": "2", "SIDEWAYS_BODY_IDLE_TIMEOUT": "2"},
    )
    host = urlsplit(live.url).netloc
    try:
        with connect(live) as sock:
            sock.settimeout(10)
            started = time.monotonic()
            sock.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode())  # never finished
            status, headers, _body = read_response(sock)
            assert status == 408 and headers["connection"] == "close" and time.monotonic() - started < 6
            assert sock.recv(1) == b""
        with connect(live) as sock:
            sock.settimeout(10)
            started = time.monotonic()
            sock.sendall(
                f"POST /api/v1/videos/upload HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: 100000\r\n\r\nonly the start".encode()
            )
            while sock.recv(65536):
                pass  # whatever is answered, the server closes the connection
            assert time.monotonic() - started < 6
        assert timed_get(live, "/api/v1/config") < 1
    finally:
        live.stop()
