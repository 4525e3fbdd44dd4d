"""OAuth as PeerTube clients use it: local client, password and refresh grants, errors, revoke."""

import pytest
from django.conf import settings

from tests.api.conftest import ALICE_PASSWORD, bearer, post_form

pytestmark = pytest.mark.django_db


def test_local_client_requires_the_public_host(api):
    assert api.get("/api/v1/oauth-clients/local", HTTP_HOST="localhost").status_code == 403
    body = api.get("/api/v1/oauth-clients/local", HTTP_HOST=settings.INSTANCE_HOST).json()
    assert set(body) == {"client_id", "client_secret"} and body["client_secret"]


def test_password_grant_returns_peertube_keys_and_refresh_works(api, user, local_client):
    response = post_form(
        api,
        "/api/v1/users/token",
        {**local_client, "grant_type": "password", "username": "alice", "password": ALICE_PASSWORD, "scope": "upload"},
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token_type", "access_token", "refresh_token", "expires_in", "refresh_token_expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 86400
    assert response["Cache-Control"] == "no-store"
    assert api.get("/api/v1/users/me", **bearer(body["access_token"])).json()["username"] == "alice"

    refreshed = post_form(
        api,
        "/api/v1/users/token",
        {**local_client, "grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["access_token"] != body["access_token"]
    assert api.get("/api/v1/users/me", **bearer(refreshed.json()["access_token"])).status_code == 200


def test_login_by_email(api, user, local_client):
    user.email = "alice@example.org"
    user.save()
    response = post_form(
        api,
        "/api/v1/users/token",
        {**local_client, "grant_type": "password", "username": "alice@example.org", "password": ALICE_PASSWORD},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"password": "wrong"}, "invalid_grant"),
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"grant_type": "magic"}, "unsupported_grant_type"),
    ],
)
def test_token_errors_are_problem_json_with_the_oauth_code(api, user, local_client, change, code):
    data = {**local_client, "grant_type": "password", "username": "alice", "password": ALICE_PASSWORD, **change}
    response = post_form(api, "/api/v1/users/token", data)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code and response.json()["status"] == 400


def test_json_token_request_is_refused(api, user, local_client):
    response = api.post(
        "/api/v1/users/token",
        {**local_client, "grant_type": "password", "username": "alice", "password": ALICE_PASSWORD},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"


def test_invalid_or_revoked_token_is_401(api, alice_token):
    assert api.get("/api/v1/users/me").status_code == 401
    invalid = api.get("/api/v1/videos", **bearer("nonsense"))
    assert invalid.status_code == 401 and invalid["Content-Type"].startswith("application/problem+json")
    assert api.post("/api/v1/users/revoke-token", **bearer(alice_token)).status_code == 200
    assert api.get("/api/v1/users/me", **bearer(alice_token)).status_code == 401


def test_expired_token_is_401(api, alice_token):
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken

    AccessToken.objects.filter(token=alice_token).update(expires=timezone.now() - timedelta(seconds=1))
    assert api.get("/api/v1/users/me", **bearer(alice_token)).status_code == 401
