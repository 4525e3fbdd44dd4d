"""Anonymous reads answered from memory, before Django: the video lists, watch and embed pages, and the
API's video list, video, search and config.

These are the same for every anonymous viewer (no cookie, no Authorization header), and they are what
a rush on one video or every following instance and app asks for. Each web process keeps the answers
Django gave (status 200, no cookie set, not private) with all their headers, keyed by what they may vary
on: scheme, path, query, host, Accept (HTML or ActivityPub, the browsable API), Accept-Language, and the
forwarded scheme and host behind a proxy.

Freshness: before each lookup the catalogue's version is read from the shared cache
(videos.services.catalog_version, bumped after every change that such a response shows); when it moved,
everything kept is dropped, so a new, edited, made-private or deleted video shows on the next request. An
answer is only kept if the version did not move while Django computed it. While the shared cache is
down, requests go to Django and nothing is kept (a bump may have been lost meanwhile). What changes
without a bump (a peer's view, a follower count) shows within MAX_AGE seconds, the longest an answer is
kept.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from videos.services import catalog_version

logger = logging.getLogger(__name__)

CACHED_PATHS = re.compile(
    r"/|/videos/(?:trending|local|followed)|/(?:w|videos/watch|videos/embed)/[^/]+"
    r"|/api/v1/(?:videos|videos/[^/]+|search/videos|config)"
)
MAX_AGE = 30.0
MAX_ENTRIES = 2000
MAX_BODY = 512 * 1024
# What an answer may depend on besides path and query (the forwarded ones behind a proxy: scheme and host).
VARY_HEADERS = (b"host", b"accept", b"accept-language", b"x-forwarded-proto", b"x-forwarded-host")
PRIVATE_HEADERS = (b"cookie", b"authorization")

Scope = dict
Send = Callable[[dict], Awaitable[None]]
Application = Callable[[Scope, Callable, Send], Awaitable[None]]


@dataclass
class Entry:
    stored_at: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def cache_key(scope: Scope) -> tuple | None:
    """What an anonymous GET of a cached path may vary on; None for any other request."""
    if scope["type"] != "http" or scope["method"] != "GET" or not CACHED_PATHS.fullmatch(scope["path"]):
        return None
    headers = dict(scope["headers"])  # a repeated header would vary the answer: then it is not cached
    if len(headers) != len(scope["headers"]) or any(name in headers for name in PRIVATE_HEADERS):
        return None
    return (scope["scheme"], scope["path"], scope["query_string"], *(headers.get(name, b"") for name in VARY_HEADERS))


def _storable(status: int, headers: list[tuple[bytes, bytes]]) -> bool:
    if status != 200:
        return False
    for name, value in headers:
        name = name.lower()
        if name == b"set-cookie" or (name == b"cache-control" and re.search(rb"private|no-store", value)):
            return False
    return True


class ResponseCache:
    """ASGI middleware around Django's application, as the module describes."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self.version: str | None = None
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Callable, send: Send) -> None:
        key = cache_key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        try:
            version = await asyncio.to_thread(catalog_version.current)
        except Exception:  # the shared cache is down: answer from Django, uncached, and forget what was kept
            logger.warning("Catalogue version unavailable; serving uncached", exc_info=True)
            self.entries.clear()
            self.version = None
            await self.app(scope, receive, send)
            return
        if version != self.version:
            self.entries.clear()
            self.version = version
        entry = self.entries.get(key)
        if entry is not None and time.monotonic() - entry.stored_at < MAX_AGE:
            self.entries.move_to_end(key)
            await send({"type": "http.response.start", "status": entry.status, "headers": entry.headers})
            await send({"type": "http.response.body", "body": entry.body})
            return
        await self.app(scope, receive, self._recording(send, key, version))

    def _recording(self, send: Send, key: tuple, version: str) -> Send:
        """`send` that also keeps the answer, if storable and the version is still the one read before."""
        start: dict = {}
        chunks: list[bytes] = []
        size = 0

        async def recording(message: dict) -> None:
            nonlocal size
            await send(message)
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body" and size <= MAX_BODY:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if not message.get("more_body") and size <= MAX_BODY:
                    self._store(key, version, start, b"".join(chunks))

        return recording

    def _store(self, key: tuple, version: str, start: dict, body: bytes) -> None:
        headers = list(start.get("headers", []))
        if version != self.version or not _storable(start.get("status", 0), headers):
            return
        self.entries[key] = Entry(time.monotonic(), start["status"], headers, body)
        self.entries.move_to_end(key)
        while len(self.entries) > MAX_ENTRIES:
            self.entries.popitem(last=False)
