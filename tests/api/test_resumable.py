"""The resumable upload protocol over raw HTTP, as PeerTube's web client and server-commands speak it."""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.api.conftest import bearer
from tests.factories import RESUMABLE_PATH, resumable_init, resumable_put, resumable_start
from tests.media import image_size_and_color, picture
from videos import resumable
from videos.models import Video
from videos.tasks import drop_stale_uploads

pytestmark = pytest.mark.django_db


def test_three_chunks_with_probe_conflict_and_resume(api, alice_token, small_clip):
    data = small_clip.read_bytes()
    size = len(data)
    third = size // 3
    query = resumable_start(api, alice_token, size)

    assert "Range" not in resumable_put(api, alice_token, query, b"", f"bytes */{size}")

    first = resumable_put(api, alice_token, query, data[:third], f"bytes 0-{third - 1}/{size}")
    assert first.status_code == 308 and first["Range"] == f"bytes=0-{third - 1}"

    probe = resumable_put(api, alice_token, query, b"", f"bytes */{size}")
    assert probe.status_code == 308 and probe["Range"] == f"bytes=0-{third - 1}"

    gap = resumable_put(
        api, alice_token, query, data[third + 10 : 2 * third], f"bytes {third + 10}-{2 * third - 1}/{size}"
    )
    assert gap.status_code == 409 and gap["Content-Type"].startswith("application/problem+json")

    # A dropped connection: the chunk announces 2*third bytes but only part of it arrives.
    dropped = resumable_put(api, alice_token, query, data[third : third + 100], f"bytes {third}-{3 * third - 1}/{size}")
    assert dropped.status_code == 308 and dropped["Range"] == f"bytes=0-{third + 99}"
    resumed_from = int(resumable_put(api, alice_token, query, b"", f"bytes */{size}")["Range"].rsplit("-", 1)[1]) + 1
    assert resumed_from == third + 100

    second = resumable_put(
        api, alice_token, query, data[resumed_from : 2 * third], f"bytes {resumed_from}-{2 * third - 1}/{size}"
    )
    assert second.status_code == 308
    last = resumable_put(api, alice_token, query, data[2 * third :], f"bytes {2 * third}-{size - 1}/{size}")
    assert last.status_code == 200, last.content
    ids = last.json()["video"]
    video = Video.objects.get(uuid=ids["uuid"])
    assert video.pk == ids["id"] and video.source.size == size
    assert sorted(video.tags.values_list("name", flat=True)) == ["a", "b"]
    # PeerTube's own client sends DELETE after success and expects 204.
    assert api.delete(f"{RESUMABLE_PATH}?{query}", **bearer(alice_token)).status_code == 204


def test_cancel_removes_the_partial_file(api, alice_token, small_clip, isolated_media):
    data = small_clip.read_bytes()
    query = resumable_start(api, alice_token, len(data))
    resumable_put(api, alice_token, query, data[:1000], f"bytes 0-999/{len(data)}")
    assert list((isolated_media / "tmp" / "resumable").glob("*.part"))
    assert api.delete(f"{RESUMABLE_PATH}?{query}", **bearer(alice_token)).status_code == 204
    assert not list((isolated_media / "tmp" / "resumable").iterdir())
    assert resumable_put(api, alice_token, query, b"", f"bytes */{len(data)}").status_code == 404


def test_init_is_validated_before_any_byte(api, user, alice_token, bob_token, settings):
    assert api.post(RESUMABLE_PATH, {"name": "x"}, format="json", **bearer(alice_token)).status_code == 400
    channel_id = api.get("/api/v1/users/me", **bearer(alice_token)).json()["videoChannels"][0]["id"]
    body = {"name": "Resumed", "channelId": channel_id}
    missing_name = api.post(
        RESUMABLE_PATH, body, format="json", HTTP_X_UPLOAD_CONTENT_LENGTH="100", **bearer(alice_token)
    )
    assert missing_name.status_code == 400 and "filename" in missing_name.json()["invalid-params"]
    settings.SIDEWAYS_MAX_UPLOAD_SIZE = 50
    too_big = api.post(
        RESUMABLE_PATH,
        {**body, "filename": "a.mp4"},
        format="json",
        HTTP_X_UPLOAD_CONTENT_LENGTH="100",
        **bearer(alice_token),
    )
    assert too_big.status_code == 413 and too_big.json()["code"] == "max_file_size_reached"
    settings.SIDEWAYS_MAX_UPLOAD_SIZE = 10**9
    user.video_quota = 10
    user.save()
    over_quota = api.post(
        RESUMABLE_PATH,
        {**body, "filename": "a.mp4"},
        format="json",
        HTTP_X_UPLOAD_CONTENT_LENGTH="100",
        **bearer(alice_token),
    )
    assert over_quota.status_code == 413 and over_quota.json()["code"] == "quota_reached"
    user.video_quota = -1
    user.save()
    query = resumable_start(api, alice_token, 100)
    # Another user cannot see or cancel the session.
    assert api.delete(f"{RESUMABLE_PATH}?{query}", **bearer(bob_token)).status_code == 404


