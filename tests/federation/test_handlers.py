"""What each received activity does, end to end: signed POST to our inbox, the worker task, the handler, and
the rows (and deliveries) a peer can observe. Only a video's origin may change it; only followed instances
may push videos to us; follows move only on the answer of the actor they were sent to.
"""

import pytest

from federation.actors.local import ensure_instance_actor
from federation.actors.remote import fetch_actor
from federation.models import Follow, InboxActivity
from federation.protocol.signatures import verify_request
from tests.federation.peer import activity_from, running_peer, signed_post
from videos.models import Video

pytestmark = pytest.mark.usefixtures("inline_tasks")

OUR_INSTANCE = "http://testserver/accounts/peertube"


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """Send a signed activity and run what it queues (handler, deliveries) in-process."""

    def send(actor, activity, path="/inbox"):
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_post(client, actor, activity, path)
        assert response.status_code == 204, response.content
        return InboxActivity.objects.get(ap_id=activity["id"])

    return send


@pytest.fixture
def remote(peer):
    """The peer's instance actor, an account and its channel."""
    instance = peer.instance()
    account = peer.add_actor("Person", "alice")
    channel = peer.add_actor("Group", "alice_channel", owner=account)
    return instance, account, channel


def follow(remote_actor, state=Follow.State.ACCEPTED) -> Follow:
    """Our instance following the instance of `remote_actor`."""
    target = fetch_actor(remote_actor.url)
    return Follow.objects.create(
        actor=ensure_instance_actor(), target=target, state=state, url=f"{OUR_INSTANCE}/follows/{target.pk}"
    )


def test_follow_of_our_instance_is_accepted_and_answered_on_the_followers_own_inbox(peer, remote, post):
    instance = remote[0]
    received = post(instance, activity := activity_from(instance, "Follow", OUR_INSTANCE))
    followed = Follow.objects.get(target=ensure_instance_actor())
    assert followed.actor.url == instance.url and followed.state == Follow.State.ACCEPTED
    assert followed.url == activity["id"] and received.error == ""
    [answer] = peer.requests_to("/accounts/peertube/inbox", "POST")
    assert not peer.requests_to("/inbox", "POST")  # PeerTube reads Accept only on the actor's own inbox
    accept = answer.json()
    assert accept["type"] == "Accept" and accept["actor"] == OUR_INSTANCE
    assert accept["object"]["id"] == activity["id"]
    verify_request(
        "POST", "/accounts/peertube/inbox", "", answer.headers, answer.body, ensure_instance_actor().public_key_pem
    )


def test_follow_of_an_unknown_local_name_does_nothing(peer, remote, post):
    instance = remote[0]
    received = post(instance, activity_from(instance, "Follow", "http://testserver/accounts/nobody"))
    assert received.processed_at and not Follow.objects.exists()
    assert not [request for request in peer.received if request.method == "POST"]


def test_accept_moves_our_pending_follow_and_queues_the_crawl(peer, remote, post, monkeypatch):
    from federation import tasks

    crawled = []
    monkeypatch.setattr(tasks.crawl_outbox, "delay", crawled.append)
    instance, account, _ = remote
    ours = follow(instance, Follow.State.PENDING)
    post(account, activity_from(account, "Accept", {"type": "Follow", "id": ours.url}))  # not the target
    ours.refresh_from_db()
    assert ours.state == Follow.State.PENDING and crawled == []
    post(instance, activity_from(instance, "Accept", {"type": "Follow", "id": ours.url}))
    ours.refresh_from_db()
    assert ours.state == Follow.State.ACCEPTED and crawled == [ours.target.pk]


def test_accept_of_a_rejected_follow_changes_nothing(peer, remote, post, monkeypatch):
    from federation import tasks

    monkeypatch.setattr(tasks.crawl_outbox, "delay", lambda pk: pytest.fail("no crawl"))
    instance = remote[0]
    ours = follow(instance, Follow.State.REJECTED)
    post(instance, activity_from(instance, "Accept", ours.url))
    ours.refresh_from_db()
    assert ours.state == Follow.State.REJECTED


