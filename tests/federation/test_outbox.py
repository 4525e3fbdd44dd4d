"""Telling followers about our videos: the videos app's signals (sent by its real services) become signed
activities POSTed to a real peer's shared inbox. Remote videos never go out.
"""

import shutil

import pytest

from federation.actors.local import (
    ensure_instance_actor,
    local_actor_for_account,
    local_actor_for_channel,
    local_actor_named,
)
from federation.actors.remote import fetch_actor
from federation.inbound.remote_videos import delete_video, import_video
from federation.models import Actor, Delivery, Follow
from federation.objects.video import federated_videos
from federation.protocol.signatures import verify_request
from tests.factories import make_user, publish_video, run_queued_job, upload_video
from tests.federation.peer import running_peer
from videos.constants import VideoPrivacy, VideoState
from videos.models import Account, Video
from videos.services import accounts, editing, publishing
from videos.signals import video_published
from videos.storage import store_images

pytestmark = pytest.mark.usefixtures("inline_tasks")


@pytest.fixture
def followers(peer, user):
    """The peer's instance follows our instance, and one of its accounts follows alice: one shared inbox."""
    Follow.objects.create(
        actor=fetch_actor(peer.instance().url), target=ensure_instance_actor(), state=Follow.State.ACCEPTED
    )
    Follow.objects.create(
        actor=fetch_actor(peer.add_actor("Person", "fan").url),
        target=local_actor_for_account(user.account),
        state=Follow.State.ACCEPTED,
    )
    return peer


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run a service and what it leaves for after the commit (signals, then deliveries)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            action(*args, **kwargs)

    return run


def sent(peer) -> list[dict]:
    """Activities the peer's shared inbox received, each checked to be signed by its actor's key."""
    activities = []
    for request in peer.requests_to("/inbox", "POST"):
        activity = request.json()
        kind, name = activity["actor"].rsplit("/", 2)[-2:]
        actor_type = (
            Actor.Type.GROUP
            if kind == "video-channels"
            else Actor.Type.APPLICATION
            if name == "peertube"
            else Actor.Type.PERSON
        )
        signer = local_actor_named(actor_type, name)  # also once its account or channel was deleted
        verify_request("POST", "/inbox", "", request.headers, request.body, signer.public_key_pem)
        activities.append(activity)
    return activities


@pytest.fixture
def video(user):
    return publish_video(user.account.channels.get())


def test_publishing_sends_create_from_the_account_and_announce_from_the_instance(followers, video, run_on_commit):
    run_on_commit(video_published.send, sender=Video, video=video)
    activities = sent(followers)
    assert sorted((a["type"], a["actor"]) for a in activities) == [
        ("Announce", "http://testserver/accounts/peertube"),
        ("Create", "http://testserver/accounts/alice"),
    ]
    create = next(a for a in activities if a["type"] == "Create")
    announce = next(a for a in activities if a["type"] == "Announce")
    assert create["object"]["uuid"] == str(video.uuid) and create["object"]["name"] == video.name
    assert announce["object"] == f"http://testserver/videos/watch/{video.uuid}"
    assert Delivery.objects.filter(state=Delivery.State.DONE).count() == 2


def test_an_edit_sends_update(followers, video, run_on_commit):
    run_on_commit(editing.save_edits, video, {"name": "A renamed episode"})
    [update] = sent(followers)
    assert update["type"] == "Update" and update["object"]["name"] == "A renamed episode"
    assert update["actor"] == "http://testserver/accounts/alice"


@pytest.mark.parametrize("privacy", [VideoPrivacy.PRIVATE, VideoPrivacy.UNLISTED])
def test_making_a_video_not_public_sends_delete(followers, video, run_on_commit, privacy):
    run_on_commit(editing.save_edits, video, {"privacy": privacy})
    [delete] = sent(followers)
    assert delete["type"] == "Delete" and delete["object"] == f"http://testserver/videos/watch/{video.uuid}"
    assert delete["actor"] == "http://testserver/accounts/alice"


def test_editing_a_video_not_yet_published_sends_nothing(followers, video, run_on_commit):
    Video.objects.filter(pk=video.pk).update(state=VideoState.TO_TRANSCODE)
    video.refresh_from_db()
    run_on_commit(editing.save_edits, video, {"name": "Still encoding", "privacy": VideoPrivacy.PRIVATE})
    assert not Delivery.objects.exists() and not sent(followers)


def test_deleting_sends_delete(followers, video, run_on_commit):
    run_on_commit(editing.delete_video, video)
    [delete] = sent(followers)
    assert delete["type"] == "Delete" and delete["object"] == f"http://testserver/videos/watch/{video.uuid}"


