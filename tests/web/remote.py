"""A second HTTP server that serves a followed instance's HLS ladder the way a PeerTube origin does (byte
ranges, CORS), for the remote videos tests.factories.create_remote_video makes."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".mp4": "video/mp4", ".json": "application/json"}
RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


class OriginServer:
    """Serves `root` on a free local port, with HTTP ranges and CORS; `requested` lists the paths asked for."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.requested: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

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
                    body = body[start : end + 1]
                else:
                    self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPES.get(file.suffix, "application/octet-stream"))
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Accept-Ranges", "bytes")
                self._cors()
                self.end_headers()
                self.wfile.write(body)

        return Handler