def test_reject_marks_our_follow_rejected(peer, remote, post):
    instance, account, _ = remote
    ours = follow(instance, Follow.State.PENDING)
    post(account, activity_from(account, "Reject", ours.url))
    assert Follow.objects.get().state == Follow.State.PENDING
    post(instance, activity_from(instance, "Reject", {"type": "Follow", "id": ours.url}))
    assert Follow.objects.get().state == Follow.State.REJECTED


def test_undo_follow_deletes_only_the_senders_follow(peer, remote, post):
    instance, account, _ = remote
    post(instance, instance_follow := activity_from(instance, "Follow", OUR_INSTANCE))
    post(account, account_follow := activity_from(account, "Follow", OUR_INSTANCE))
    assert Follow.objects.count() == 2
    post(instance, activity_from(instance, "Undo", account_follow))  # someone else's follow
    assert Follow.objects.count() == 2
    post(instance, activity_from(instance, "Undo", instance_follow))
    assert [f.actor.url for f in Follow.objects.all()] == [account.url]


def test_followers_of_our_channel_are_counted_in_the_api(peer, remote, post, user, client):
    """PeerTube users subscribing to a channel of ours show in its followersCount; an Undo or the
    follower deleting itself takes them out."""
    instance, account, _ = remote
    channel_url = "http://testserver/video-channels/alice_channel"
    channel_api = "/api/v1/video-channels/alice_channel"
    post(account, account_follow := activity_from(account, "Follow", channel_url))
    post(instance, activity_from(instance, "Follow", channel_url))
    assert client.get(channel_api).json()["followersCount"] == 2
    assert client.get("/api/v1/accounts/alice").json()["followersCount"] == 0
    post(account, activity_from(account, "Undo", account_follow))
    assert client.get(channel_api).json()["followersCount"] == 1
    post(instance, activity_from(instance, "Delete", instance.url))
    assert client.get(channel_api).json()["followersCount"] == 0


@pytest.mark.parametrize("verb", ["Create", "Update"])
def test_a_new_video_is_imported_only_from_a_followed_instance(peer, remote, post, verb):
    """A video reaches followers as a Create, or as an Update when it was made public after publication
    (PeerTube imports it then too); from an instance we do not follow, neither imports anything."""
    instance, account, channel = remote
    video = peer.video(channel)
    post(account, activity_from(account, verb, video))
    assert not Video.objects.exists()
    follow(instance)
    post(account, activity_from(account, verb, video))
    assert Video.objects.get().url == video["id"]


def test_announce_from_an_instance_we_do_not_follow_imports_nothing(peer, remote, post):
    instance, _, channel = remote
    video = peer.video(channel)
    post(instance, activity_from(instance, "Announce", video["id"]))
    assert not Video.objects.exists() and not peer.requests_to(video["id"].removeprefix(peer.base))
    follow(instance)
    post(instance, activity_from(instance, "Announce", video["id"]))
    assert Video.objects.get().url == video["id"]


def test_an_announce_of_another_hosts_video_fetches_nothing(peer, remote, post):
    instance = remote[0]
    follow(instance)
    with running_peer() as elsewhere:
        channel = elsewhere.add_actor("Group", "c", owner=elsewhere.add_actor("Person", "p"))
        video = elsewhere.video(channel)
        post(instance, activity_from(instance, "Announce", video["id"]))
        assert not elsewhere.requests_to(video["id"].removeprefix(elsewhere.base))
    assert not Video.objects.exists()


@pytest.fixture
def imported(peer, remote, post):
    """A video of the peer's we hold, and a second followed instance that is not its origin."""
    instance, account, channel = remote
    follow(instance)
    video = peer.video(channel)
    post(account, activity_from(account, "Create", video))
    with running_peer() as other:
        intruder = other.instance()
        follow(intruder)
        yield video, intruder


def test_update_by_a_host_that_is_not_the_origin_is_refused(imported, post):
    video, intruder = imported
    post(intruder, activity_from(intruder, "Update", {**video, "name": "Hijacked title"}))
    assert Video.objects.get().name == video["name"]


