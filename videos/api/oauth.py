"""PeerTube's OAuth2 endpoints on django-oauth-toolkit: local client, password/refresh grants, revoke.

PeerTube has one "local" client whose id and secret anyone may read (from the right Host), and
answers token errors as problem+json with `code` = the OAuth error; clients depend on both.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, JsonResponse
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_backends import get_oauthlib_core

from videos.api.errors import api_methods, problem_response

LOCAL_CLIENT_NAME = "local"


def local_application():
    """The single local OAuth client, created on first use with a secret kept readable (not hashed)."""
    application_model = get_application_model()
    application, _ = application_model.objects.get_or_create(
        name=LOCAL_CLIENT_NAME,
        defaults={
            "client_type": application_model.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": application_model.GRANT_PASSWORD,
            "hash_client_secret": False,
            "skip_authorization": True,
        },
    )
    return application


@api_methods("GET", "HEAD")
def oauth_client_local(request: HttpRequest) -> JsonResponse:
    """The local client's credentials, only when asked through the public host (PeerTube's check)."""
    if request.get_host() != settings.INSTANCE_HOST:
        return problem_response(request, 403, f"Getting client tokens for host {request.get_host()} is forbidden")
    application = local_application()
    return JsonResponse({"client_id": application.client_id, "client_secret": application.client_secret})


def _username_for_login(login: str) -> str:
    """PeerTube accepts the e-mail address in place of the username."""
    if "@" in login:
        user = get_user_model().objects.filter(email__iexact=login).only("username").first()
        if user is not None:
            return user.username
    return login


@api_methods("POST")
def token(request: HttpRequest) -> JsonResponse:
    """Password and refresh grants, form-encoded only, answered with PeerTube's exact keys."""
    if request.content_type != "application/x-www-form-urlencoded":
        return problem_response(request, 400, "The token request must be form-encoded.", "invalid_request")
    form = request.POST.copy()
    if any("\x00" in value for value in form.values()):  # PostgreSQL text cannot hold it
        return problem_response(request, 400, "The token request contains a NUL character.", "invalid_request")
    # Clients send response_type=code and scope=upload; PeerTube ignores both.
    form.pop("response_type", None)
    form.pop("scope", None)
    if "username" in form:
        form["username"] = _username_for_login(form["username"])
    request.POST = form
    _url, headers, body, status = get_oauthlib_core().create_token_response(request)
    payload = json.loads(body or "{}")
    if status != 200:
        error = payload.get("error", "invalid_request")
        detail = payload.get("error_description") or {
            "invalid_grant": "Invalid grant: user credentials are invalid",
            "invalid_client": "Invalid client: client is invalid",
        }.get(error, error)
        return problem_response(request, 400, detail, error)
    response = JsonResponse(
        {
            "token_type": "Bearer",
            "access_token": payload["access_token"],
            "refresh_token": payload["refresh_token"],
            "expires_in": payload["expires_in"],
            "refresh_token_expires_in": settings.OAUTH2_PROVIDER["REFRESH_TOKEN_EXPIRE_SECONDS"],
        }
    )
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
