"""Followed instances' videos play through us: their HLS files are streamed from the origin by this proxy.

Viewers come here so as not to be tracked, and every page promises to load nothing from another host. So
the player never talks to the origin: it asks for the remote video's files under our own
REMOTE_HLS_PREFIX, and this view fetches them (SSRF-safe, through federation.protocol.http) and streams them back
with the viewer's byte range. The origin sees our server, never the viewer. Only files beside the remote
video's master playlist, with a media type we know, are proxied, and they are served with our content
type, so a peer cannot make us serve a page of its choosing.
"""

from __future__ import annotations

import re
import uuid

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from federation.protocol import http
from videos.models import StreamingPlaylist
from videos.services.catalog import may_watch
from videos.storage import MEDIA_CONTENT_TYPES

FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
PROXIED_TYPES = {suffix: MEDIA_CONTENT_TYPES[suffix] for suffix in (".m3u8", ".mp4", ".json")}
BYTE_RANGE = re.compile(r"^bytes=\d*-\d*$")
CACHE_SECONDS = 3600  # HLS files are immutable under their names (PeerTube renames what it replaces)


@require_safe
def remote_hls(request: HttpRequest, video_uuid: uuid.UUID, name: str) -> HttpResponse:
    """One file of a remote video's HLS folder, streamed from its origin."""
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
    folder = playlist.playlist_url.rsplit("/", 1)[0]
    byte_range = request.headers.get("Range", "")
    try:
        stream = http.stream_media(f"{folder}/{name}", byte_range=byte_range if BYTE_RANGE.match(byte_range) else None)
    except http.FetchError as error:
        if error.status in (404, 410, 416):
            return HttpResponse(status=error.status)
        return HttpResponse("The video's instance did not answer.", status=502, content_type="text/plain")
    if request.method == "HEAD":  # the headers are the answer: do not pull the body through us
        stream.close()
        response = HttpResponse(status=stream.status, content_type=PROXIED_TYPES[suffix])
    else:
        response = StreamingHttpResponse(stream.chunks(), status=stream.status, content_type=PROXIED_TYPES[suffix])
    for header, value in (("Content-Length", stream.content_length), ("Content-Range", stream.content_range)):
        if value:
            response[header] = value
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Content-Range, Content-Length, Accept-Ranges"
    return response