def test_another_account_of_the_origin_may_neither_update_nor_delete(peer, imported, post):
    """Same host is not enough: only the video's account, its channel or its instance speak for it."""
    video, _ = imported
    other = peer.add_actor("Person", "mallory", key=1)
    post(other, activity_from(other, "Update", {**video, "name": "Hijacked title"}))
    post(other, activity_from(other, "Delete", video["id"]))
    assert Video.objects.get().name == video["name"]


def test_update_by_the_origin_changes_the_video(imported, remote, post):
    video, _ = imported
    account = remote[1]
    post(account, activity_from(account, "Update", {**video, "name": "A better title"}))
    assert Video.objects.get().name == "A better title"


def test_delete_by_a_host_that_is_not_the_origin_deletes_nothing(imported, post):
    video, intruder = imported
    post(intruder, activity_from(intruder, "Delete", video["id"]))
    assert Video.objects.filter(url=video["id"]).exists()


def test_delete_by_the_origin_removes_the_video(imported, remote, post):
    video, _ = imported
    account = remote[1]
    post(account, activity_from(account, "Delete", {"type": "Tombstone", "id": video["id"]}))
    assert not Video.objects.exists()


def test_a_channel_that_deletes_itself_takes_its_videos_along(imported, remote, post):
    _, account, channel = remote
    post(account, activity_from(account, "Delete", channel.url))  # another actor's deletion: nothing
    assert Video.objects.exists()
    post(channel, activity_from(channel, "Delete", channel.url))
    assert not Video.objects.exists()


def test_an_unknown_activity_type_is_dropped_without_being_stored(peer, remote, client):
    """Answered with success (PeerTube counts any failure against its follow of us), kept nowhere."""
    instance = remote[0]
    response = signed_post(client, instance, activity_from(instance, "Listen", "http://testserver/videos/watch/x"))
    assert response.status_code == 204
    assert not InboxActivity.objects.exists() and not Follow.objects.exists()
    assert not peer.requests_to(instance.url.removeprefix(peer.base))  # not even its key was fetched


def test_an_origin_briefly_down_is_asked_again_then_the_failure_is_kept(
    peer, remote, client, django_capture_on_commit_callbacks
):
    """A 503 from the announced video's origin is retried (a few times, with growing delays); a 404 is not."""
    from federation import tasks

    instance, _, channel = remote
    follow(instance)
    for status, attempts in ((503, 1 + len(tasks.HANDLING_RETRY_MINUTES)), (404, 1)):
        video = peer.video(channel)
        path = video["id"].removeprefix(peer.base)
        peer.serve(path, {"error": "try later"}, status=status)
        with django_capture_on_commit_callbacks(execute=False):
            assert signed_post(client, instance, activity_from(instance, "Announce", video["id"])).status_code == 204
        received = InboxActivity.objects.order_by("-pk").first()
        tasks.process_activity.apply(args=(received.pk,))  # eagerly: the retries run at once
        received.refresh_from_db()
        assert len(peer.requests_to(path)) == attempts
        assert received.processed_at is not None and str(status) in received.error
    assert not Video.objects.exists()


def test_views_peertube_sends_count_once_each_and_viewer_counters_do_not(peer, remote, post, user, client):
    from tests.factories import publish_video

    instance = remote[0]
    video = publish_video(user.account.channels.get())
    url = f"http://testserver/videos/watch/{video.uuid}"
    view = activity_from(instance, "View", url)
    post(instance, view)
    post(instance, activity_from(instance, "View", url))
    post(instance, activity_from(instance, "View", url, expires="2030-01-01T00:00:00.000Z"))  # "watching now"
    post(instance, activity_from(instance, "View", "http://testserver/videos/watch/not-a-video"))
    InboxActivity.objects.all().update(processed_at=None)
    from federation.tasks import process_activity

    process_activity(InboxActivity.objects.get(ap_id=view["id"]).pk)  # the same view handled again
    assert client.get(f"/api/v1/videos/{video.uuid}").json()["views"] == 2
