"""Django's ASGI handler, adapted to serve this site under uvicorn (scripts/web).

uvicorn keeps every connection on one event loop, so a slow client costs a socket, not a thread. Django's
own handler still needs three changes for this site:

- it starts a thread (and a database connection) for every request it receives, without bound: here at
  most MAX_CONCURRENT_REQUESTS requests per process run Django code at once, the others wait their turn;
- it reads a synchronous streaming response (media files with byte ranges, downloads, the federation
  media proxy) whole into memory before sending a byte of it: here each chunk is read in the request's
  own thread as it is sent;
- it receives a request's whole body (spooled to a temporary file) before any view can refuse it: a body
  declared larger than the largest upload is answered 413 at once, and one that grows past it is cut.

And two for the media proxy (federation.endpoints.media_proxy), so that its viewers hold no thread while they wait
for bytes: its answer finds its bytes (cache or origin) when it is sent, on the event loop (`resolve()`);
and since Django gives every request a thread of its own for its synchronous parts (middleware, signals,
the view), kept until the response is sent, those requests run their few quick synchronous calls in
asgiref's one shared thread instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpResponse, JsonResponse

from videos.api.errors import PROBLEM_CONTENT_TYPE, problem_body
from videos.storage import REMOTE_HLS_PREFIX

MAX_CONCURRENT_REQUESTS = 16
# Paths whose views stream from the event loop: no thread of their own (see above).
SHARED_THREAD_PATHS = (f"{REMOTE_HLS_PREFIX}/",)
# Room for the multipart envelope (fields, thumbnail) around the largest video file.
BODY_ENVELOPE = 16 * 1024 * 1024


def body_limit() -> int:
    return settings.SIDEWAYS_MAX_UPLOAD_SIZE + BODY_ENVELOPE


def _declared_length(scope: dict) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def _too_large(path: str) -> HttpResponse:
    """413 before the body is read, so the connection must close: the unread body cannot be skipped."""
    detail = f"The request body is too large: the limit is {body_limit()} bytes."
    if path.startswith("/api/"):
        response = JsonResponse(problem_body(413, detail, path), status=413, content_type=PROBLEM_CONTENT_TYPE)
    else:
        response = HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
    response["Content-Length"] = str(len(response.content))
    response["Connection"] = "close"
    return response


Receive = Callable[[], Awaitable[dict]]


def _cut_after(receive: Receive, limit: int) -> Receive:
    """`receive` that reports a disconnect once the body passes `limit` (a chunked body declares no length)."""
    received = 0

    async def limited() -> dict:
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        return {"type": "http.disconnect"} if received > limit else message

    return limited


async def _in_request_thread(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """The chunks of a synchronous iterator, each read by the request's thread as the previous one is sent."""
    next_chunk = sync_to_async(next, thread_sensitive=True)
    while (chunk := await next_chunk(chunks, None)) is not None:
        yield chunk


class Handler(ASGIHandler):
    """Django's ASGIHandler with the three changes the module describes."""

    def __init__(self) -> None:
        super().__init__()
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(SHARED_THREAD_PATHS):
            await self.handle(scope, receive, send)  # outside a ThreadSensitiveContext: the shared thread
            return
        await super().__call__(scope, receive, send)

    async def handle(self, scope, receive, send) -> None:
        if _declared_length(scope) > body_limit():
            await self.send_response(_too_large(scope["path"]), send)
            return
        await super().handle(scope, _cut_after(receive, body_limit()), send)

    async def send_response(self, response, send) -> None:
        resolve = getattr(response, "resolve", None)  # federation.endpoints.media_proxy.ProxiedMedia
        if resolve is not None:
            await resolve()
        await super().send_response(response, send)

    async def run_get_response(self, request):
        async with self._slots:
            response = await super().run_get_response(request)
        if response.streaming and not response.is_async:
            response.streaming_content = _in_request_thread(response.streaming_content)
        return response
