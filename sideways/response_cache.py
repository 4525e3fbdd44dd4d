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

Cheap under a rush: reading the version is a round trip to Redis in a thread, far dearer than answering
from memory (alone it held a process to ~800 answers a second), so the requests that arrive while a read
is under way share the next one (VersionReads): each still sees a version read after it arrived. And when
an answer is missing, the requests for it that come while the first computes it wait for that answer
instead of computing it again each (a missing search answer at 100 000 videos is ~50 ms of work).
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
# What one process keeps at most: varied queries or headers cannot make it grow past this.
MAX_BYTES = 64 * 1024 * 1024
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


class VersionReads:
    """The catalogue's version, read in a thread; one read at a time, shared by every request that arrived
    before it started (never by one that arrives later: it may follow a change the read missed)."""

    def __init__(self, read: Callable[[], str]) -> None:
        self.read = read
        self.waiting: asyncio.Future | None = None  # for the requests that came since the last read started
        self.reading = False

    async def current(self) -> str:
        if self.waiting is None:
            self.waiting = asyncio.get_running_loop().create_future()
        answer = self.waiting
        if not self.reading:
            self._start()
        return await asyncio.shield(answer)  # a request cancelled while waiting cancels not the others' read

    def _start(self) -> None:
        answer, self.waiting = self.waiting, None
        self.reading = True
        reading = asyncio.ensure_future(asyncio.to_thread(self.read))
        reading.add_done_callback(lambda done: self._finish(answer, done))

    def _finish(self, answer: asyncio.Future, done: asyncio.Future) -> None:
        self.reading = False
        if done.cancelled():  # the loop is closing
            answer.cancel()
        elif done.exception() is not None:
            answer.set_exception(done.exception())
        else:
            answer.set_result(done.result())
        if self.waiting is not None:
            self._start()


class KeptAnswers:
    """The answers a process keeps, least recently used first, within MAX_ENTRIES and MAX_BYTES of bodies."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.size = 0

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0

    def fresh(self, key: tuple) -> Entry | None:
        """The answer kept for `key` if younger than MAX_AGE (it becomes the most recently used)."""
        entry = self.entries.get(key)
        if entry is None or time.monotonic() - entry.stored_at >= MAX_AGE:
            return None
        self.entries.move_to_end(key)
        return entry

    def keep(self, key: tuple, entry: Entry) -> None:
        if (old := self.entries.pop(key, None)) is not None:
            self.size -= len(old.body)
        self.entries[key] = entry
        self.size += len(entry.body)
        while len(self.entries) > MAX_ENTRIES or self.size > MAX_BYTES:
            self.size -= len(self.entries.popitem(last=False)[1].body)


class ResponseCache:
    """ASGI middleware around Django's application, as the module describes."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self.version: str | None = None
        self.entries = KeptAnswers()
        self.versions = VersionReads(catalog_version.current)
        self.computing: dict[tuple, asyncio.Event] = {}  # answers being computed, by key

    async def __call__(self, scope: Scope, receive: Callable, send: Send) -> None:
        key = cache_key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        try:
            version = await self.versions.current()
        except Exception:  # the shared cache is down: answer from Django, uncached, and forget what was kept
            logger.warning("Catalogue version unavailable; serving uncached", exc_info=True)
            self.entries.clear()
            self.version = None
            await self.app(scope, receive, send)
            return
        if version != self.version:
            self.entries.clear()
            self.version = version
        if await self._answer_from_memory(key, send):
            return
        computed = asyncio.Event()
        self.computing[key] = computed
        try:
            await self.app(scope, receive, self._recording(send, key, version))
        finally:
            computed.set()
            if self.computing.get(key) is computed:
                del self.computing[key]

    async def _answer_from_memory(self, key: tuple, send: Send) -> bool:
        """Send the kept answer, waiting first for one being computed; False when there is none to send."""
        if key in self.computing and self.entries.fresh(key) is None:
            await self.computing[key].wait()
        entry = self.entries.fresh(key)
        if entry is None:
            return False
        await send({"type": "http.response.start", "status": entry.status, "headers": entry.headers})
        await send({"type": "http.response.body", "body": entry.body})
        return True

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
        self.entries.keep(key, Entry(time.monotonic(), start["status"], headers, body))
