"""`manage.py refederate`: our public videos sent again to the peers that follow them, through the outbox."""

import pytest
from django.core.management import CommandError, call_command

from federation.actors.local import ensure_instance_actor
from federation.actors.remote import fetch_actor
from federation.models import Follow
from tests.factories import publish_video
from videos.constants import VideoPrivacy

pytestmark = pytest.mark.usefixtures("inline_tasks")


@pytest.fixture
def follower(peer):
    Follow.objects.create(
        actor=fetch_actor(peer.instance().url), target=ensure_instance_actor(), state=Follow.State.ACCEPTED
    )
    return peer


def received(peer) -> list[tuple[str, str]]:
    """(type, video UUID) of each activity the peer's shared inbox received."""
    activities = [request.json() for request in peer.requests_to("/inbox", "POST")]
    return [(activity["type"], activity["object"]["uuid"]) for activity in activities]


def test_every_public_video_goes_out_again_as_an_update(follower, user, django_capture_on_commit_callbacks, capsys):
    channel = user.account.channels.get()
    first, second = publish_video(channel, "First"), publish_video(channel, "Second")
    private = publish_video(channel, "Private", privacy=VideoPrivacy.PRIVATE)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("refederate", "--all")

    assert sorted(received(follower)) == sorted([("Update", str(first.uuid)), ("Update", str(second.uuid))])
    assert str(private.uuid) not in capsys.readouterr().out


def test_named_videos_only_and_never_a_private_one(follower, user, django_capture_on_commit_callbacks, capsys):
    channel = user.account.channels.get()
    named, _other = publish_video(channel, "Named"), publish_video(channel, "Other")
    private = publish_video(channel, "Private", privacy=VideoPrivacy.PRIVATE)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("refederate", named.short_uuid, str(private.pk))

    assert received(follower) == [("Update", str(named.uuid))]
    assert "Skipped 'Private'" in capsys.readouterr().err


def test_refederate_wants_videos_or_all(db):
    with pytest.raises(CommandError):
        call_command("refederate")
    with pytest.raises(CommandError, match="No video"):
        call_command("refederate", "no-such-video")