def test_a_video_that_is_not_public_is_not_announced(followers, user, run_on_commit):
    private = publish_video(user.account.channels.get(), privacy=VideoPrivacy.PRIVATE)
    run_on_commit(video_published.send, sender=Video, video=private)
    assert not Delivery.objects.exists() and not sent(followers)


def test_without_followers_nothing_is_sent(peer, video, run_on_commit):
    run_on_commit(video_published.send, sender=Video, video=video)
    run_on_commit(editing.save_edits, video, {"name": "A renamed episode"})
    assert not Delivery.objects.exists()


def test_remote_videos_never_trigger_deliveries(followers, run_on_commit):
    with running_peer() as origin:
        channel = origin.add_actor("Group", "bob_channel", owner=origin.add_actor("Person", "bob"))
        data = origin.video(channel)
        remote = import_video(data, origin.host)
        run_on_commit(video_published.send, sender=Video, video=remote)
        run_on_commit(editing.save_edits, remote, {"name": "Renamed here"})
        run_on_commit(delete_video, data["id"], origin.host)
    assert not Delivery.objects.exists() and not sent(followers)


def test_editing_or_deleting_a_video_that_was_never_public_sends_nothing(followers, user, run_on_commit):
    """Its URL may be all that protects an unlisted video: peers never hear of it."""
    for privacy in (VideoPrivacy.PRIVATE, VideoPrivacy.UNLISTED):
        hidden = publish_video(user.account.channels.get(), privacy=privacy)
        run_on_commit(editing.save_edits, hidden, {"name": "Still not public"})
        run_on_commit(editing.save_edits, hidden, {"privacy": VideoPrivacy.INTERNAL})
        run_on_commit(editing.delete_video, hidden)
    assert not Delivery.objects.exists() and not sent(followers)


def test_a_video_made_public_is_announced_like_a_new_one(followers, user, run_on_commit):
    hidden = publish_video(user.account.channels.get(), privacy=VideoPrivacy.UNLISTED)
    run_on_commit(editing.save_edits, hidden, {"privacy": VideoPrivacy.PUBLIC})
    assert sorted(a["type"] for a in sent(followers)) == ["Announce", "Create"]


def test_followers_of_the_channel_hear_of_its_videos(peer, user, video, run_on_commit):
    channel = local_actor_for_channel(video.channel)
    Follow.objects.create(
        actor=fetch_actor(peer.add_actor("Person", "subscriber").url), target=channel, state=Follow.State.ACCEPTED
    )
    run_on_commit(video_published.send, sender=Video, video=video)
    run_on_commit(editing.save_edits, video, {"name": "A renamed episode"})
    activities = sent(peer)
    assert sorted((a["type"], a["actor"].rsplit("/", 2)[-2]) for a in activities) == [
        ("Announce", "video-channels"),
        ("Create", "accounts"),
        ("Update", "accounts"),
    ]


def _deletes(peer) -> list[tuple[str, str]]:
    return [(a["actor"], a["object"]) for a in sent(peer) if a["type"] == "Delete"]


def test_deleting_a_channel_deletes_its_public_videos_then_itself(followers, user, video, run_on_commit):
    """As PeerTube does: each public video's Delete from its account, then the channel's Delete of itself,
    signed by the channel's key although the channel is gone. Its private videos are never mentioned."""
    Follow.objects.create(
        actor=fetch_actor(followers.add_actor("Person", "subscriber").url),
        target=local_actor_for_channel(video.channel),
        state=Follow.State.ACCEPTED,
    )
    publish_video(video.channel, privacy=VideoPrivacy.PRIVATE)
    run_on_commit(accounts.delete_channel, video.channel)
    assert _deletes(followers) == [
        ("http://testserver/accounts/alice", f"http://testserver/videos/watch/{video.uuid}"),
        ("http://testserver/video-channels/alice_channel", "http://testserver/video-channels/alice_channel"),
    ]
    assert Delivery.objects.filter(state=Delivery.State.DONE).count() == 2
    assert not Follow.objects.filter(target__preferred_username="alice_channel").exists()


def test_deleting_a_user_deletes_its_videos_channels_and_account(followers, user, video, run_on_commit):
    local_actor_for_channel(video.channel)
    run_on_commit(accounts.delete_user, user)
    assert _deletes(followers) == [
        ("http://testserver/accounts/alice", f"http://testserver/videos/watch/{video.uuid}"),
        ("http://testserver/video-channels/alice_channel", "http://testserver/video-channels/alice_channel"),
        ("http://testserver/accounts/alice", "http://testserver/accounts/alice"),
    ]
    assert not Account.objects.filter(name="alice").exists()
    assert not Follow.objects.filter(target__preferred_username="alice").exists()


def test_an_actor_never_federated_sends_nothing_when_deleted(followers, run_on_commit):
    run_on_commit(accounts.delete_user, make_user("bob"))
    assert not Delivery.objects.exists()


