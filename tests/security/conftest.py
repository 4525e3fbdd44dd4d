"""The API tests' client and token fixtures, for the security tests that speak to the API."""
from tests.api.conftest import alice_token, api, local_client, login  # noqa: F401 (fixtures)
