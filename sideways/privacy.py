"""Privacy headers and the "no cookies for anonymous viewers" rule, for every response.

Viewers come here because they do not want to be tracked, so:

- a Content-Security-Policy lets pages load nothing from another origin (scripts, styles, fonts, media,
  connections), and only the embed page may be framed by other sites; while P2P is on, connections
  may also go to our own tracker's WebSocket origin (ws:// or wss:// of SIDEWAYS_URL's host), and images,
  media and connections to the instance's own object storage buckets (or their CDN) when it has some;
  a page playing a video that peers mirror may also fetch media from exactly those mirrors' origins
  (the view lists them in `response.media_origins`, see videos.web.mirrors);
- a Permissions-Policy turns off the device APIs we never use (and FLoC/Topics);
- an anonymous GET never sets a cookie. Django already only sets the CSRF cookie when a page renders a
  form with `{% csrf_token %}`, and the session cookie when something is stored in the session; this
  middleware is the safety net that drops any other cookie (a session touched by a view, a messages
  cookie...) before it reaches an anonymous viewer. Deletions still pass, so a stale cookie can be
  cleared. Referrer-Policy comes from SECURE_REFERRER_POLICY (SecurityMiddleware).

The embed view marks itself with Django's `xframe_options_exempt`; the same marker opens
`frame-ancestors` to any site, so there is a single switch for "may be framed".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from videos import object_storage

# blob: is where hls.js feeds Media Source Extensions and starts its transmuxing worker.
# connect-src is completed by content_security_policy() (our tracker's WebSocket origin when P2P is on).
_CSP = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "worker-src 'self' blob:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-src 'self'",
)


def content_security_policy(frameable: bool, media_urls: Iterable[str] = ()) -> str:
    """The CSP of a page: framed by any site (the embed) or only by ours; `media_urls`: other places this
    page fetches media from (peers' mirrors of the video it plays), allowed by origin."""
    mirrors = "".join(f" {origin}" for origin in dict.fromkeys(_origin(url) for url in media_urls))
    buckets = "".join(f" {origin}" for origin in object_storage.public_origins())
    connect = f"connect-src 'self'{buckets}{mirrors}"
    if settings.SIDEWAYS_P2P_ENABLED:
        connect += f" {'wss' if settings.INSTANCE_SCHEME == 'https' else 'ws'}://{settings.INSTANCE_HOST}"
    ancestors = "frame-ancestors *" if frameable else "frame-ancestors 'self'"
    media = (f"img-src 'self' data:{buckets}", f"media-src 'self' blob:{buckets}{mirrors}")
    return "; ".join((*_CSP, *media, connect, ancestors))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
_SAFE_METHODS = {"GET", "HEAD"}


def _allowed_cookies() -> set[str]:
    """Cookies a viewer may receive without logging in: CSRF on form pages, and the language they chose."""
    return {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


class PrivacyMiddleware:
    """Adds CSP and Permissions-Policy; strips cookies from anonymous GET/HEAD responses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        frameable = getattr(response, "xframe_options_exempt", False)
        media_urls = getattr(response, "media_origins", ())
        response.headers.setdefault("Content-Security-Policy", content_security_policy(frameable, media_urls))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if request.method in _SAFE_METHODS and not (user is not None and user.is_authenticated):
            allowed = _allowed_cookies()
            for name, morsel in list(response.cookies.items()):
                being_deleted = morsel["max-age"] in (0, "0") or not morsel.value
                if name not in allowed and not being_deleted:
                    del response.cookies[name]
        return response