def test_a_deleted_users_actor_stays_and_no_namesake_inherits_it(followers, user, run_on_commit):
    """The actor (its URL, its key) outlives alice: a new "alice" would speak as the old one."""
    old = local_actor_for_account(user.account)
    run_on_commit(accounts.delete_user, user)
    with pytest.raises(accounts.HandleTaken):
        accounts.create_local_user("alice", "alice-password-2")
    with pytest.raises(accounts.HandleTaken):
        accounts.create_local_user("alice_channel", "alice-password-2")  # the default channel's name
    assert Actor.objects.filter(pk=old.pk, account=None).exists()


def _images(video, folder) -> tuple[str, str]:
    """A thumbnail and a preview placed as the pipeline places them; returns their names."""
    (folder / "thumbnail.jpg").write_bytes(b"\xff\xd8thumbnail")
    (folder / "preview.jpg").write_bytes(b"\xff\xd8preview")
    return store_images(video, folder / "thumbnail.jpg", folder / "preview.jpg")


def _upload_not_waiting(user, clip, run_on_commit, monkeypatch) -> Video:
    """A clip uploaded with waitTranscoding false, its transcoding job queued but not run."""
    from transcoding import tasks as transcoding_tasks
    from videos.services.uploads import VideoMetadata, accept_upload, temp_upload_path

    monkeypatch.setattr(transcoding_tasks.transcode_video, "delay", lambda job_id: None)
    temp = temp_upload_path()
    shutil.copy(clip, temp)
    holder = {}

    def upload():
        holder["video"] = accept_upload(
            user=user,
            channel=user.account.channels.get(),
            temp_path=temp,
            metadata=VideoMetadata(name="Shown at once", wait_transcoding=False),
            original_filename=clip.name,
        )

    run_on_commit(upload)
    return holder["video"]


def test_an_upload_not_waiting_for_transcoding_is_shown_with_its_images_then_updated_with_its_ladder(
    followers, user, small_clip, run_on_commit, monkeypatch, tmp_path
):
    """As PeerTube does for waitTranscoding false: peers get the video with its web-video file as soon as its
    thumbnail exists (before any rendition), then an Update with the HLS ladder (not a second Create)."""
    video = _upload_not_waiting(user, small_clip, run_on_commit, monkeypatch)
    assert sent(followers) == []  # no thumbnail yet: PeerTube would refuse the video
    thumbnail, preview = _images(video, tmp_path)
    run_on_commit(publishing.show_images, video, thumbnail, preview)
    shown = sent(followers)
    assert sorted(a["type"] for a in shown) == ["Announce", "Create"]
    created = next(a for a in shown if a["type"] == "Create")["object"]
    assert created["state"] == VideoState.TO_TRANSCODE and created["waitTranscoding"] is False
    assert created["icon"][0]["url"].endswith(thumbnail)
    [web_video] = [link for link in created["url"] if link["mediaType"] == "video/mp4"]
    assert web_video["href"].startswith("http://testserver/static/web-videos/") and web_video["size"] > 0
    assert video.uuid in {v.uuid for v in federated_videos()}

    followers.received.clear()
    from transcoding.pipeline import Release

    monkeypatch.setattr(Release, "show_images", lambda release: None)  # shown above, as the pipeline does
    run_on_commit(run_queued_job, video)
    after = sent(followers)
    assert "Create" not in [a["type"] for a in after]
    update = next(a for a in after if a["type"] == "Update")
    assert update["object"]["state"] == VideoState.PUBLISHED
    assert any(link["mediaType"] == "application/x-mpegURL" for link in update["object"]["url"])


def test_a_video_shown_before_transcoding_and_deleted_is_deleted_on_peers(
    followers, user, small_clip, run_on_commit, monkeypatch, tmp_path
):
    video = _upload_not_waiting(user, small_clip, run_on_commit, monkeypatch)
    run_on_commit(publishing.show_images, video, *_images(video, tmp_path))
    followers.received.clear()
    run_on_commit(editing.delete_video, Video.objects.get(pk=video.pk))
    assert [a["type"] for a in sent(followers)] == ["Delete"]


def test_an_upload_waiting_for_transcoding_is_not_shown_before_it(
    followers, user, small_clip, run_on_commit, monkeypatch, tmp_path
):
    from transcoding import tasks as transcoding_tasks

    monkeypatch.setattr(transcoding_tasks.transcode_video, "delay", lambda job_id: None)
    video = upload_video(user, small_clip)  # VideoMetadata's default waits
    run_on_commit(publishing.show_images, video, *_images(video, tmp_path))
    assert sent(followers) == []
    assert video.uuid not in {v.uuid for v in federated_videos()}
