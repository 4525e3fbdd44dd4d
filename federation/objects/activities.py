"""The activities we send, complete with their @context, shaped and addressed as PeerTube's
(docs/PROTOCOL.md §3.1 for the ids, §3.5 for who sends what to whom).

The ids are derived from what they act on (`<video>/activity`, `<video>/announces/<actor>`,
`<object>/delete`, `<activity>/undo`), so building the same activity twice gives the same id and a
peer that already has it treats a redelivery as a duplicate.
"""

from __future__ import annotations

from federation.actors.local import actor_url, followers_url
from federation.models import Actor
from federation.objects.actor import iso_date
from federation.objects.video import audience, video_object
from federation.protocol import ids
from federation.protocol.ld import embedded, with_context
from videos.models import Video


def _account_url(video: Video) -> str:
    return ids.account_url(video.channel.account.name)


def _video_activity(kind: str, activity_id: str, video: Video) -> dict:
    """Create or Update: the account sends the whole Video object, addressed like the video itself."""
    activity = {
        "type": kind,
        "id": activity_id,
        "actor": _account_url(video),
        "object": video_object(video),
        **audience(video),
    }
    return with_context(activity, "Video")


def create_video(video: Video) -> dict:
    """The account publishes the video (sent to the account's followers, listed in its outbox)."""
    return _video_activity("Create", f"{ids.video_url(str(video.uuid))}/activity", video)


def announce_video(video: Video, actor: Actor) -> dict:
    """`actor` (our instance actor, or the video's channel) shares the video with its followers.

    Instances follow each other's Application actor, so this Announce is what makes a new video reach
    them; the object is the video's URL, which the peer then fetches.
    """
    url = ids.video_url(str(video.uuid))
    cc = [followers for followers in audience(video)["cc"] if followers != followers_url(actor)]
    activity = {
        "type": "Announce",
        "id": f"{url}/announces/{actor.pk}",
        "actor": actor_url(actor),
        "object": url,
        "to": [ids.PUBLIC, followers_url(actor)],
        "cc": cc,
    }
    return with_context(activity, "Announce")


def update_video(video: Video) -> dict:
    """The account tells followers the video changed; the id carries the change's date, so each differs."""
    return _video_activity("Update", f"{ids.video_url(str(video.uuid))}/updates/{iso_date(video.updated_at)}", video)


def delete_object(url: str, actor: Actor) -> dict:
    """`actor` deleted the object at `url` (a video, or an actor deleting itself)."""
    activity = {
        "type": "Delete",
        "id": f"{url}/delete",
        "actor": actor_url(actor),
        "object": url,
        "to": [ids.PUBLIC],
        "cc": [followers_url(actor)],
    }
    return with_context(activity, "Delete")


def follow(actor: Actor, target_url: str, follow_id: str) -> dict:
    """`actor` asks to follow the actor at `target_url` (PeerTube's Follow carries no addressing)."""
    return with_context({"type": "Follow", "id": follow_id, "actor": actor_url(actor), "object": target_url}, "Follow")


def accept(follow_activity: dict, actor: Actor, accept_id: str) -> dict:
    """`actor` accepts a Follow; the Follow is embedded, which is how PeerTube matches it to its request."""
    activity = {"type": "Accept", "id": accept_id, "actor": actor_url(actor), "object": embedded(follow_activity)}
    return with_context(activity, "Accept")


def undo(activity: dict, actor: Actor) -> dict:
    """`actor` takes back one of its activities (a Follow, an Announce...), embedded whole."""
    undo_activity = {
        "type": "Undo",
        "id": f"{activity['id']}/undo",
        "actor": actor_url(actor),
        "object": embedded(activity),
    }
    # Undo has no context of its own in PeerTube; Follow's is the base one its undos carry.
    return with_context(undo_activity, "Follow")
