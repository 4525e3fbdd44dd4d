"""Open resumable upload sessions count against the user's quota (their declared sizes, plus the stored
videos). Before, ten 900 kB sessions were accepted under a 1 MB quota, each checked alone."""

import pytest

from tests.api.conftest import bearer
from tests.factories import RESUMABLE_PATH, resumable_init, resumable_put, resumable_start

pytestmark = pytest.mark.django_db

KB = 1000


def set_quota(user, quota: int) -> None:
    user.video_quota = quota
    user.save(update_fields=["video_quota"])


def test_a_second_session_over_the_quota_is_refused_until_the_first_is_cancelled(api, user, alice_token):
    set_quota(user, 1000 * KB)
    first = resumable_start(api, alice_token, 900 * KB)
    refused = resumable_init(api, alice_token, 900 * KB)
    assert refused.status_code == 413 and refused.json()["code"] == "quota_reached"
    assert resumable_init(api, alice_token, 50 * KB).status_code == 201  # what is left still fits
    assert api.delete(f"{RESUMABLE_PATH}?{first}", **bearer(alice_token)).status_code == 204
    assert resumable_init(api, alice_token, 900 * KB).status_code == 201


def test_an_open_session_counts_against_a_legacy_upload_too(api, user, alice_token, small_clip):
    set_quota(user, small_clip.stat().st_size + 100 * KB)
    resumable_start(api, alice_token, 200 * KB)
    channel_id = api.get("/api/v1/users/me", **bearer(alice_token)).json()["videoChannels"][0]["id"]
    with small_clip.open("rb") as clip:
        refused = api.post(
            "/api/v1/videos/upload",
            {"videofile": clip, "channelId": channel_id, "name": "Clip"},
            format="multipart",
            **bearer(alice_token),
        )
    assert refused.status_code == 413 and refused.json()["code"] == "quota_reached"


def test_a_session_within_the_quota_completes_and_its_video_then_counts(api, user, alice_token, small_clip):
    data = small_clip.read_bytes()
    set_quota(user, len(data) + 100 * KB)
    query = resumable_start(api, alice_token, len(data))
    done = resumable_put(api, alice_token, query, data, f"bytes 0-{len(data) - 1}/{len(data)}")
    assert done.status_code == 200, done.content  # its own reservation is not counted twice
    refused = resumable_init(api, alice_token, 200 * KB)
    assert refused.status_code == 413 and refused.json()["code"] == "quota_reached"
