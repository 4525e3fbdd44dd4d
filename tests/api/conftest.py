"""Helpers and fixtures of the REST API tests (the DRF client, `login` and `alice_token` are in tests/conftest.py,
as the security tests use them too)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

ALICE_PASSWORD = "alice-password-1"
BOB_PASSWORD = "bob-password-1"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post_form(api: APIClient, path: str, data: dict, **extra):
    """A form-encoded POST, as OAuth clients send it."""
    return api.generic("POST", path, urlencode(data), content_type="application/x-www-form-urlencoded", **extra)


@pytest.fixture
def bob(db):
    from tests.factories import make_user

    return make_user("bob", BOB_PASSWORD)


@pytest.fixture
def bob_token(bob, login) -> str:
    return login("bob", BOB_PASSWORD)
