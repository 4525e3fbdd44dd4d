"""Bearer-token authentication and the role checks of PeerTube's API."""

from __future__ import annotations

from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions, permissions
from rest_framework.request import Request


class BearerAuthentication(OAuth2Authentication):
    """A present but invalid/expired bearer token is a 401, even on public endpoints (as PeerTube)."""

    def authenticate(self, request: Request):
        result = super().authenticate(request)
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if result is None and header.lower().startswith("bearer "):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return result


class IsAdmin(permissions.BasePermission):
    """User management is for administrators only."""

    def has_permission(self, request: Request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_admin)
