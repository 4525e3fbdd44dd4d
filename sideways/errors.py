"""How the whole site answers a request it cannot serve: PeerTube's problem+json under /api/, our
readable pages elsewhere.

Django's own error views answer in HTML whatever the client; PeerTube's clients expect JSON from the
API even for a body too large or a crash, so these wrap Django's views.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views import defaults

from videos.api.errors import problem_response

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


class RejectNulMiddleware:
    """Refuse a NUL character in the path or the query string with a 400.

    PostgreSQL text cannot hold NUL, so such a value would make the first query that uses it fail
    with a 500; no legitimate URL contains one. (Form and JSON fields are checked by their fields.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            detail = "The address contains a NUL character."
            if _is_api(request):
                return problem_response(request, 400, detail)
            return HttpResponseBadRequest(detail, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: also where Django sends a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413, as PeerTube)."""
    too_big = isinstance(exception, RequestDataTooBig)
    if _is_api(request):
        if too_big:
            return problem_response(request, 413, "The request body is too large.")
        return problem_response(request, 400, "The request could not be understood.")
    response = defaults.bad_request(request, exception)
    if too_big:
        response.status_code = 413
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500."""
    if _is_api(request):
        return problem_response(request, 500, "The server could not answer. Please try again in a moment.")
    return defaults.server_error(request)
