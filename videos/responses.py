"""Documents any origin may read: oEmbed here, and the discovery and ActivityPub documents peers and
other sites' scripts fetch. PeerTube serves them with `Access-Control-Allow-Origin: *`; they carry no
cookie-bound data, so opening them is safe."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse


def open_to_any_origin(response: HttpResponse) -> HttpResponse:
    """The response, readable by any other site's scripts."""
    response["Access-Control-Allow-Origin"] = "*"
    return response


def cross_origin_json(document: dict, content_type: str = "application/json", status: int = 200) -> HttpResponse:
    """`document` as UTF-8 JSON (non-ASCII text as is, as PeerTube writes it), readable from any origin."""
    return open_to_any_origin(
        JsonResponse(document, status=status, content_type=content_type, json_dumps_params={"ensure_ascii": False})
    )
