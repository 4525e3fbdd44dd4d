"""A bounded on-disk cache of the remote media the proxy serves, so many viewers cost the origin one copy.

Players ask for a remote video's fragments by byte range, and every viewer of a rendition asks for the
same ranges (they come from the rendition playlist). An entry is one origin answer for one (URL, range):
its body in a file, its status and range headers beside it. The total is kept under
SIDEWAYS_MEDIA_CACHE_SIZE bytes by dropping the least recently served entries (0 turns the cache off).
Answers larger than a quarter of the cache, or of unknown length, are relayed without being kept.

While an entry is being fetched, other requests for it in the same process wait for it instead of asking
the origin again (each web server process may fetch it once). The fetch runs in one worker thread; serving
a kept entry takes no thread of its own (federation.endpoints.media_proxy reads it chunk by chunk).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from federation.protocol import http

# Answers larger than this share of the cache are relayed, not kept (one film must not evict every segment).
LARGEST_SHARE = 4

_fetching: dict[str, asyncio.Future] = {}


@dataclass(frozen=True)
class Entry:
    """A kept origin answer: the body's file and the headers a player needs."""

    path: Path
    status: int
    content_length: str
    content_range: str | None


def _folder() -> Path:
    return Path(settings.SIDEWAYS_MEDIA_CACHE_DIR)


def _key(url: str, byte_range: str | None) -> str:
    return hashlib.sha256(f"{url}\n{byte_range or ''}".encode()).hexdigest()


def _paths(key: str) -> tuple[Path, Path]:
    base = _folder() / key[:2] / key
    return base.with_suffix(".body"), base.with_suffix(".json")


def _kept(key: str) -> Entry | None:
    """The entry if it is complete on disk, marked as just served (its body's time orders the eviction)."""
    body, headers = _paths(key)
    try:
        meta = json.loads(headers.read_text())
        os.utime(body)
    except (OSError, ValueError):
        return None
    return Entry(path=body, status=meta["status"], content_length=meta["content_length"], content_range=meta["range"])


def _write_atomically(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _evict(limit: int) -> None:
    """Drop the least recently served entries until the kept bodies fit in `limit` bytes."""
    bodies = []
    for body in _folder().glob("*/*.body"):
        try:
            stat = body.stat()
        except OSError:
            continue
        bodies.append((stat.st_mtime, stat.st_size, body))
    total = sum(size for _, size, _ in bodies)
    for _, size, body in sorted(bodies):
        if total <= limit:
            return
        body.with_suffix(".json").unlink(missing_ok=True)
        body.unlink(missing_ok=True)
        total -= size


def _fetch(key: str, url: str, byte_range: str | None) -> Entry | http.MediaStream:
    """Fetch from the origin (in a worker thread): kept when it fits, else the open stream to relay."""
    stream = http.stream_media(url, byte_range=byte_range)
    limit = settings.SIDEWAYS_MEDIA_CACHE_SIZE
    length = int(stream.content_length) if (stream.content_length or "").isdigit() else None
    if length is None or length > limit // LARGEST_SHARE:
        return stream
    body, headers = _paths(key)
    written = 0

    def copy(file) -> None:
        nonlocal written
        for chunk in stream.chunks():
            file.write(chunk)
            written += len(chunk)
        if written != length:  # cut by the origin or the deadline: never keep a short body
            raise http.FetchError(f"{url}: {written} of {length} bytes", retryable=True)

    _write_atomically(body, copy)
    meta = {"status": stream.status, "content_length": str(length), "range": stream.content_range}
    _write_atomically(headers, lambda file: file.write(json.dumps(meta).encode()))
    _evict(limit)
    return Entry(path=body, status=stream.status, content_length=str(length), content_range=stream.content_range)


async def fetch(url: str, byte_range: str | None) -> Entry | http.MediaStream | None:
    """The kept answer for (url, range), fetching it once if needed; an open stream when it is not to be
    kept; None when the cache is off or another request's fetch of it failed or was not kept (then the
    caller asks the origin itself). Raises http.FetchError as the origin's answer does."""
    if settings.SIDEWAYS_MEDIA_CACHE_SIZE <= 0:
        return None
    key = _key(url, byte_range)
    entry = await asyncio.to_thread(_kept, key)
    if entry is not None:
        return entry
    pending = _fetching.get(key)
    if pending is not None:
        return await asyncio.shield(pending)
    pending = _fetching[key] = asyncio.get_running_loop().create_future()
    try:
        result = await asyncio.to_thread(_fetch, key, url, byte_range)
    except BaseException:
        pending.set_result(None)
        raise
    finally:
        _fetching.pop(key, None)
    pending.set_result(result if isinstance(result, Entry) else None)
    return result
