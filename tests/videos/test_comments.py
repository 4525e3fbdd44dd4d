"""Comments as the domain keeps them: threads, replies, tombstones, who may delete, the policy, signals."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError
from django.utils import translation

from tests.factories import local_account, remote_account, remote_video, video_of
from videos.constants import CommentsPolicy, UserRole
from videos.links import comment_url
from videos.models import Comment
from videos.services.comments import (
    MAX_COMMENT_LENGTH,
    CommentRefused,
    can_delete_comment,
    comment_threads,
    comment_tree,
    delete_comment,
    live_comment_count,
    post_comment,
)
from videos.signals import comment_deleted, comment_posted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The refusals' messages are translated; these tests read the English ones."""
    with translation.override("en"):
        yield


@pytest.fixture
def received():
    """Every comment_posted / comment_deleted sent during the test, as (signal name, comment)."""
    events: list[tuple[str, Comment]] = []

    def posted(sender, comment, **kwargs):
        events.append(("posted", comment))

    def deleted(sender, comment, **kwargs):
        events.append(("deleted", comment))

    comment_posted.connect(posted)
    comment_deleted.connect(deleted)
    yield events
    comment_posted.disconnect(posted)
    comment_deleted.disconnect(deleted)


def test_replies_join_the_thread_of_their_root(video, alice, bob):
    root = post_comment(video, bob, "  First!  ")
    reply = post_comment(video, alice, "Thanks", in_reply_to=root)
    deeper = post_comment(video, bob, "You're welcome", in_reply_to=reply)

    assert root.text == "First!" and root.thread is None and root.in_reply_to is None
    assert (reply.thread, reply.in_reply_to) == (root, root)
    assert (deeper.thread, deeper.in_reply_to) == (root, reply)
    tree = comment_tree(root)
    assert tree.comment == root
    assert [node.comment for node in tree.children] == [reply]
    assert [node.comment for node in tree.children[0].children] == [deeper]


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_an_empty_comment_is_refused(video, bob, text):
    with pytest.raises(CommentRefused) as refused:
        post_comment(video, bob, text)
    assert refused.value.status == 400
    assert "empty" in refused.value.message
    assert not Comment.objects.exists()


def test_a_comment_has_at_most_ten_thousand_characters(video, bob):
    assert post_comment(video, bob, "x" * MAX_COMMENT_LENGTH).text == "x" * 10000
    with pytest.raises(CommentRefused, match="at most 10000"):
        post_comment(video, bob, "x" * (MAX_COMMENT_LENGTH + 1))


def test_disabled_comments_refuse_everyone_even_the_owner(video, alice, bob):
    video.comments_policy = CommentsPolicy.DISABLED
    for author in (alice, bob, remote_account()):
        with pytest.raises(CommentRefused, match="disabled") as refused:
            post_comment(video, author, "Hello")
        assert refused.value.status == 409


def test_comments_needing_approval_take_only_the_owners_here(video, alice, bob):
    """No approval queue yet: the owner may still answer, others are told why they cannot."""
    video.comments_policy = CommentsPolicy.REQUIRES_APPROVAL
    assert post_comment(video, alice, "Owner here").text == "Owner here"
    with pytest.raises(CommentRefused, match="approval") as refused:
        post_comment(video, bob, "Hello")
    assert refused.value.status == 403


def test_a_followed_instances_video_needing_approval_takes_comments_its_origin_reviews(bob):
    video = remote_video(remote_account("dave"), comments_policy=CommentsPolicy.REQUIRES_APPROVAL)
    assert post_comment(video, bob, "Hello there").video == video


def test_a_reply_must_answer_a_live_comment_of_the_same_video(video, alice, bob):
    other = video_of(alice, "Another episode")
    elsewhere = post_comment(other, bob, "On the other one")
    with pytest.raises(CommentRefused, match="not on this video"):
        post_comment(video, alice, "Reply", in_reply_to=elsewhere)
    gone = post_comment(video, bob, "Soon gone")
    delete_comment(gone)
    with pytest.raises(CommentRefused, match="deleted"):
        post_comment(video, alice, "Reply", in_reply_to=gone)


def test_a_remote_comment_keeps_its_id_and_date_and_ours_get_one_under_the_video(video, bob):
    carol = remote_account()
    published = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.UTC)
    theirs = post_comment(
        video, carol, "From afar", url="https://peer.example/videos/watch/x/comments/9", created_at=published
    )
    ours = post_comment(video, bob, "From here", in_reply_to=theirs)

    assert theirs.created_at == published
    assert comment_url(theirs) == "https://peer.example/videos/watch/x/comments/9"
    assert comment_url(ours) == f"http://testserver/videos/watch/{video.uuid}/comments/{ours.pk}"
    assert ours.url == ""


def test_a_remote_comment_id_is_stored_once(video):
    carol = remote_account()
    post_comment(video, carol, "Once", url="https://peer.example/c/1")
    with pytest.raises(IntegrityError):
        post_comment(video, carol, "Twice", url="https://peer.example/c/1")


def test_deleting_leaves_a_tombstone_that_keeps_the_thread(
    video, alice, bob, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        root = post_comment(video, bob, "Root")
        reply = post_comment(video, alice, "Reply", in_reply_to=root)
        delete_comment(root)
        delete_comment(root)  # a second time changes nothing and says nothing

    root.refresh_from_db()
    assert root.is_deleted and root.text == "" and root.account == bob
    assert [node.comment for node in comment_tree(root).children] == [reply]
    assert received == [("posted", root), ("posted", reply), ("deleted", root)]
    assert received[2][1].text == ""


def test_signals_wait_for_the_commit(video, bob, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_comment(video, bob, "Pending")
    assert received == []
    for callback in callbacks:  # the signal, and the catalogue's version bump
        callback()
    assert [name for name, _comment in received] == ["posted"]


def test_thread_counters_count_live_replies_and_the_video_authors(video, alice, bob):
    root = post_comment(video, bob, "Root")
    by_owner = post_comment(video, alice, "Owner's answer", in_reply_to=root)
    post_comment(video, bob, "Thanks", in_reply_to=by_owner)
    delete_comment(post_comment(video, bob, "Oops", in_reply_to=root))
    post_comment(video, alice, "Second thread")

    counted = {thread.text: thread for thread in comment_threads(video)}
    assert set(counted) == {"Root", "Second thread"}  # replies are not threads
    assert (counted["Root"].total_replies, counted["Root"].total_replies_from_video_author) == (2, 1)
    assert (counted["Second thread"].total_replies, counted["Second thread"].total_replies_from_video_author) == (0, 0)
    assert live_comment_count(video) == 4


def test_who_may_delete_a_comment(video, alice, bob):
    comment = post_comment(video, bob, "Mine")
    stranger = local_account("eve")
    moderator = local_account("mod", role=UserRole.MODERATOR)
    admin = local_account("admin2", role=UserRole.ADMINISTRATOR)

    assert can_delete_comment(bob.user, comment)  # its author
    assert can_delete_comment(alice.user, comment)  # the video's owner
    assert can_delete_comment(moderator.user, comment)
    assert can_delete_comment(admin.user, comment)
    assert not can_delete_comment(stranger.user, comment)
    assert not can_delete_comment(None, comment)
    delete_comment(comment)
    assert not can_delete_comment(bob.user, comment)  # nothing left to delete


def test_deleting_a_video_takes_its_comments(video, bob):
    post_comment(video, bob, "Root")
    video.delete()
    assert not Comment.objects.exists()
