"""Privacy headers and the "no cookies for anonymous viewers" rule, for every response.

Viewers come here because they do not want to be tracked, so:

- a Content-Security-Policy lets pages load nothing from another origin (scripts, styles, fonts, media,
  connections), and only the embed page may be framed by other sites;
- a Permissions-Policy turns off the device APIs we never use (and FLoC/Topics);
- an anonymous GET never sets a cookie. Django already only sets the CSRF cookie when a page renders a
  form with `{% csrf_token %}`, and the session cookie when something is stored in the session; this
  middleware is the safety net that drops any other cookie (a session touched by a view, a messages
  cookie...) before it reaches an anonymous viewer. Deletions still pass, so a stale cookie can be
  cleared. Referrer-Policy comes from SECURE_REFERRER_POLICY (SecurityMiddleware).

The embed view marks itself with Django's `xframe_options_exempt`; the same marker opens
`frame-ancestors` to any site, so there is a single switch for "may be framed".

The one exception to "our origin only": a video from an instance we follow plays from that instance
(as on PeerTube), so its watch and embed pages call `allow_media_origins` and only their response lets
the player fetch (connect-src) and play (media-src) from there. Images still come from us alone.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# blob: is where hls.js feeds Media Source Extensions and starts its transmuxing worker.
_CSP = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob:{media}",
    "worker-src 'self' blob:",
    "connect-src 'self'{media}",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-src 'self'",
    "frame-ancestors {ancestors}",
)
# What may appear in a CSP source: a bare host name or IP (v6 in brackets) and an optional port.
_NETLOC = re.compile(r"^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$")
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("accelerometer", "browsing-topics", "camera", "geolocation", "gyroscope", "magnetometer",
                    "microphone", "payment", "usb")
)
_SAFE_METHODS = {"GET", "HEAD"}


def content_security_policy(*, frameable: bool = False, media_origins: Iterable[str] = ()) -> str:
    """Our policy; `media_origins` ("scheme://host[:port]") are added to media-src and connect-src only."""
    media = "".join(f" {origin}" for origin in sorted(set(media_origins)))
    ancestors = "*" if frameable else "'self'"
    return "; ".join(directive.format(media=media, ancestors=ancestors) for directive in _CSP)


def media_origin(url: str) -> str | None:
    """The "scheme://host[:port]" a media URL is served from, or None for anything else (relative
    paths, other schemes, or text that could smuggle a directive into the CSP header)."""
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    if parts.scheme not in ("http", "https") or not _NETLOC.match(netloc):
        return None
    return f"{parts.scheme}://{netloc}"


def allow_media_origins(response: HttpResponse, urls: Iterable[str]) -> HttpResponse:
    """Lets this response's page play media from the origins of these absolute URLs (a remote video's
    playlist and files); relative URLs are ours already, and anything malformed is left out."""
    origins = {origin for url in urls if (origin := media_origin(url))}
    response.media_origins = sorted(origins)
    return response


def _allowed_cookies() -> set[str]:
    """Cookies a viewer may receive without logging in: CSRF on form pages, and the language they chose."""
    return {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


class PrivacyMiddleware:
    """Adds CSP and Permissions-Policy; strips cookies from anonymous GET/HEAD responses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = content_security_policy(
            frameable=getattr(response, "xframe_options_exempt", False),
            media_origins=getattr(response, "media_origins", ()),
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if request.method in _SAFE_METHODS and not (user is not None and user.is_authenticated):
            allowed = _allowed_cookies()
            for name, morsel in list(response.cookies.items()):
                being_deleted = morsel["max-age"] in (0, "0") or not morsel.value
                if name not in allowed and not being_deleted:
                    del response.cookies[name]
        return response
