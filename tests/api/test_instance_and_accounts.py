"""Config, enumerations, users/me, admin user management, accounts, channels and search."""

import pytest

from tests.api.conftest import bearer
from tests.factories import api_upload, mark_published, root_password
from videos.models import Channel, InstanceSettings
from videos.services.search import search_videos

pytestmark = pytest.mark.django_db


def test_config_and_enumerations(api):
    config = api.get("/api/v1/config").json()
    assert config["instance"]["name"] and "maxChunkSize" in config["client"]["videos"]["resumableUpload"]
    assert {".mp4", ".webm", ".mkv", ".mts", ".mp3", ".flac"} <= set(config["video"]["file"]["extensions"])
    assert api.get("/api/v1/config/about").json()["instance"]["name"] == config["instance"]["name"]
    assert api.get("/api/v1/videos/categories").json()["1"] == "Music"
    assert api.get("/api/v1/videos/licences").json()["7"] == "Public Domain Dedication"
    assert api.get("/api/v1/videos/languages").json()["fr"] == "French"
    assert set(api.get("/api/v1/videos/privacies").json()) == {"1", "2", "3", "4"}


def test_config_announces_the_resolutions_the_instance_transcodes_to(api, settings):
    settings.SIDEWAYS_TRANSCODING_RESOLUTIONS = [720, 144, 360]
    assert api.get("/api/v1/config").json()["transcoding"]["enabledResolutions"] == [144, 360, 720]


def test_config_and_about_say_what_the_admin_wrote_on_the_about_page(api, client):
    InstanceSettings.objects.create(pk=1, short_description="Videos about trains", description="Since 2026.")
    assert api.get("/api/v1/config").json()["instance"]["shortDescription"] == "Videos about trains"
    about = api.get("/api/v1/config/about").json()["instance"]
    assert about["shortDescription"] == "Videos about trains" and about["description"] == "Since 2026."
    page = client.get("/about").content.decode()
    assert "Videos about trains" in page and "Since 2026." in page


def test_me_lists_channels_and_quota(api, user, alice_token, small_clip):
    me = api.get("/api/v1/users/me", **bearer(alice_token)).json()
    assert me["role"]["id"] == 2 and me["videoChannels"][0]["name"] == "alice_channel"
    assert me["account"]["name"] == "alice" and me["videoQuotaUsed"] == 0
    api_upload(api, alice_token, small_clip)
    used = api.get("/api/v1/users/me/video-quota-used", **bearer(alice_token)).json()
    assert used == {"videoQuotaUsed": small_clip.stat().st_size, "videoQuotaUsedDaily": small_clip.stat().st_size}
    assert api.get("/api/v1/users/me/videos", **bearer(alice_token)).json()["total"] == 1


def test_admin_manages_users_and_others_cannot(api, login, alice_token):
    admin = login("root", root_password())
    assert api.get("/api/v1/users", **bearer(alice_token)).status_code == 403
    assert api.get("/api/v1/users").status_code == 401
    created = api.post(
        "/api/v1/users",
        {"username": "carol", "password": "carol-pass", "email": "c@example.org", "role": 1, "videoQuota": 5000},
        format="json",
        **bearer(admin),
    )
    assert created.status_code == 200, created.content
    user_id = created.json()["user"]["id"]
    again = api.post(
        "/api/v1/users",
        {"username": "carol", "password": "carol-pass", "email": "d@example.org", "role": 1},
        format="json",
        **bearer(admin),
    )
    assert again.status_code == 409
    reserved = api.post(
        "/api/v1/users",
        {"username": "peertube", "password": "pt-pass-123", "email": "p@example.org", "role": 2},
        format="json",
        **bearer(admin),
    )
    assert reserved.status_code == 409  # the instance's ActivityPub actor answers to that name
    bad = api.post("/api/v1/users", {"username": "Bad Name", "role": "x"}, format="json", **bearer(admin))
    assert bad.status_code == 400 and {"username", "role", "password", "email"} <= set(bad.json()["invalid-params"])
    assert (
        api.put(f"/api/v1/users/{user_id}", {"videoQuota": 42, "role": 2}, format="json", **bearer(admin)).status_code
        == 204
    )
    carol = api.get(f"/api/v1/users/{user_id}", **bearer(admin)).json()
    assert carol["videoQuota"] == 42 and carol["role"]["id"] == 2
    assert login("carol", "carol-pass")
    assert api.get("/api/v1/users?count=100", **bearer(admin)).json()["total"] == 3
    assert api.delete(f"/api/v1/users/{user_id}", **bearer(admin)).status_code == 204
    assert api.get(f"/api/v1/users/{user_id}", **bearer(admin)).status_code == 404
    # carol's actor (URL and key) outlives her: the name stays hers, as on PeerTube.
    again = api.post(
        "/api/v1/users",
        {"username": "carol", "password": "carol-pass", "email": "c@example.org", "role": 1},
        format="json",
        **bearer(admin),
    )
    assert again.status_code == 409 and "carol" in again.json()["detail"]


