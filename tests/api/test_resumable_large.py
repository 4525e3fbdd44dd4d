"""A 2 GB resumable upload cut at 1.5 GB resumes and completes, through the web server, without buffering in
memory.

Runs against a live instance (scripts/web on PostgreSQL + Redis) with a real 2.2 GB video: raw 1080p frames in
Matroska, quick for ffmpeg to write and for the upload service to probe and decode-check.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live import ROOT_PASSWORD, instance_on_real_services
from tests.media import ffmpeg

pytestmark = pytest.mark.integration

GIB = 1024**3
PATH = "/api/v1/videos/upload-resumable"


@pytest.fixture
def instance(real_services, tmp_path):
    yield from instance_on_real_services(real_services, tmp_path / "instance", worker=False)


def big_video(path: Path) -> Path:
    """~2.2 GB: 700 uncompressed 1920x1080 frames (3.1 MB each)."""
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25", "-frames:v", "700"),
        *("-c:v", "rawvideo", "-pix_fmt", "yuv420p", str(path)),
    )
    return path


def token(url: str) -> str:
    client = requests.get(f"{url}/api/v1/oauth-clients/local").json()
    response = requests.post(
        f"{url}/api/v1/users/token",
        data={**client, "grant_type": "password", "username": "root", "password": ROOT_PASSWORD},
    )
    response.raise_for_status()
    return response.json()["access_token"]


class FileRange:
    """Bytes [start, stop) of a file, streamed in 8 MB pieces with a known length (so no chunked encoding);
    raises after `abort_after` bytes to cut the connection mid-request."""

    def __init__(self, path: Path, start: int, stop: int, abort_after: int | None = None):
        self.path, self.start, self.stop, self.abort_after = path, start, stop, abort_after

    def __len__(self) -> int:
        return self.stop - self.start

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        with self.path.open("rb") as source:
            source.seek(self.start)
            while sent < len(self):
                if self.abort_after is not None and sent >= self.abort_after:
                    raise ConnectionAbortedError("simulated network cut")
                chunk = source.read(min(8 * 1024 * 1024, len(self) - sent))
                sent += len(chunk)
                yield chunk


def test_two_gigabyte_upload_cut_at_one_and_a_half_resumes_and_completes(instance, tmp_path):
    video = big_video(tmp_path / "big.mkv")
    size = video.stat().st_size
    assert size > 2 * GIB
    headers = {"Authorization": f"Bearer {token(instance.url)}"}
    me = requests.get(f"{instance.url}/api/v1/users/me", headers=headers).json()
    started = requests.post(
        instance.url + PATH,
        headers={**headers, "X-Upload-Content-Length": str(size), "X-Upload-Content-Type": "video/x-matroska"},
        json={"name": "Two gigabytes", "channelId": me["videoChannels"][0]["id"], "filename": "big.mkv"},
    )
    assert started.status_code == 201, started.text
    upload_url = instance.url + PATH + "?" + started.headers["Location"].split("?", 1)[1]

    def put(start: int, stop: int, abort_after: int | None = None) -> requests.Response:
        return requests.put(
            upload_url,
            data=FileRange(video, start, stop, abort_after),
            headers={
                **headers,
                "Content-Type": "application/octet-stream",
                "Content-Range": f"bytes {start}-{stop - 1}/{size}",
            },
        )

    first = put(0, GIB)
    assert first.status_code == 308, first.text
    assert first.headers["Range"] == f"bytes=0-{GIB - 1}"

    # The second chunk announces everything left but the connection dies 0.5 GB in (at 1.5 GB).
    with pytest.raises((requests.exceptions.ConnectionError, ConnectionAbortedError)):
        put(GIB, size, abort_after=GIB // 2)
    probe = requests.put(upload_url, headers={**headers, "Content-Range": f"bytes */{size}", "Content-Length": "0"})
    assert probe.status_code == 308
    stored = int(probe.headers["Range"].rsplit("-", 1)[1]) + 1
    # The ASGI server hands a request to Django once its body has arrived: the chunk cut short is dropped
    # whole, and the client resends it from where the last complete chunk ended.
    assert stored == GIB

    last = put(stored, size)
    assert last.status_code == 200, last.text
    uuid = last.json()["video"]["uuid"]
    details = requests.get(f"{instance.url}/api/v1/videos/{uuid}", headers=headers).json()
    # Published at once as a stream copy of the original without its metadata: a few bytes apart.
    assert details["name"] == "Two gigabytes" and abs(details["files"][0]["size"] - size) < size // 1000
    stored_files = list((instance.data_dir / "originals").rglob("*.mkv"))
    assert [path.stat().st_size for path in stored_files] == [size]
    assert instance.web_peak_rss() < 400 * 1024**2, "the upload must stream to disk, not into memory"
