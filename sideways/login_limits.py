"""Rate limits on password guessing: the OAuth token endpoint, the web login, the Django admin login and the
current password a password change must give.

After MAX_FAILURES_PER_ACCOUNT failed logins for one account name, or MAX_FAILURES_PER_ADDRESS from one
address, within a WINDOW, those logins answer 429 (with Retry-After) until the window ends, without
checking the password. PeerTube limits logins too; before, 200 guesses took half a minute.

The counters live in Django's cache under keyed hashes of the account and the address, and expire with
their window: no address (nor tried account name) is stored, nor kept longer. A locked account can be
unlocked only by waiting: an attacker can delay its owner's logins by WINDOW, not guess its password.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from videos.api.errors import problem_response

WINDOW = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 10
MAX_FAILURES_PER_ADDRESS = 30
TRY_LATER = gettext_noop("Too many failed logins. Please try again in %(minutes)d minutes.")
# The requests that check a password, and how each answers a wrong one.
LOGIN_REQUESTS: dict[tuple[str, str], Callable[[HttpResponse], bool]] = {
    ("POST", "/api/v1/users/token"): lambda response: response.status_code == 400,  # OAuth invalid_grant, ...
    ("POST", "/login"): lambda response: response.status_code == 200,  # the form shown again, with its error
    ("POST", "/django-admin/login/"): lambda response: response.status_code == 200,
    # A password change proves the current password: with a stolen token, guesses at it are limited too.
    ("PUT", "/api/v1/users/me"): lambda response: response.status_code == 401,
}


def _key(kind: str, value: str, window: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"login-failures:{kind}:{window}:{digest}"


def _counters(request: HttpRequest, window: int) -> list[tuple[str, int]]:
    """(cache key, limit) of the counters this login attempt counts against."""
    counters = [(_key("address", request.META.get("REMOTE_ADDR", ""), window), MAX_FAILURES_PER_ADDRESS)]
    account = request.POST.get("username", "").strip().lower()
    if account:
        counters.append((_key("account", account, window), MAX_FAILURES_PER_ACCOUNT))
    return counters


def _too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    api = request.path.startswith("/api/")
    with translation.override("en" if api else translation.get_language()):  # PeerTube's API speaks English
        detail = _(TRY_LATER) % {"minutes": max(1, round(retry_after / 60))}
    if api:
        response = problem_response(request, 429, detail)
    else:
        response = render(request, "too_many_logins.html", {"detail": detail}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class LoginRateLimitMiddleware:
    """Refuses a login POST over its limits before the password is checked; counts the ones that fail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        failed = LOGIN_REQUESTS.get((request.method, request.path))
        if failed is None:
            return self.get_response(request)
        now = int(time.time())
        window = now // WINDOW
        counters = _counters(request, window)
        if any((cache.get(key) or 0) >= limit for key, limit in counters):
            return _too_many(request, (window + 1) * WINDOW - now)
        response = self.get_response(request)
        if failed(response):
            for key, _limit in counters:
                cache.add(key, 0, timeout=WINDOW)
                cache.incr(key)
        return response
