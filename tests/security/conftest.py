"""Fixtures of the security tests (the API client and tokens are in tests/conftest.py)."""

import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Dozens of password checks per test: a cheap hasher (the users the tests create get it too)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
