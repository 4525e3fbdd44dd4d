"""ASGI entry point: uvicorn serves `sideways.asgi:application` (scripts/web). The site, and the P2P
tracker's WebSocket.

WebSocket connections to /tracker/socket go to the tracker (videos.tracker); every other request to
Django, through sideways.asgi_handler, behind the anonymous response cache (sideways.response_cache). The lifespan startup starts our STUN responder in the same process
(every worker binds the port with SO_REUSEPORT), so `make run` and docker-compose need no extra command
for P2P.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sideways.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402 (needs the settings loaded above)

from sideways.asgi_handler import Handler  # noqa: E402
from sideways.response_cache import ResponseCache  # noqa: E402
from videos.tracker.socket import tracker_socket  # noqa: E402
from videos.tracker.stun import start_stun  # noqa: E402

TRACKER_PATH = "/tracker/socket"
django_application = ResponseCache(Handler())


async def lifespan(receive, send) -> None:
    stun = None
    while True:
        event = await receive()
        if event["type"] == "lifespan.startup":
            if settings.SIDEWAYS_P2P_ENABLED and settings.SIDEWAYS_STUN_LISTEN:
                stun = await start_stun(settings.SIDEWAYS_STUN_LISTEN)
            await send({"type": "lifespan.startup.complete"})
        elif event["type"] == "lifespan.shutdown":
            if stun is not None:
                stun.close()
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