def test_stale_sessions_are_dropped(api, alice_token, tmp_path):
    with picture(tmp_path / "thumb.png", "red").open("rb") as thumb:
        query = resumable_start(api, alice_token, 100, "multipart", thumbnailfile=thumb)
    session = resumable.load_session(query.split("=", 1)[1])
    assert resumable.drop_stale_sessions(3600) == 0
    old = time.time() - 7200
    os.utime(session.json_path, (old, old))

    assert drop_stale_uploads() == 1
    assert not list(resumable.sessions_dir().iterdir()) and resumable.load_session(session.id) is None


def test_a_chunk_resent_while_the_upload_completes_makes_no_second_video(api, alice_token, small_clip, monkeypatch):
    """The client times out on the last chunk (the file is being checked) and sends it all again."""
    from videos.api import uploads

    data = small_clip.read_bytes()
    size = len(data)
    query = resumable_start(api, alice_token, size)
    resumable_put(api, alice_token, query, data[:-1], f"bytes 0-{size - 2}/{size}")
    real_accept, resent = uploads._accept, []

    def accept_while_the_client_resends(*args, **kwargs):
        resent.append(resumable_put(api, alice_token, query, data, f"bytes 0-{size - 1}/{size}"))
        return real_accept(*args, **kwargs)

    monkeypatch.setattr(uploads, "_accept", accept_while_the_client_resends)
    last = resumable_put(api, alice_token, query, data[-1:], f"bytes {size - 1}-{size - 1}/{size}")
    assert last.status_code == 200 and resent[0].status_code == 409
    again = resumable_put(api, alice_token, query, data, f"bytes 0-{size - 1}/{size}")
    assert again.status_code == 200 and again.json() == last.json()
    assert Video.objects.count() == 1


def test_size_and_filename_are_checked(api, alice_token):
    channel_id = api.get("/api/v1/users/me", **bearer(alice_token)).json()["videoChannels"][0]["id"]
    body = {"name": "Resumed", "channelId": channel_id, "filename": "clip.mp4"}
    negative = api.post(RESUMABLE_PATH, body, format="json", HTTP_X_UPLOAD_CONTENT_LENGTH="-5", **bearer(alice_token))
    assert negative.status_code == 400 and "X-Upload-Content-Length" in negative.json()["invalid-params"]
    long_name = api.post(
        RESUMABLE_PATH,
        {**body, "filename": "a" * 1001 + ".mp4"},
        format="json",
        HTTP_X_UPLOAD_CONTENT_LENGTH="100",
        **bearer(alice_token),
    )
    assert long_name.status_code == 400 and "filename" in long_name.json()["invalid-params"]
    assert not list(resumable.sessions_dir().iterdir())


def test_pictures_sent_with_the_first_request_become_the_thumbnail_and_preview(api, alice_token, small_clip, tmp_path):
    """PeerTube's server-commands send the first request as multipart when it carries pictures."""
    data = small_clip.read_bytes()
    with (
        picture(tmp_path / "thumb.png", "red").open("rb") as thumb,
        picture(tmp_path / "big.jpg", "blue").open("rb") as big,
    ):
        query = resumable_start(api, alice_token, len(data), "multipart", thumbnailfile=thumb, previewfile=big)
    last = resumable_put(api, alice_token, query, data, f"bytes 0-{len(data) - 1}/{len(data)}")
    assert last.status_code == 200, last.content
    video = Video.objects.get(pk=last.json()["video"]["id"])
    assert video.images_chosen and sorted(video.tags.values_list("name", flat=True)) == ["a", "b"]
    colour = image_size_and_color(Path(settings.MEDIA_ROOT) / "thumbnails" / video.thumbnail_filename)[1]
    assert colour[0] > 200 and colour[2] < 60
    colour = image_size_and_color(Path(settings.MEDIA_ROOT) / "previews" / video.preview_filename)[1]
    assert colour[2] > 200 and colour[0] < 60
    assert not list(resumable.sessions_dir().glob("*.jpg"))


def test_pictures_of_a_cancelled_upload_are_removed_and_a_bad_one_starts_nothing(api, alice_token, tmp_path):
    with picture(tmp_path / "thumb.png", "red").open("rb") as thumb:
        query = resumable_start(api, alice_token, 100, "multipart", thumbnailfile=thumb)
    session = resumable.load_session(query.split("=", 1)[1])
    assert all(image.exists() for image in session.images)
    assert api.delete(f"{RESUMABLE_PATH}?{query}", **bearer(alice_token)).status_code == 204
    assert not list(resumable.sessions_dir().iterdir())

    fake = tmp_path / "fake.png"
    fake.write_text("not a picture")
    with fake.open("rb") as thumb:
        response = resumable_init(api, alice_token, 100, "multipart", thumbnailfile=thumb)
    assert response.status_code == 400 and "thumbnailfile" in response.json()["invalid-params"]
    assert not list(resumable.sessions_dir().iterdir())
