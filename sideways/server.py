"""The web server: uvicorn serving `sideways.asgi:application`, with the deadlines uvicorn lacks.

    python -m sideways.server HOST PORT      (scripts/web is the command line everything uses)

uvicorn keeps connections on an event loop, so a slow client costs a socket, not a thread; but it puts no
time limit on a request's headers or body, so a client dripping them keeps its socket, and enough of them
fill the connection limit (then every new request gets 503). Here a request's headers must all arrive
within HEADERS_SECONDS of its first byte (or of the connection), answered 408 otherwise, and its body may
not pause longer than BODY_IDLE_SECONDS (the connection is closed). Idle keep-alive connections are
uvicorn's own timeout (75 s, see scripts/web).
"""

from __future__ import annotations

import asyncio
import os
import sys

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADERS_SECONDS = float(os.environ.get("SIDEWAYS_HEADERS_TIMEOUT", "20"))
BODY_IDLE_SECONDS = float(os.environ.get("SIDEWAYS_BODY_IDLE_TIMEOUT", "60"))
TIMEOUT_ANSWER = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


class TimedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol with a deadline on a request's headers and on each pause of its body."""

    _deadline: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float, expired) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_too_slow(self) -> None:
        if not self.transport.is_closing():
            self.transport.write(TIMEOUT_ANSWER)
            self.transport.close()

    def _body_too_slow(self) -> None:
        self.transport.close()  # the application sees the client gone

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(HEADERS_SECONDS, self._headers_too_slow)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm(HEADERS_SECONDS, self._headers_too_slow)

    def on_headers_complete(self) -> None:
        if self.parser.should_upgrade():
            self._disarm()  # a WebSocket (the P2P tracker) lives as long as it wants
        else:
            self._arm(BODY_IDLE_SECONDS, self._body_too_slow)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._arm(BODY_IDLE_SECONDS, self._body_too_slow)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def main(host: str, port: int) -> None:
    os.environ["SIDEWAYS_DB_POOL"] = "1"  # a PostgreSQL connection pool per process (sideways/settings.py)
    uvicorn.run(
        "sideways.asgi:application",
        host=host,
        port=port,
        http="sideways.server:TimedHttpProtocol",
        workers=int(os.environ.get("SIDEWAYS_WEB_WORKERS", "2")),
        timeout_keep_alive=75,
        limit_concurrency=2000,
        timeout_graceful_shutdown=30,
        lifespan="on",
        # No client address in any log: no access log, and none of uvicorn's INFO lines (each WebSocket's
        # "<address> - WebSocket ... [accepted]"); its warnings and errors name no client.
        access_log=False,
        log_level="warning",
        server_header=False,
        # The only WebSocket is the P2P tracker's: small JSON frames, thousands of sockets. Compressing them
        # cost more CPU time than it saved and a zlib context per socket (benchmarks/tracker.py).
        ws_per_message_deflate=False,
        # The tracker answers or drops a frame over its MAX_FRAME (64 KiB) and keeps the socket; one over
        # 1 MiB is refused before it is buffered (the connection closes with 1009), not at uvicorn's 16 MiB.
        ws_max_size=1024 * 1024,
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
