"""Fixtures for the REST API tests: a DRF client and bearer tokens got through the real token endpoint."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from django.conf import settings
from rest_framework.test import APIClient

ALICE_PASSWORD = "alice-password-1"
BOB_PASSWORD = "bob-password-1"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post_form(api: APIClient, path: str, data: dict, **extra):
    """A form-encoded POST, as OAuth clients send it."""
    return api.generic("POST", path, urlencode(data), content_type="application/x-www-form-urlencoded", **extra)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def local_client(api: APIClient, db) -> dict:
    """The local OAuth client, fetched like peertube-cli does (with the public Host)."""
    response = api.get("/api/v1/oauth-clients/local", HTTP_HOST=settings.INSTANCE_HOST)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def login(api: APIClient, local_client: dict) -> Callable[[str, str], str]:
    """Password grant for (username, password) → access token."""

    def get_token(username: str, password: str) -> str:
        response = post_form(
            api,
            "/api/v1/users/token",
            {**local_client, "grant_type": "password", "username": username, "password": password,
             "response_type": "code", "scope": "upload"},
        )
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    return get_token


@pytest.fixture
def alice_token(user, login) -> str:
    return login("alice", ALICE_PASSWORD)


@pytest.fixture
def bob(db):
    from tests.factories import make_user

    return make_user("bob", BOB_PASSWORD)


@pytest.fixture
def bob_token(bob, login) -> str:
    return login("bob", BOB_PASSWORD)
