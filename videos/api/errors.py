"""PeerTube's RFC 7807 error bodies (application/problem+json) for every API failure.

Clients read `code` (quota_reached, invalid_grant, ...) and `status`; validation failures carry
`invalid-params` and the detail "Incorrect request parameters: a, b" like PeerTube's validators.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8"
DOCS_URL = "https://docs.joinpeertube.org/api-rest-reference.html"


class ApiError(exceptions.APIException):
    """An error with PeerTube's machine-readable `code` (and the HTTP status it goes with)."""

    def __init__(self, status: int, detail: str, code: str | None = None):
        super().__init__(detail)
        self.status_code = status
        self.problem_code = code


def problem_body(status: int, detail: str, instance: str, code: str | None = None, **extra: object) -> dict:
    body: dict = {
        "type": f"{DOCS_URL}#section/Errors/{code}" if code else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "docs": DOCS_URL,
        "instance": instance,
    }
    if code:
        body["code"] = code
    body.update(extra)
    return body


def problem_response(request: HttpRequest, status: int, detail: str, code: str | None = None, **extra) -> JsonResponse:
    """A problem+json response outside DRF (OAuth views, plain Django views)."""
    return JsonResponse(
        problem_body(status, detail, request.path, code, **extra), status=status, content_type=PROBLEM_CONTENT_TYPE
    )


def _invalid_params(detail: object, prefix: str = "") -> dict:
    """Flatten DRF's nested validation errors into PeerTube's {"field": {location, msg, param}}."""
    params: dict = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            params.update(_invalid_params(value, f"{prefix}{key}" if not prefix else f"{prefix}.{key}"))
    elif isinstance(detail, list) and detail and not isinstance(detail[0], (dict, list)):
        name = prefix or "body"
        params[name] = {"location": "body", "msg": " ".join(str(item) for item in detail), "param": name}
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            params.update(_invalid_params(value, f"{prefix}[{index}]"))
    else:
        name = prefix or "body"
        params[name] = {"location": "body", "msg": str(detail), "param": name}
    return params


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler: every error leaves as problem+json with status, title, detail and code."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    request = context["request"]
    status = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        params = _invalid_params(exc.detail)
        body = problem_body(
            status,
            "Incorrect request parameters: " + ", ".join(params),
            request.path,
            None,
            **{"invalid-params": params},
        )
    else:
        code = getattr(exc, "problem_code", None)
        if code is None and isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
            code = "invalid_token"
        body = problem_body(status, str(exc.detail), request.path, code)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def api_methods(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Like Django's require_http_methods, with PeerTube's 405 body instead of an empty one.

    Also exempt from CSRF: the API authenticates with bearer tokens, never with cookies.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in methods:
                response = problem_response(request, 405, f"Method {request.method} is not allowed here.")
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, *args, **kwargs)

        return csrf_exempt(checked)

    return decorate


@csrf_exempt
def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Unknown /api/ routes answer 404 (problem+json) instead of the site's HTML page, whatever the method."""
    return problem_response(request, 404, "Route not found.")
