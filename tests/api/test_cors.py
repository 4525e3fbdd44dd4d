"""Browsers on other origins may call the API with bearer tokens (PeerTube grants the same), never with cookies."""

import pytest

from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def test_preflight_allows_any_origin_with_the_authorization_header(client):
    response = client.options(
        "/api/v1/users/me",
        HTTP_ORIGIN="https://app.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Headers"] == "authorization,content-type"
    assert "PUT" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response


def test_api_responses_are_readable_cross_origin_but_pages_are_not(api, alice_token):
    response = api.get("/api/v1/users/me", HTTP_ORIGIN="https://app.example", **bearer(alice_token))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Location" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in api.get("/login", HTTP_ORIGIN="https://app.example")
