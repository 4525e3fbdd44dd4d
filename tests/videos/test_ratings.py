"""Likes and dislikes: one rating per account and video, counted on the video, announced after commit."""

from __future__ import annotations

import pytest

from tests.factories import local_account, remote_account
from videos.models import Rating, Video
from videos.services.ratings import rate_video, rating_of
from videos.signals import video_rated

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    events: list[dict] = []

    def listener(sender, **kwargs):
        kwargs.pop("signal")
        events.append(kwargs)

    video_rated.connect(listener)
    yield events
    video_rated.disconnect(listener)


def _counts(video: Video) -> tuple[int, int]:
    stored = Video.objects.get(pk=video.pk)
    return stored.likes, stored.dislikes


def test_likes_and_dislikes_are_counted_per_account(video, alice):
    bob, carol = local_account("bob"), remote_account()
    assert rate_video(video, alice, "like") is None
    assert rate_video(video, bob, "like") is None
    assert rate_video(video, carol, "dislike", url="https://peer.example/likes/1") is None

    assert _counts(video) == (2, 1) == (video.likes, video.dislikes)
    assert rating_of(video, bob) == "like"
    assert Rating.objects.get(account=carol).url == "https://peer.example/likes/1"


def test_changing_and_taking_back_a_rating_moves_the_counts(video, alice):
    rate_video(video, alice, "like")
    assert rate_video(video, alice, "dislike") == "like"
    assert _counts(video) == (0, 1)
    assert rate_video(video, alice, None) == "dislike"
    assert _counts(video) == (0, 0)
    assert rating_of(video, alice) is None
    assert not Rating.objects.exists()


def test_rating_the_same_way_again_changes_nothing(video, alice, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rate_video(video, alice, "like")
        assert rate_video(video, alice, "like") == "like"
        assert rate_video(video, local_account("bob"), None) is None
    assert _counts(video) == (1, 0)
    assert received == [{"video": video, "account": alice, "previous": None, "kind": "like"}]


def test_each_change_is_announced_after_commit(video, alice, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rate_video(video, alice, "like")
    assert received == []
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:  # the signal, and the catalogue's version bump
            callback()
        rate_video(video, alice, "dislike")
        rate_video(video, alice, None)
    assert [(event["previous"], event["kind"]) for event in received] == [
        (None, "like"),
        ("like", "dislike"),
        ("dislike", None),
    ]


def test_an_unknown_rating_is_refused(video, alice):
    with pytest.raises(ValueError):
        rate_video(video, alice, "love")
    assert _counts(video) == (0, 0)


def test_counts_added_elsewhere_are_kept(video, alice):
    """The counters move relative to the stored row, never from a stale copy in memory."""
    stale = Video.objects.get(pk=video.pk)
    rate_video(video, alice, "like")
    rate_video(stale, local_account("bob"), "like")
    assert _counts(video) == (2, 0) == (stale.likes, stale.dislikes)
