"""Malformed requests get PeerTube's problem+json with a 4xx status, never a 500 or an HTML page."""

import json

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import bearer, post_form
from tests.factories import api_upload, mark_published
from videos.api import config
from videos.models import Video

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def is_problem(response, status: int) -> bool:
    return response.status_code == status and response["Content-Type"].startswith(PROBLEM)


@pytest.fixture
def video_id(api, alice_token, small_clip) -> int:
    video_id = api_upload(api, alice_token, small_clip).json()["video"]["id"]
    mark_published(video_id)
    return video_id


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/search/videos?search=%00",
        "/api/v1/accounts/%00",
        "/api/v1/accounts/a%00/videos",
        "/api/v1/video-channels/%00",
        "/api/v1/videos?languageOneOf=%00",
        "/api/v1/videos?tagsOneOf=a%00",
    ],
)
def test_a_nul_character_in_the_address_is_refused(api, url):
    """PostgreSQL text cannot hold NUL: such a value would crash the query (500) if it got there."""
    assert is_problem(api.get(url), 400)


def test_a_nul_character_in_a_page_address_gets_a_readable_400(client, db):
    for url in ("/search?search=%00", "/a/%00", "/videos/tags/%00"):
        response = client.get(url)
        assert response.status_code == 400 and "NUL" in response.content.decode()
        assert "default-src 'self'" in response["Content-Security-Policy"]


def test_a_nul_character_in_a_login_is_refused(api, local_client):
    response = post_form(
        api,
        "/api/v1/users/token",
        {**local_client, "grant_type": "password", "username": "a\x00b@x.org", "password": "x"},
    )
    assert is_problem(response, 400) and response.json()["code"] == "invalid_request"


@pytest.mark.parametrize(
    "query, param",
    [
        ("start=99999999999999999999", "start"),
        ("sort=--name", "sort"),
        ("categoryOneOf=99999999999999999999999", "categoryOneOf"),
        ("licenceOneOf=²", "licenceOneOf"),
    ],
)
def test_out_of_range_list_parameters_are_refused(api, db, query, param):
    response = api.get(f"/api/v1/videos?{query}")
    assert is_problem(response, 400) and param in response.json()["invalid-params"]


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "null"])
def test_a_json_body_that_is_not_an_object_is_refused(api, alice_token, video_id, body):
    for method, path in (
        ("PUT", f"/api/v1/videos/{video_id}"),
        ("POST", f"/api/v1/videos/{video_id}/views"),
        ("POST", "/api/v1/videos/upload-resumable"),
    ):
        response = api.generic(
            method,
            path,
            body,
            content_type="application/json",
            HTTP_X_UPLOAD_CONTENT_LENGTH="100",
            **bearer(alice_token),
        )
        assert is_problem(response, 400), (method, path, response.content)
    assert Video.objects.get(pk=video_id).name == "My clip"


def test_a_digit_that_is_not_a_number_is_not_a_video_id(api, db):
    """ "²" passes str.isdigit() but not int(): an invalid id, as PeerTube answers one (400)."""
    assert is_problem(api.get("/api/v1/videos/²"), 400)


def test_unknown_routes_and_wrong_methods_answer_in_json(api, db):
    assert is_problem(api.post("/api/v1/no-such-route", {}, format="json"), 404)
    assert is_problem(api.delete("/api/v1/videos/1/no-such-route"), 404)
    wrong = api.post("/api/v1/oauth-clients/local")
    assert is_problem(wrong, 405) and wrong["Allow"] == "GET, HEAD"
    assert is_problem(api.get("/api/v1/users/token"), 405)


def test_a_body_over_the_limit_gets_413(api, alice_token, video_id, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"description": "x" * 20_000})
    response = api.generic(
        "PUT", f"/api/v1/videos/{video_id}", body, content_type="application/json", **bearer(alice_token)
    )
    assert is_problem(response, 413)


def test_a_crash_answers_a_problem_not_an_html_page(db, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(config.ConfigView, "get", crash)
    response = APIClient(raise_request_exception=False).get("/api/v1/config")
    assert is_problem(response, 500) and "boom" not in response.content.decode()
