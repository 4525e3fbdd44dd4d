"""PeerTube's Video Rates API: PUT /videos/{id}/rate and GET /users/me/videos/{id}/rating."""

from __future__ import annotations

import pytest

from tests.api.conftest import bearer
from tests.factories import video_of
from videos.constants import VideoPrivacy

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(user):
    return video_of(user.account, "Alice's episode")


def _rate(api, video, token: str, rating):
    return api.put(f"/api/v1/videos/{video.uuid}/rate", {"rating": rating}, format="json", **bearer(token))


def _my_rating(api, video, token: str) -> dict:
    response = api.get(f"/api/v1/users/me/videos/{video.uuid}/rating", **bearer(token))
    assert response.status_code == 200, response.content
    return response.json()


def _counts(api, video) -> tuple[int, int]:
    body = api.get(f"/api/v1/videos/{video.uuid}").json()
    return body["likes"], body["dislikes"]


def test_rating_shows_in_the_video_counts_and_my_rating(api, video, alice_token, bob_token):
    assert _my_rating(api, video, bob_token) == {"videoId": video.pk, "rating": "none"}
    assert _rate(api, video, bob_token, "like").status_code == 204
    assert _rate(api, video, alice_token, "dislike").status_code == 204
    assert _counts(api, video) == (1, 1)
    assert _my_rating(api, video, bob_token) == {"videoId": video.pk, "rating": "like"}

    assert _rate(api, video, bob_token, "dislike").status_code == 204
    assert _rate(api, video, bob_token, "dislike").status_code == 204  # the same again counts once
    assert _counts(api, video) == (0, 2)
    assert _rate(api, video, bob_token, "none").status_code == 204
    assert _counts(api, video) == (0, 1)
    assert _my_rating(api, video, bob_token)["rating"] == "none"


@pytest.mark.parametrize("rating", ["love", "", None, 1])
def test_an_unknown_rating_is_a_400(api, video, bob_token, rating):
    response = _rate(api, video, bob_token, rating)
    assert response.status_code == 400
    assert "rating" in response.json()["invalid-params"]
    assert _counts(api, video) == (0, 0)


def test_rating_needs_a_login_and_a_video_one_may_see(api, user, video, bob_token):
    assert _rate(api, video, "", "like").status_code == 401
    assert api.put(f"/api/v1/videos/{video.uuid}/rate", {"rating": "like"}, format="json").status_code == 401
    assert api.get(f"/api/v1/users/me/videos/{video.uuid}/rating").status_code == 401
    private = video_of(user.account, "Private rushes", privacy=VideoPrivacy.PRIVATE)
    assert _rate(api, private, bob_token, "like").status_code == 403
    assert api.get(f"/api/v1/users/me/videos/{private.uuid}/rating", **bearer(bob_token)).status_code == 403
    missing = "00000000-0000-0000-0000-000000000000"
    assert (
        api.put(f"/api/v1/videos/{missing}/rate", {"rating": "like"}, format="json", **bearer(bob_token)).status_code
        == 404
    )
