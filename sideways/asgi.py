"""ASGI entry point: uvicorn serves `sideways.asgi:application` (scripts/web). The site, and the P2P
tracker's WebSocket.

WebSocket connections to /tracker/socket go to the tracker (videos.tracker); every other request to
Django, through sideways.asgi_handler, behind the anonymous response cache (sideways.response_cache).
The lifespan startup starts our STUN responder in the same process (every worker binds the port with
SO_REUSEPORT), so `make run` and docker-compose need no extra command for P2P, and the loop that writes
the views counted in this process (videos.services.view_counting) every few seconds, and once more at
shutdown.
"""

import asyncio
import contextlib
import logging
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sideways.settings")
django.setup(set_prefix=False)

from asgiref.sync import sync_to_async  # noqa: E402
from django.conf import settings  # noqa: E402 (needs the settings loaded above)
from django.db import connection  # noqa: E402

from sideways.asgi_handler import Handler  # noqa: E402
from sideways.response_cache import ResponseCache  # noqa: E402
from videos.services.view_counting import FLUSH_SECONDS, batched_views, flush_views  # noqa: E402
from videos.tracker.socket import tracker_socket  # noqa: E402
from videos.tracker.stun import start_stun  # noqa: E402

logger = logging.getLogger(__name__)

TRACKER_PATH = "/tracker/socket"
django_application = ResponseCache(Handler())


def _flush_views() -> None:
    try:
        flush_views()
    finally:
        connection.close()  # this thread's connection back (to the pool)


async def _flush_views_forever() -> None:
    flush = sync_to_async(_flush_views, thread_sensitive=False)
    with batched_views():
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await flush()
            except Exception:  # the database is down: the counts wait for the next round
                logger.warning("Could not write the counted views", exc_info=True)


async def lifespan(receive, send) -> None:
    stun = None
    views = None
    while True:
        event = await receive()
        if event["type"] == "lifespan.startup":
            if settings.SIDEWAYS_P2P_ENABLED and settings.SIDEWAYS_STUN_LISTEN:
                stun = await start_stun(settings.SIDEWAYS_STUN_LISTEN)
            views = asyncio.create_task(_flush_views_forever())
            await send({"type": "lifespan.startup.complete"})
        elif event["type"] == "lifespan.shutdown":
            if stun is not None:
                stun.close()
            if views is not None:
                views.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await views
            try:
                await sync_to_async(_flush_views, thread_sensitive=False)()
            except Exception:
                logger.error("Views counted in this process could not be written before it stops", exc_info=True)
            await send({"type": "lifespan.shutdown.complete"})
            return


async def application(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
    elif scope["type"] == "websocket":
        if scope["path"] == TRACKER_PATH:
            await tracker_socket(scope, receive, send)
        else:
            await receive()
            await send({"type": "websocket.close", "code": 1008})
    else:
        await django_application(scope, receive, send)
