"""The API tests' client and token fixtures, for the security tests that speak to the API."""
import pytest

from tests.api.conftest import alice_token, api, local_client, login  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Dozens of password checks per test: a cheap hasher (the users the tests create get it too)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
