"""Cross-origin access to the REST API, as PeerTube grants it: any origin, bearer tokens, no cookies.

Browser clients hosted elsewhere (another instance's front-end, web apps) call /api/v1 with an
`Authorization` header, which makes the browser send a preflight OPTIONS first. Cookies are never
honoured cross-origin (no `Access-Control-Allow-Credentials`), so CORS cannot be used to ride a session.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

API_PREFIX = "/api/"
ALLOWED_METHODS = "GET, HEAD, PUT, PATCH, POST, DELETE"


class ApiCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = request.META.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
            # Resumable uploads answer with Location and Range that the client must be able to read.
            response["Access-Control-Expose-Headers"] = "Retry-After, Location, Range"
        response["Access-Control-Allow-Origin"] = "*"
        return response
