"""The pages with a player (watch, embed) and peers' mirrors of the video (docs/redundancy.md).

The player spreads segment requests over the mirrors (static/js/mirrors.js), so the page lists their base
URLs for it, names their hosts in its privacy notice, and marks the response with `media_origins`: the
privacy middleware (sideways.privacy) lets this page, and this page only, fetch media from them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from videos.services.redundancy import viewer_mirrors


def render_player_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Renders a page showing `context["video"]` in the player, with the mirrors its viewers may use."""
    mirrors = viewer_mirrors(context["video"])
    hosts = ", ".join(dict.fromkeys(urlsplit(url).netloc for url in mirrors))
    response = render(request, template, {**context, "mirrors": mirrors, "mirror_hosts": hosts})
    response.media_origins = mirrors
    return response
