"""Telling peers about comments and ratings made here, as PeerTube does (see docs/interop.md).

- A comment by one of our accounts goes out as Create{Note} from its author: on one of our videos, to
  everyone who heard of the video; on a remote video, to the video's origin (which passes it on to its
  followers); in both cases also to the authors of the comments it answers.
- A deleted comment goes out as Delete from its author when it is ours, else from the video's account
  (the owner may delete what others wrote on its videos), to the same inboxes and the comment's author.
- A like or dislike by one of our accounts of a remote video goes to the video's origin as Like, Dislike,
  or Undo of the previous one. A rating of one of our videos, by anyone, sends an Update of the video to
  everyone who heard of it, as PeerTube does: peers read its likes and dislikes collections again then.

The receivers below only queue the tasks (federation.tasks) that call these functions.
"""

from __future__ import annotations

from django.dispatch import receiver

from federation.actors.local import local_actor_for_account
from federation.models import Actor
from federation.objects.comment import note_object
from federation.objects.rating import rate_activity
from federation.objects.video import is_federated
from federation.outbound.deliveries import deliver, inbox_of
from federation.outbound.outbox import fan_out, video_audience
from federation.protocol import ids
from federation.protocol.ld import with_context
from videos.links import comment_url
from videos.models import Account, Comment, Video
from videos.signals import comment_deleted, comment_posted, video_rated


def _remote_inbox(**owner: object) -> list[str]:
    """The inbox of the remote actor of an account or channel (`account=` or `channel=`), if we know it."""
    actor = Actor.objects.filter(**owner).exclude(host="").first()
    return [inbox_of(actor)] if actor is not None else []


def _comment_inboxes(comment: Comment) -> list[str]:
    """Who must hear of a comment: the video's audience (ours) or origin (remote), and the remote authors
    of the comments above it in its thread."""
    video = comment.video
    inboxes = list(video_audience(video)) if video.is_local else _remote_inbox(channel=video.channel)
    parent = comment.in_reply_to
    while parent is not None:
        if not parent.account.is_local:
            inboxes += _remote_inbox(account=parent.account)
        parent = parent.in_reply_to
    return inboxes


def send_comment(comment_id: int) -> None:
    """Create{Note} of one of our accounts' comments."""
    comment = (
        Comment.objects.filter(pk=comment_id, deleted_at=None)
        .select_related("account", "video__channel__account", "in_reply_to")
        .first()
    )
    if comment is None or not comment.account.is_local or not _federates(comment.video):
        return
    author = local_actor_for_account(comment.account)
    note = note_object(comment)
    activity = {
        "type": "Create",
        "id": f"{comment_url(comment)}/activity",
        "actor": note["attributedTo"],
        "object": note,
        "to": note["to"],
        "cc": note["cc"],
    }
    deliver(with_context(activity, "Comment"), author, _comment_inboxes(comment))


def send_comment_delete(comment_id: int) -> None:
    """Delete of a comment, by its author when ours, else by the video's account (ours)."""
    comment = (
        Comment.objects.filter(pk=comment_id)
        .exclude(deleted_at=None)
        .select_related("account", "video__channel__account", "in_reply_to")
        .first()
    )
    if comment is None or not _federates(comment.video):
        return
    if comment.account.is_local:
        by = comment.account
    elif comment.video.is_local:
        by = comment.video.channel.account
    else:
        return  # someone else's comment on someone else's video: only its origin speaks for it
    actor = local_actor_for_account(by)
    url = comment_url(comment)
    inboxes = _comment_inboxes(comment) + ([] if comment.account.is_local else _remote_inbox(account=comment.account))
    activity = {
        "type": "Delete",
        "id": f"{url}/delete",
        "actor": ids.account_url(by.name),
        "object": url,
        "to": [ids.PUBLIC],
        "cc": [f"{ids.account_url(by.name)}/followers"],
    }
    deliver(with_context(activity, "Delete"), actor, inboxes)


def send_rating(video_id: int, account_id: int, previous: str | None, kind: str | None) -> None:
    """Like/Dislike of a remote video by one of our accounts, after an Undo of the rating it replaces."""
    video = Video.objects.filter(pk=video_id, is_local=False).select_related("channel").first()
    account = Account.objects.filter(pk=account_id, host="").first()
    if video is None or account is None:
        return
    actor, inboxes = local_actor_for_account(account), _remote_inbox(channel=video.channel)
    if previous:
        undone = rate_activity(account.name, video, previous)
        undo = {
            "type": "Undo",
            "id": f"{undone['id']}/undo",
            "actor": undone["actor"],
            "object": {key: value for key, value in undone.items() if key != "@context"},
            "to": undone["to"],
            "cc": undone["cc"],
        }
        deliver(with_context(undo, "Rate"), actor, inboxes)
    if kind:
        deliver(rate_activity(account.name, video, kind), actor, inboxes)


def _federates(video: Video) -> bool:
    """Comments federate on our public videos and on the remote videos we hold."""
    return is_federated(video) or not video.is_local


@receiver(comment_posted, dispatch_uid="federation.send_comment")
def on_comment_posted(sender: type, comment: Comment, **kwargs: object) -> None:
    if comment.account.is_local:
        fan_out("send_comment", comment.pk)


@receiver(comment_deleted, dispatch_uid="federation.send_comment_delete")
def on_comment_deleted(sender: type, comment: Comment, **kwargs: object) -> None:
    fan_out("send_comment_delete", comment.pk)


@receiver(video_rated, dispatch_uid="federation.send_rating")
def on_video_rated(
    sender: type, video: Video, account: Account, previous: str | None, kind: str | None, **kwargs: object
) -> None:
    if previous == kind:
        return
    if video.is_local:
        fan_out("send_video_update", video.pk, None)
    elif account.is_local:
        fan_out("send_rating", video.pk, account.pk, previous, kind)
