"""A followed instance's video for the web tests: its rows as the federation import leaves them, and a
second HTTP server that serves an HLS ladder the way a PeerTube origin does (byte ranges, CORS).

`create_remote_video` is plain ORM code, so it runs in the test process (Django's test client) and,
through `manage.py shell`, in a live instance (browser tests).
"""
from __future__ import annotations

import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.utils import timezone

from videos.constants import VideoPrivacy, VideoState
from videos.models import Account, Channel, StreamingPlaylist, Video, VideoFile

HLS_PREFIX = "/static/streaming-playlists/hls"
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".mp4": "video/mp4", ".json": "application/json"}
RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


def create_remote_video(
    origin: str, *, name: str, video_uuid: str | None = None, master: str = "master.m3u8",
    rungs: list[dict] | None = None, preview: str = "", duration: int = 12,
) -> Video:
    """A published public video of the instance at `origin` ("http://host:port"), with its HLS playlist and
    rungs (dicts with resolution, width, height, fps, size, filename) served from `origin`'s HLS folder."""
    host = urlsplit(origin).netloc
    account, _ = Account.objects.get_or_create(
        name="peer_user", host=host, defaults={"display_name": "Peer user", "url": f"{origin}/accounts/peer_user"}
    )
    channel, _ = Channel.objects.get_or_create(
        name="peer_channel", host=host,
        defaults={"account": account, "display_name": "Peer channel", "url": f"{origin}/video-channels/peer_channel"},
    )
    video_uuid = video_uuid or str(uuid.uuid4())
    video = Video.objects.create(
        uuid=video_uuid, channel=channel, name=name, is_local=False, url=f"{origin}/videos/watch/{video_uuid}",
        state=VideoState.PUBLISHED, privacy=VideoPrivacy.PUBLIC, published_at=timezone.now(), duration=duration,
        thumbnail_filename=preview, preview_filename=preview,
    )
    folder = f"{origin}{HLS_PREFIX}/{video_uuid}"
    playlist = StreamingPlaylist.objects.create(
        video=video, playlist_url=f"{folder}/{master}", segments_sha256_url=f"{folder}/segments-sha256.json"
    )
    VideoFile.objects.bulk_create(
        VideoFile(playlist=playlist, resolution=rung["resolution"], width=rung["width"], height=rung["height"],
                  fps=rung["fps"], size=rung["size"], file_url=f"{folder}/{rung['filename']}")
        for rung in rungs or []
    )
    return Video.objects.get(pk=video.pk)


class OriginServer:
    """Serves `root` on a free local port, with HTTP ranges and CORS; `requested` lists the paths asked for."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.requested: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # the test reads `requested` instead
                pass

            def _cors(self) -> None:
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Headers", "Range")
                self.send_header("Access-Control-Expose-Headers", "Content-Range, Content-Length, Accept-Ranges")

            def do_OPTIONS(self) -> None:
                self.send_response(204)
                self._cors()
                self.end_headers()

            def do_GET(self) -> None:
                path = unquote(urlsplit(self.path).path)
                server.requested.append(path)
                file = (server.root / path.lstrip("/")).resolve()
                if server.root not in file.parents or not file.is_file():
                    self.send_error(404)
                    return
                body = file.read_bytes()
                match = RANGE.match(self.headers.get("Range", ""))
                if match:
                    start = int(match.group(1))
                    end = min(int(match.group(2) or len(body) - 1), len(body) - 1)
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{end}/{len(body)}")
                    body = body[start:end + 1]
                else:
                    self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPES.get(file.suffix, "application/octet-stream"))
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Accept-Ranges", "bytes")
                self._cors()
                self.end_headers()
                self.wfile.write(body)

        return Handler
