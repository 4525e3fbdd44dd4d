"""Password guessing is rate-limited per account and per address on the OAuth token endpoint, the web login
and the Django admin login: 429 with Retry-After, before the password is even checked."""

from __future__ import annotations

import pytest
from django.test import Client

from sideways.login_limits import MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, WINDOW
from tests.api.conftest import ALICE_PASSWORD, bearer, post_form
from videos.services.accounts import create_local_user


def token_attempt(api, local_client, username: str, password: str, address: str = "192.0.2.1"):
    return post_form(
        api,
        "/api/v1/users/token",
        {**local_client, "grant_type": "password", "username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_the_token_endpoint_locks_an_account_after_ten_failures(api, user, local_client):
    for attempt in range(MAX_FAILURES_PER_ACCOUNT):
        # From a new address each time: the account's own counter is what stops them.
        assert token_attempt(api, local_client, "alice", "wrong", f"192.0.2.{attempt}").status_code == 400
    refused = token_attempt(api, local_client, "alice", ALICE_PASSWORD, "198.51.100.7")
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["status"] == 429 and "Too many failed logins" in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= WINDOW
    # Another account is not locked by alice's.
    create_local_user("bob", "bob-password-1")
    assert token_attempt(api, local_client, "bob", "bob-password-1", "198.51.100.7").status_code == 200


def test_the_token_endpoint_limits_one_address_across_accounts(api, user, local_client):
    for attempt in range(MAX_FAILURES_PER_ADDRESS):
        assert token_attempt(api, local_client, f"someone{attempt}", "wrong").status_code == 400
    assert token_attempt(api, local_client, "alice", ALICE_PASSWORD).status_code == 429
    assert token_attempt(api, local_client, "alice", ALICE_PASSWORD, "192.0.2.200").status_code == 200


def test_successful_logins_are_not_counted(api, user, local_client):
    for _ in range(MAX_FAILURES_PER_ACCOUNT + 5):
        assert token_attempt(api, local_client, "alice", ALICE_PASSWORD).status_code == 200


def test_no_address_or_account_name_is_stored(api, user, local_client, settings):
    from django.core.cache import cache

    token_attempt(api, local_client, "alice", "wrong", "203.0.113.99")
    keys = list(cache._cache)  # LocMemCache in tests (tests/conftest.py)
    assert keys and not any("203.0.113.99" in key or "alice" in key for key in keys)


@pytest.mark.parametrize("path", ["/login", "/django-admin/login/"])
def test_the_web_and_admin_logins_answer_a_readable_page(user, path):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        response = browser.post(path, {"username": "alice", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    refused = browser.post(path, {"username": "alice", "password": ALICE_PASSWORD})
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/html")
    assert "Too many failed logins" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in browser.session


def test_the_page_speaks_french_too(user):
    browser = Client(HTTP_ACCEPT_LANGUAGE="fr")
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        browser.post("/login", {"username": "alice", "password": "wrong"})
    refused = browser.post("/login", {"username": "alice", "password": "wrong"})
    assert refused.status_code == 429 and "Trop de connexions" in refused.content.decode()


def test_guesses_at_the_current_password_of_a_password_change_are_limited_too(api, user, alice_token):
    def change(current: str):
        return api.put(
            "/api/v1/users/me",
            {"currentPassword": current, "password": "new-password-1"},
            format="json",
            REMOTE_ADDR="192.0.2.9",
            **bearer(alice_token),
        )

    for _ in range(MAX_FAILURES_PER_ADDRESS):
        assert change("a-guess").status_code == 401
    refused = change(ALICE_PASSWORD)
    assert refused.status_code == 429 and refused["Content-Type"].startswith("application/problem+json")
    user.refresh_from_db()
    assert user.check_password(ALICE_PASSWORD)
