"""The Django admin deletes users, accounts, channels and videos through the domain's deletion services, not
its own cascade: the videos' files go and video_deleted is sent."""

import pytest

from tests.factories import stored_video
from videos.constants import VideoPrivacy
from videos.models import Account, Channel, Video

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_deleting_a_user_from_the_admin(admin_client, user, received, django_capture_on_commit_callbacks):
    video, _, paths = stored_video(user.account.channels.get(), VideoPrivacy.PRIVATE)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/django-admin/videos/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Account.objects.filter(name="alice").exists() and not Video.objects.exists()
    assert [path for path in paths if path.exists()] == []
    assert ("video_deleted", video.name) in received


@pytest.mark.parametrize("model", ["channel", "account", "video"])
def test_delete_selected_from_the_admin(admin_client, user, received, model, django_capture_on_commit_callbacks):
    channel = Channel.objects.create(account=user.account, name="extra", display_name="Extra")
    video, _, paths = stored_video(channel, VideoPrivacy.PUBLIC)
    pk = {"channel": channel.pk, "account": user.account.pk, "video": video.pk}[model]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/django-admin/videos/{model}/", {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
        )
    assert response.status_code == 302
    assert not Video.objects.exists() and [path for path in paths if path.exists()] == []
    assert ("video_deleted", video.name) in received
