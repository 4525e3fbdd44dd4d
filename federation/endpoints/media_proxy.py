"""Followed instances' videos play through us: their HLS files are streamed from the origin by this proxy.

Viewers come here so as not to be tracked, and every page promises to load nothing from another host. So
the player never talks to the origin: it asks for the remote video's files under our own
REMOTE_HLS_PREFIX, and this view fetches them (SSRF-safe, through federation.protocol.http) and streams them back
with the viewer's byte range. The origin sees our server, never the viewer. Only files beside the remote
video's master playlist, with a media type we know, are proxied, and they are served with our content
type, so a peer cannot make us serve a page of its choosing.

A video we mirror ourselves (docs/redundancy.md) is served from our copy. Otherwise the view only decides
what may be served; the answer (`ProxiedMedia`) finds its bytes when the server
sends it (sideways.asgi_handler awaits `resolve()`), on the event loop: a viewer waiting for bytes holds a
socket, not a thread. Answers go through a bounded on-disk cache (federation.protocol.media_cache), so the viewers
of one remote video cost its origin one copy of each segment; what the cache does not keep is relayed
chunk by chunk, each chunk read by a pool thread.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from typing import BinaryIO

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from federation.protocol import http, media_cache
from videos.models import StreamingPlaylist
from videos.responses import open_media_to_any_origin
from videos.services.catalog import may_watch
from videos.storage import MEDIA_CONTENT_TYPES, mirror_dir
from videos.web.media import ranged_file_response

FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
PROXIED_TYPES = {suffix: MEDIA_CONTENT_TYPES[suffix] for suffix in (".m3u8", ".mp4", ".json")}
BYTE_RANGE = re.compile(r"^bytes=\d*-\d*$")
CACHE_SECONDS = 3600  # HLS files are immutable under their names (PeerTube renames what it replaces)
CHUNK = 64 * 1024


async def _relayed(stream: http.MediaStream) -> AsyncIterator[bytes]:
    chunks = stream.chunks()
    try:
        while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
            yield chunk
    finally:
        await asyncio.to_thread(stream.close)


async def _read(file: BinaryIO) -> AsyncIterator[bytes]:
    """A kept body, opened before the answer starts: the cache may drop it meanwhile, an open file stays whole."""
    with file:
        while chunk := await asyncio.to_thread(file.read, CHUNK):
            yield chunk


def _opened(entry: media_cache.Entry | http.MediaStream | None) -> BinaryIO | None:
    try:
        return entry.path.open("rb") if isinstance(entry, media_cache.Entry) else None
    except FileNotFoundError:  # dropped from the cache since it was found
        return None


async def _just(body: bytes) -> AsyncIterator[bytes]:
    if body:
        yield body


class ProxiedMedia(StreamingHttpResponse):
    """A remote file's answer, whose status, headers and body come from our cache or the origin once
    `resolve()` has run (the server awaits it before sending)."""

    def __init__(self, url: str, byte_range: str | None, content_type: str, head: bool) -> None:
        super().__init__(_just(b""), content_type=content_type)
        self.url, self.byte_range, self.head = url, byte_range, head
        self["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        open_media_to_any_origin(self)

    async def resolve(self) -> None:
        try:
            found = None if self.head else await media_cache.fetch(self.url, self.byte_range)
            kept = await asyncio.to_thread(_opened, found)
            if found is None or (isinstance(found, media_cache.Entry) and kept is None):
                found = await asyncio.to_thread(http.stream_media, self.url, byte_range=self.byte_range)
        except http.FetchError as error:
            del self["Cache-Control"]
            if error.status in (404, 410, 416):
                self.status_code = error.status
            else:
                self.status_code, self["Content-Type"] = 502, "text/plain"
                self.streaming_content = _just(b"The video's instance did not answer.")
            return
        self.status_code = found.status
        for header, value in (("Content-Length", found.content_length), ("Content-Range", found.content_range)):
            if value:
                self[header] = value
        if kept is not None:
            self.streaming_content = _read(kept)
        elif self.head:  # the headers are the answer: do not pull the body through us
            await asyncio.to_thread(found.close)
        else:
            self.streaming_content = _relayed(found)


@require_safe
def remote_hls(request: HttpRequest, video_uuid: uuid.UUID, name: str) -> HttpResponse:
    """One file of a remote video's HLS folder: from our own copy of the video if we mirror it
    (federation.outbound.mirroring), else from our cache or streamed from its origin."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not FILE_NAME.match(name) or suffix not in PROXIED_TYPES:
        raise Http404("No such file.")
    playlist = (
        StreamingPlaylist.objects.select_related("video__channel__account")
        .filter(video__uuid=video_uuid, video__is_local=False)
        .exclude(playlist_url="")
        .first()
    )
    user = request.user if request.user.is_authenticated else None
    if playlist is None or not may_watch(user, playlist.video):
        raise Http404("No such file.")
    copy = mirror_dir(playlist.video.uuid) / name  # the fragmented MP4s only: playlists are not copied
    if copy.is_file():
        return ranged_file_response(request, copy)
    folder = playlist.playlist_url.rsplit("/", 1)[0]
    byte_range = request.headers.get("Range", "")
    return ProxiedMedia(
        f"{folder}/{name}",
        byte_range if BYTE_RANGE.match(byte_range) else None,
        PROXIED_TYPES[suffix],
        head=request.method == "HEAD",
    )
