"""The ASGI side of the tracker: accepts WebSocket connections on /tracker/socket and pumps their frames.

One Tracker per process, made on the first connection (inside the server's event loop). With Redis
configured its membership lives in Redis, so viewers connected to different web workers still meet
(docs/p2p.md); otherwise in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

from videos.tracker.infohashes import Whitelist
from videos.tracker.shared import RedisDirectory
from videos.tracker.swarms import Connection, LocalDirectory, Tracker

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_tracker: Tracker | None = None
_creating = asyncio.Lock()


async def _get_tracker() -> Tracker:
    global _tracker
    async with _creating:
        if _tracker is not None:
            return _tracker
        if settings.REDIS_URL:
            directory = RedisDirectory(settings.REDIS_URL)
            tracker = Tracker(directory, Whitelist())
            await directory.start(tracker.deliver)
        else:
            tracker = Tracker(LocalDirectory(), Whitelist())
        _tracker = tracker
        return tracker


async def _write(connection: Connection, send: Send) -> None:
    while True:
        text = await connection.outbox.get()
        await send({"type": "websocket.send", "text": text})


async def tracker_socket(scope: Scope, receive: Receive, send: Send) -> None:
    """Serves one viewer's tracker WebSocket until it closes; refused when the admin turned P2P off."""
    if (await receive())["type"] != "websocket.connect":
        return
    if not settings.SIDEWAYS_P2P_ENABLED:
        await send({"type": "websocket.close", "code": 1008})
        return
    tracker = await _get_tracker()
    await send({"type": "websocket.accept"})
    connection = Connection()
    writer = asyncio.create_task(_write(connection, send))
    try:
        while True:
            event = await receive()
            if event["type"] == "websocket.disconnect":
                break
            text = event.get("text")
            if text is None and event.get("bytes") is not None:
                text = event["bytes"].decode("utf-8", "replace")
            if text:
                await tracker.receive(connection, text)
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer
        await tracker.close(connection)
