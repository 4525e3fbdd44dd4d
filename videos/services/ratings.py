"""Likes and dislikes: one Rating per (video, account), counted in Video.likes / Video.dislikes.

The counters move with F() expressions in the same transaction as the Rating row, which is locked first,
so concurrent ratings (the API, the page, peers' Like/Dislike) never lose a count.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from videos.models import Account, Rating, Video
from videos.signals import send_on_commit, video_rated

KINDS = (Rating.Kind.LIKE, Rating.Kind.DISLIKE)
# Rating kind -> the Video counter it adds to.
COUNTERS = {Rating.Kind.LIKE: "likes", Rating.Kind.DISLIKE: "dislikes"}


def rate_video(video: Video, account: Account, kind: str | None, url: str = "") -> str | None:
    """Set `account`'s rating of `video` to "like", "dislike" or None (no rating); returns the previous one.

    Rating the same way again changes nothing and sends nothing; a change sends video_rated after commit.
    `video.likes` / `video.dislikes` are refreshed from the database.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"Unknown rating: {kind!r}")
    with transaction.atomic():
        Video.objects.select_for_update().filter(pk=video.pk).first()  # serialises ratings of this video
        rating = Rating.objects.filter(video=video, account=account).first()
        previous = rating.kind if rating else None
        if previous == kind:
            return previous
        changes = {}
        if previous is not None:
            changes[COUNTERS[previous]] = F(COUNTERS[previous]) - 1
            rating.delete()
        if kind is not None:
            Rating.objects.create(video=video, account=account, kind=kind, url=url)
            changes[COUNTERS[kind]] = F(COUNTERS[kind]) + 1
        Video.objects.filter(pk=video.pk).update(**changes)
        video.refresh_from_db(fields=["likes", "dislikes"])
        send_on_commit(video_rated, Video, video=video, account=account, previous=previous, kind=kind)
    return previous


def rating_of(video: Video, account: Account) -> str | None:
    """The account's rating of the video: "like", "dislike" or None."""
    return Rating.objects.filter(video=video, account=account).values_list("kind", flat=True).first()
