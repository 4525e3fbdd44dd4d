"""Privacy of every page: a Content-Security-Policy that forbids other origins, and no cookie at all for
anonymous viewers; checked with Django's test client and in a real Chromium against a live instance."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from sideways.privacy import PrivacyMiddleware
from tests.factories import make_video
from tests.live import start_instance
from tests.web.hls import add_ladder_video

ANONYMOUS_PAGES = (
    "/",
    "/videos/trending",
    "/videos/local",
    "/w/{short}",
    "/videos/watch/{uuid}",
    "/c/{channel}",
    "/a/{account}",
    "/search?search=episode",
    "/videos/tags/paris",
    "/videos/categories",
    "/about",
    "/videos/embed/{short}",
    "/feeds/videos.xml",
    "/services/oembed?url=http://testserver/w/{short}",
)


def _pages(video) -> list[str]:
    return [
        page.format(
            short=video.short_uuid, uuid=video.uuid, channel=video.channel.handle, account=video.channel.account.handle
        )
        for page in ANONYMOUS_PAGES
    ]


@pytest.fixture
def video(db, user):
    return make_video(user.account.channels.get(), "Public episode")


def test_every_page_sends_the_privacy_headers(client, video):
    for url in [*_pages(video), "/no-such-page", "/api/v1/videos"]:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        csp = response.headers["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "media-src 'self' blob:",
            "connect-src 'self'",
            "object-src 'none'",
        ):
            assert directive in csp, (url, directive)
        assert "http" not in csp and "*" not in csp.replace("frame-ancestors *", ""), url
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_anonymous_visit_sets_no_cookie(client, video):
    for url in _pages(video):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200, url
        assert not response.cookies, (url, response.cookies)
    assert not client.cookies


def _respond_with_cookies(request):
    request.session = {}
    response = HttpResponse("page")
    response.set_cookie("sessionid", "abc")
    response.set_cookie("messages", "hello")
    response.set_cookie("csrftoken", "token")
    response.delete_cookie("stale")
    return response


@pytest.mark.parametrize(
    ("method", "authenticated", "kept"),
    [
        ("get", False, {"csrftoken", "stale"}),  # a form's token and a deletion pass, the rest is dropped
        ("head", False, {"csrftoken", "stale"}),
        ("post", False, {"sessionid", "messages", "csrftoken", "stale"}),  # logging in needs its session
        ("get", True, {"sessionid", "messages", "csrftoken", "stale"}),
    ],
)
def test_middleware_strips_cookies_of_anonymous_reads_only(method, authenticated, kept):
    request = getattr(RequestFactory(), method)("/")
    request.user = type("User", (), {"is_authenticated": authenticated})()
    response = PrivacyMiddleware(_respond_with_cookies)(request)
    assert set(response.cookies) == kept


def test_login_form_gets_its_csrf_cookie(client, db):
    response = client.get("/login")
    assert set(response.cookies) == {"csrftoken"}


@pytest.mark.browser
def test_anonymous_browsing_in_chromium(open_page, tmp_path):
    """Every main page, in French and English: nothing from elsewhere, no CSP violation, no cookie."""
    instance = start_instance(tmp_path / "instance", worker=False)
    try:
        video = add_ladder_video(instance, tmp_path)
        pages = [
            "/",
            f"/w/{video.short_uuid}",
            "/c/root_channel",
            "/search?search=ladder",
            "/about",
            f"/videos/embed/{video.short_uuid}",
            "/videos/categories",
        ]
        for locale in ("fr-FR", "en-US"):
            recorded = open_page(locale=locale)
            violations = []
            recorded.page.on(
                "console",
                lambda message, found=violations: (
                    found.append(message.text) if "Content Security Policy" in message.text else None
                ),
            )
            for path in pages:
                response = recorded.page.goto(instance.url + path)
                assert response.status == 200, path
                recorded.page.wait_for_load_state("networkidle")
            assert recorded.foreign_requests(instance.url) == []
            assert violations == []
            assert recorded.context.cookies() == []
    finally:
        instance.stop()
