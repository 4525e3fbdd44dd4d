"""The upload page with Django's test client: a good clip becomes a video, anything else leaves nothing."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from tests.factories import make_user
from tests.media import make_clip
from videos.constants import VideoPrivacy, VideoState
from videos.models import Video
from videos.web.upload import upload

pytestmark = pytest.mark.django_db


def _form(user, file, **fields) -> dict:
    values = {
        "videofile": file,
        "name": "Épisode 1",
        "description": "Le premier.",
        "channel": user.account.channels.get().pk,
        "privacy": VideoPrivacy.PUBLIC,
        "category": "13",
        "licence": "1",
        "language": "fr",
        "tags": "docu, paris",
    }
    return {**values, **fields}


def _leftovers() -> list[Path]:
    folders = (settings.ORIGINALS_DIR, settings.UPLOAD_TMP_DIR, Path(settings.MEDIA_ROOT) / "web-videos")
    return [path for folder in folders for path in Path(folder).rglob("*") if path.is_file()]


@pytest.fixture
def logged_in(client, user) -> Client:
    client.login(username="alice", password="alice-password-1")
    return client


def test_good_clip_becomes_a_video_to_transcode(logged_in, user, small_clip):
    with small_clip.open("rb") as file:
        response = logged_in.post("/videos/upload", _form(user, file))
    video = Video.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/w/{video.short_uuid}"
    assert video.state == VideoState.TO_TRANSCODE
    assert (video.name, video.category, video.licence, video.language) == ("Épisode 1", 13, 1, "fr")
    assert sorted(video.tags.values_list("name", flat=True)) == ["docu", "paris"]
    assert (Path(settings.ORIGINALS_DIR) / video.source.path).read_bytes() == small_clip.read_bytes()
    assert list(Path(settings.UPLOAD_TMP_DIR).iterdir()) == []


def test_picker_offers_audio_and_camcorder_files_and_a_song_is_accepted(logged_in, user, tmp_path):
    page = logged_in.get("/videos/upload").content.decode()
    accept = re.search(r'type="file"[^>]*accept="([^"]*)"', page)[1].split(",")
    assert {"video/*", "audio/*", ".mkv", ".mts", ".mp3"} <= set(accept)
    song = make_clip(tmp_path / "chanson.mp3", video=False)
    with song.open("rb") as file:
        assert logged_in.post("/videos/upload", _form(user, file)).status_code == 302
    assert Video.objects.get().state == VideoState.TO_TRANSCODE


@pytest.mark.parametrize(
    "content", [b"just some text, not a video\n" * 50, bytes(range(256)) * 200], ids=["text", "random"]
)
def test_not_a_video_is_refused_with_a_readable_reason(logged_in, user, tmp_path, content):
    fake = tmp_path / "episode.mp4"
    fake.write_bytes(content)
    with fake.open("rb") as file:
        response = logged_in.post("/videos/upload", _form(user, file), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "This file cannot be used as a video" in response.content.decode()
    assert not Video.objects.exists()
    assert _leftovers() == []


def test_truncated_clip_is_refused(logged_in, user, small_clip, tmp_path):
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(small_clip.read_bytes()[: small_clip.stat().st_size // 3])
    with truncated.open("rb") as file:
        response = logged_in.post("/videos/upload", _form(user, file), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert not Video.objects.exists()
    assert _leftovers() == []


def test_missing_title_keeps_the_form_with_an_error(logged_in, user, small_clip):
    with small_clip.open("rb") as file:
        response = logged_in.post("/videos/upload", _form(user, file, name=""), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Video.objects.exists()


def test_over_size_upload_gets_413(logged_in, user, small_clip, settings):
    settings.SIDEWAYS_MAX_UPLOAD_SIZE = 1000
    with small_clip.open("rb") as file:
        response = logged_in.post("/videos/upload", _form(user, file), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert "The file is too large" in response.content.decode()
    assert not Video.objects.exists()
    assert _leftovers() == []


class UnreadableBody:
    """A request body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_over_size_is_refused_before_reading_the_body(user, settings):
    settings.SIDEWAYS_MAX_UPLOAD_SIZE = 1000
    request = RequestFactory().post("/videos/upload", data=b"", content_type="multipart/form-data; boundary=x")
    request.META.update({"CONTENT_LENGTH": "5000000", "wsgi.input": UnreadableBody()})
    request._stream = UnreadableBody()
    request.user = user
    assert upload(request).status_code == 413


@pytest.mark.parametrize("length", ["12abc", "-1", "\u00b2"])
def test_malformed_content_length_gets_the_readable_400(logged_in, user, small_clip, length):
    with small_clip.open("rb") as file:
        response = logged_in.post("/videos/upload", _form(user, file), CONTENT_LENGTH=length, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "The upload was interrupted. Check your connection and try again." in response.content.decode()
    assert not Video.objects.exists()
    assert _leftovers() == []


def test_anonymous_is_sent_to_login(client, small_clip):
    assert client.get("/videos/upload")["Location"] == "/login?next=/videos/upload"
    with small_clip.open("rb") as file:
        response = client.post("/videos/upload", {"videofile": file, "name": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/login")
    assert not Video.objects.exists()


def test_csrf_is_enforced(user, small_clip):
    client = Client(enforce_csrf_checks=True)
    client.login(username="alice", password="alice-password-1")
    with small_clip.open("rb") as file:
        response = client.post("/videos/upload", _form(user, file))
    assert response.status_code == 403
    assert not Video.objects.exists()


def test_user_without_quota_may_not_upload(logged_in, user):
    user.video_quota = 0
    user.save()
    assert logged_in.get("/videos/upload").status_code == 403
    assert 'href="/videos/upload"' not in logged_in.get("/").content.decode()


def test_channel_choices_are_the_users_own(logged_in, user, small_clip):
    others = make_user("bob").account.channels.get()
    html = logged_in.get("/videos/upload").content.decode()
    assert others.display_name not in html
    with small_clip.open("rb") as file:
        response = logged_in.post("/videos/upload", _form(user, file, channel=others.pk))
    assert response.status_code == 400
    assert not Video.objects.exists()


def test_deleting_an_upload_removes_its_files(logged_in, user, small_clip, django_capture_on_commit_callbacks):
    with small_clip.open("rb") as file:
        logged_in.post("/videos/upload", _form(user, file))
    video = Video.objects.get()
    assert _leftovers() != []
    with django_capture_on_commit_callbacks(execute=True):
        assert logged_in.post(f"/videos/delete/{video.short_uuid}").status_code == 302
    assert not Video.objects.exists()
    assert _leftovers() == []
    assert [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()] == []
