"""Deleting a channel or a user deletes each of its videos like a video deletion: rows, files on disk and
the video_deleted signal (which federation turns into Delete activities); nothing of theirs stays served."""

from pathlib import Path

import pytest

from tests.api.conftest import bearer
from tests.factories import root_password, stored_video
from videos.constants import VideoPrivacy
from videos.models import Account, Channel, Video

pytestmark = pytest.mark.django_db


def assert_gone(client, urls: list[str], paths: list[Path]) -> None:
    assert [url for url in urls if client.get(url).status_code != 404] == []
    assert [path for path in paths if path.exists()] == []


def test_deleting_a_channel_deletes_its_videos_and_their_files(
    api, client, user, alice_token, received, django_capture_on_commit_callbacks
):
    extra = Channel.objects.create(account=user.account, name="extra", display_name="Extra")
    private, urls, paths = stored_video(extra, VideoPrivacy.PRIVATE)
    public, public_urls, public_paths = stored_video(extra, VideoPrivacy.PUBLIC)
    kept, kept_urls, _ = stored_video(user.account.channels.get(name="alice_channel"), VideoPrivacy.PUBLIC)
    client.force_login(user)
    assert client.get(urls[0]).status_code == 200  # the owner watches its private video

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete("/api/v1/video-channels/extra", **bearer(alice_token)).status_code == 204

    assert not Video.objects.filter(pk__in=[private.pk, public.pk]).exists()
    assert_gone(client, urls + public_urls, paths + public_paths)
    assert sorted(received[:2]) == [("video_deleted", private.name), ("video_deleted", public.name)]
    assert received[2:] == [("channel_deleted", "extra")]
    assert Video.objects.filter(pk=kept.pk).exists() and all(client.get(url).status_code == 200 for url in kept_urls)


def test_deleting_a_user_deletes_its_account_channels_videos_and_files(
    api, client, user, login, received, django_capture_on_commit_callbacks
):
    private, urls, paths = stored_video(user.account.channels.get(), VideoPrivacy.PRIVATE)
    admin = login("root", root_password())

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/users/{user.pk}", **bearer(admin)).status_code == 204

    assert not Video.objects.filter(pk=private.pk).exists() and not Account.objects.filter(name="alice").exists()
    assert_gone(client, urls, paths)
    assert received == [
        ("video_deleted", private.name),
        ("channel_deleted", "alice_channel"),
        ("account_deleted", "alice"),
    ]


def test_a_failed_deletion_keeps_everything(
    api, client, user, alice_token, received, monkeypatch, django_capture_on_commit_callbacks
):
    """All in one transaction: a video that cannot be deleted leaves the channel and its other videos whole."""
    extra = Channel.objects.create(account=user.account, name="extra", display_name="Extra")
    _, _, first_paths = stored_video(extra, VideoPrivacy.PUBLIC)
    second, *_ = stored_video(extra, VideoPrivacy.PUBLIC)
    original_delete = Video.delete

    def delete(video, *args, **kwargs):
        if video.pk == second.pk:
            raise RuntimeError("the database went away")
        return original_delete(video, *args, **kwargs)

    monkeypatch.setattr(Video, "delete", delete)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        api.delete("/api/v1/video-channels/extra", **bearer(alice_token))

    assert Channel.objects.filter(name="extra").exists() and Video.objects.filter(channel=extra).count() == 2
    assert all(path.exists() for path in first_paths) and received == []
