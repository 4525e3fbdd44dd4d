"""oEmbed provider (`/services/oembed?url=…`), so sites and chat apps turn a watch link into a player.

Shaped like PeerTube's: a `video` response whose `html` is an <iframe> on our embed page, 560×315
unless `maxwidth`/`maxheight` ask for less. Only JSON is offered (`format=xml` gets 501, as the spec
says for unsupported formats); a URL that is not one of our watch pages is a 400, an unknown or
non-embeddable video a 404.
"""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html
from django.views.decorators.http import require_safe

from videos.constants import PREVIEW_SIZE
from videos.responses import cross_origin_json
from videos.storage import media_path
from videos.web.embed import embeddable_video

EMBED_WIDTH, EMBED_HEIGHT = 560, 315
# Watch pages PeerTube links use: /w/<shortUUID>, /videos/watch/<uuid or id>.
WATCH_PATH = re.compile(r"^/(?:w|videos/watch)/([^/]+)/?$")
# Player options a shared link may carry over into the embed.
PASSED_PARAMETERS = ("start", "autoplay", "muted", "loop", "title")


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _dimension(request: HttpRequest, name: str, default: int) -> int | None:
    """`maxwidth`/`maxheight` capped to the default; None when it is not a positive integer."""
    value = request.GET.get(name)
    if value is None:
        return default
    return min(int(value), default) if value.isdecimal() and int(value) > 0 else None


@require_safe
def oembed(request: HttpRequest) -> HttpResponse:
    """The oEmbed JSON for one of our watch URLs."""
    if request.GET.get("format", "json") != "json":
        return _error(501, "Only the json format is supported.")
    url = urlsplit(request.GET.get("url", ""))
    match = WATCH_PATH.match(url.path)
    if url.netloc not in (request.get_host(), settings.INSTANCE_HOST) or not match:
        return _error(400, "url must be a watch page of this instance.")
    width = _dimension(request, "maxwidth", EMBED_WIDTH)
    height = _dimension(request, "maxheight", EMBED_HEIGHT)
    if width is None or height is None:
        return _error(400, "maxwidth and maxheight must be positive integers.")
    try:
        video = embeddable_video(match.group(1))
    except Http404:
        return _error(404, "Video not found.")

    query = urlencode([(key, value) for key, value in parse_qsl(url.query) if key in PASSED_PARAMETERS])
    embed_url = request.build_absolute_uri(f"/videos/embed/{video.short_uuid}") + (f"?{query}" if query else "")
    body = {
        "type": "video",
        "version": "1.0",
        "html": format_html(
            '<iframe width="{}" height="{}" sandbox="allow-same-origin allow-scripts allow-popups" title="{}" '
            'src="{}" style="border: 0" allow="fullscreen" allowfullscreen></iframe>',
            width,
            height,
            video.name,
            embed_url,
        ),
        "width": width,
        "height": height,
        "title": video.name,
        "author_name": video.channel.display_name,
        "author_url": request.build_absolute_uri(f"/c/{video.channel.handle}"),
        "provider_name": settings.INSTANCE_NAME,
        "provider_url": request.build_absolute_uri("/"),
    }
    if video.preview_filename:
        body.update(
            thumbnail_url=request.build_absolute_uri(media_path("previews", video.preview_filename)),
            thumbnail_width=PREVIEW_SIZE[0],
            thumbnail_height=PREVIEW_SIZE[1],
        )
    return cross_origin_json(body)
