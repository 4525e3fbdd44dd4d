"""Likes and dislikes as PeerTube's `Like` and `Dislike` activities (see docs/interop.md).

A local account's rating has the id PeerTube gives its own: `<account>/likes/<video pk>` or
`<account>/dislikes/<video pk>`; a remote one keeps the id its instance sent.
"""

from __future__ import annotations

from federation.protocol import ids
from federation.protocol.ld import with_context
from videos.models import Rating, Video


def rating_url(rating: Rating) -> str:
    return rating.url or local_rating_url(rating.account.name, rating.video, rating.kind)


def local_rating_url(account_name: str, video: Video, kind: str) -> str:
    return f"{ids.account_url(account_name)}/{kind}s/{video.pk}"


def rate_activity(account_name: str, video: Video, kind: str) -> dict:
    """Our account likes or dislikes a remote video, sent to its origin."""
    actor = ids.account_url(account_name)
    activity = {
        "type": "Like" if kind == Rating.Kind.LIKE else "Dislike",
        "id": local_rating_url(account_name, video, kind),
        "actor": actor,
        "object": video.url,
        "to": [ids.PUBLIC],
        "cc": [f"{actor}/followers"],
    }
    return with_context(activity, "Rate")