def test_accounts_and_channels(api, alice_token, bob_token, small_clip):
    assert api.get("/api/v1/accounts/alice").json()["userId"] is not None
    assert api.get("/api/v1/accounts/nobody").status_code == 404
    assert api.get("/api/v1/accounts/alice/video-channels").json()["data"][0]["name"] == "alice_channel"

    created = api.post(
        "/api/v1/video-channels", {"name": "alice_music", "displayName": "Music"}, format="json", **bearer(alice_token)
    )
    assert created.status_code == 200
    channel_id = created.json()["videoChannel"]["id"]
    assert (
        api.post(
            "/api/v1/video-channels",
            {"name": "alice_music", "displayName": "Again"},
            format="json",
            **bearer(alice_token),
        ).status_code
        == 409
    )
    assert api.post("/api/v1/video-channels", {"name": "x y"}, format="json", **bearer(alice_token)).status_code == 400
    assert api.post("/api/v1/video-channels", {"name": "z", "displayName": "Z"}, format="json").status_code == 401

    assert (
        api.put(
            "/api/v1/video-channels/alice_music", {"displayName": "Mine"}, format="json", **bearer(bob_token)
        ).status_code
        == 403
    )
    assert (
        api.put(
            "/api/v1/video-channels/alice_music", {"displayName": "Songs"}, format="json", **bearer(alice_token)
        ).status_code
        == 204
    )
    channel = api.get("/api/v1/video-channels/alice_music").json()
    assert channel["displayName"] == "Songs" and channel["ownerAccount"]["name"] == "alice"

    ids = api_upload(api, alice_token, small_clip, channelId=channel_id).json()["video"]
    mark_published(ids["id"])
    assert api.get("/api/v1/video-channels/alice_music/videos").json()["data"][0]["id"] == ids["id"]
    assert api.get("/api/v1/accounts/alice/videos").json()["total"] == 1
    assert api.delete("/api/v1/video-channels/alice_music", **bearer(alice_token)).status_code == 204
    assert api.delete("/api/v1/video-channels/alice_channel", **bearer(alice_token)).status_code == 409
    assert not Channel.objects.filter(name="alice_music").exists()
    assert (
        api.post(
            "/api/v1/video-channels",
            {"name": "alice_music", "displayName": "Music again"},
            format="json",
            **bearer(bob_token),
        ).status_code
        == 409
    )


def test_search_over_name_description_and_tags(api, user, alice_token, small_clip):
    found = [
        api_upload(api, alice_token, small_clip, name="Gardening basics").json()["video"],
        api_upload(api, alice_token, small_clip, name="Other", description="All about gardening").json()["video"],
        api_upload(api, alice_token, small_clip, name="Tagged", **{"tags[0]": "gardening"}).json()["video"],
    ]
    hidden = api_upload(api, alice_token, small_clip, name="Gardening secret", privacy="3").json()["video"]
    api_upload(api, alice_token, small_clip, name="Cooking")
    for ids in (*found, hidden):
        mark_published(ids["id"])
    result = api.get("/api/v1/search/videos?search=gardening").json()
    assert result["total"] == 3 and {video["id"] for video in result["data"]} == {ids["id"] for ids in found}
    assert api.get("/api/v1/search/videos?search=gardening&sort=-bogus").status_code == 400
    total, videos = search_videos("gardening", user, 0, 2)
    assert total == 3 and len(videos) == 2
