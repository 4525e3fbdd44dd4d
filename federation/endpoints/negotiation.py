"""Content negotiation: the same URL serves our HTML page to a browser and our ActivityPub document
to a peer, as PeerTube does (docs/PROTOCOL.md §3.1).

A GET or HEAD whose Accept header prefers application/activity+json or application/ld+json over HTML,
on a path `federation.endpoints.ap_urls` knows (/videos/watch/<uuid>, /w/<id>, /accounts/<name>, /a/<name>,
/video-channels/<name>, /c/<name>), is answered from that URL map instead of the site's. Both
variants of such a path say `Vary: Accept`, so a cache never hands a peer's JSON to a browser.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

AP_URLCONF = "federation.endpoints.ap_urls"
AP_MEDIA_TYPES = ("application/activity+json", "application/ld+json")
HTML_MATCHES = {"text/html": 2, "text/*": 1, "*/*": 0}  # media range -> how specific it is for HTML


def _ranges(accept: str) -> list[tuple[str, float]]:
    """(media range, quality) of each Accept entry, in the header's order."""
    ranges = []
    for entry in accept.split(","):
        media_range, *params = (part.strip() for part in entry.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_range:
            ranges.append((media_range.lower(), quality))
    return ranges


def wants_activitypub(accept: str) -> bool:
    """True when the client prefers an ActivityPub type to HTML: higher quality, then the more specific
    range, then the earlier entry win; on a full tie HTML wins, as in PeerTube (Express `accepts`)."""
    best_ap = best_html = None
    for index, (media_range, quality) in enumerate(_ranges(accept)):
        if quality <= 0:
            continue
        if media_range in AP_MEDIA_TYPES:
            best_ap = max(best_ap or (quality, 2, -index), (quality, 2, -index))
        elif media_range in HTML_MATCHES:
            rank = (quality, HTML_MATCHES[media_range], -index)
            best_html = max(best_html or rank, rank)
    return best_ap is not None and (best_html is None or best_ap > best_html)


def _has_ap_variant(path: str) -> bool:
    try:
        resolve(path, urlconf=AP_URLCONF)
    except Resolver404:
        return False
    return True


class ActivityPubNegotiationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        negotiable = request.method in ("GET", "HEAD") and _has_ap_variant(request.path_info)
        if negotiable and wants_activitypub(request.headers.get("Accept", "")):
            request.urlconf = AP_URLCONF
        response = self.get_response(request)
        if negotiable:
            patch_vary_headers(response, ["Accept"])
        return response
