"""A password change revokes every OAuth token and every session of the user, except the session that made
the change: through the API (the user's own, with currentPassword, or an administrator's) and the Django
admin. Before, whoever had the old password kept their tokens and sessions."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.api.conftest import ALICE_PASSWORD, bearer, post_form
from videos.constants import UserRole

NEW_PASSWORD = "a-brand-new-password"
ROOT_PASSWORD = "root-password-1"


@pytest.fixture
def root(db):
    """The administrator `migrate` made, with a password the test knows."""
    admin = get_user_model().objects.get(username="root", role=UserRole.ADMINISTRATOR)
    admin.set_password(ROOT_PASSWORD)
    admin.save()
    return admin


def token_pair(api, local_client, username: str, password: str) -> dict:
    response = post_form(
        api,
        "/api/v1/users/token",
        {**local_client, "grant_type": "password", "username": username, "password": password},
    )
    assert response.status_code == 200, response.content
    return response.json()


def web_session(username: str, password: str) -> Client:
    browser = Client()
    assert browser.post("/login", {"username": username, "password": password}).status_code == 302
    assert browser.get("/my-library/videos").status_code == 200
    return browser


def assert_shut_out(api, local_client, tokens: list[dict], browser: Client) -> None:
    for pair in tokens:
        assert api.get("/api/v1/users/me", **bearer(pair["access_token"])).status_code == 401
        refreshed = post_form(
            api,
            "/api/v1/users/token",
            {**local_client, "grant_type": "refresh_token", "refresh_token": pair["refresh_token"]},
        )
        assert refreshed.status_code == 400
    assert browser.get("/my-library/videos").status_code == 302  # back to the login page


def test_own_change_through_the_api_revokes_every_token_and_session(api, user, local_client):
    used, other = (token_pair(api, local_client, "alice", ALICE_PASSWORD) for _ in range(2))
    browser = web_session("alice", ALICE_PASSWORD)
    changed = api.put(
        "/api/v1/users/me",
        {"currentPassword": ALICE_PASSWORD, "password": NEW_PASSWORD},
        format="json",
        **bearer(used["access_token"]),
    )
    assert changed.status_code == 204
    assert_shut_out(api, local_client, [used, other], browser)
    token_pair(api, local_client, "alice", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("current", "status", "code"), [("not-my-password", 401, "current_password_is_invalid"), (None, 400, None)]
)
def test_own_change_needs_the_current_password(api, user, local_client, current, status, code):
    pair = token_pair(api, local_client, "alice", ALICE_PASSWORD)
    body = {"password": NEW_PASSWORD} | ({"currentPassword": current} if current else {})
    refused = api.put("/api/v1/users/me", body, format="json", **bearer(pair["access_token"]))
    assert refused.status_code == status and refused.json().get("code") == code
    assert api.get("/api/v1/users/me", **bearer(pair["access_token"])).status_code == 200
    token_pair(api, local_client, "alice", ALICE_PASSWORD)


def test_an_administrators_change_through_the_api_revokes_the_users_tokens_and_sessions(api, user, root, local_client):
    alices = token_pair(api, local_client, "alice", ALICE_PASSWORD)
    browser = web_session("alice", ALICE_PASSWORD)
    admin = token_pair(api, local_client, "root", ROOT_PASSWORD)
    changed = api.put(
        f"/api/v1/users/{user.pk}", {"password": NEW_PASSWORD}, format="json", **bearer(admin["access_token"])
    )
    assert changed.status_code == 204
    assert_shut_out(api, local_client, [alices], browser)
    assert api.get("/api/v1/users/me", **bearer(admin["access_token"])).status_code == 200


def test_an_administrators_change_in_the_django_admin(api, user, root, local_client):
    alices = token_pair(api, local_client, "alice", ALICE_PASSWORD)
    browser = web_session("alice", ALICE_PASSWORD)
    admin = web_session("root", ROOT_PASSWORD)
    changed = admin.post(
        f"/django-admin/videos/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert_shut_out(api, local_client, [alices], browser)
    assert admin.get("/django-admin/").status_code == 200


def test_own_change_in_the_django_admin_keeps_only_the_session_that_made_it(api, root, local_client):
    tokens = token_pair(api, local_client, "root", ROOT_PASSWORD)
    other_browser = web_session("root", ROOT_PASSWORD)
    admin = web_session("root", ROOT_PASSWORD)
    changed = admin.post(
        "/django-admin/password_change/",
        {"old_password": ROOT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert_shut_out(api, local_client, [tokens], other_browser)
    assert admin.get("/django-admin/").status_code == 200
