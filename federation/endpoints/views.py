"""The documents peers GET from us: actors, videos and their collections (docs/PROTOCOL.md §3.1, §3.2, §3.6).

Every answer is `application/activity+json` and open to any origin (PeerTube's AP routes are CORS *);
GETs need no signature, as on PeerTube. Unknown or non-public things answer 404 in JSON, the same way
whether they do not exist or are not for peers to see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_safe

from federation.actors.local import account_actor_named, actor_url, channel_actor_named, followers_url, video_sharers
from federation.models import Actor, Follow
from federation.objects import activities
from federation.objects.actor import actor_document
from federation.objects.collection import MAX_OUTBOX_PAGE_SIZE, PAGE_SIZE, InvalidPage, collection_response
from federation.objects.comment import comment_document
from federation.objects.rating import rating_url
from federation.objects.video import federated_videos, video_document
from federation.protocol import ids
from federation.protocol.ld import embedded
from videos.identifiers import parse_video_id
from videos.links import comment_url
from videos.models import Video
from videos.responses import cross_origin_json

ACTIVITY_JSON = "application/activity+json; charset=utf-8"


def activity_response(document: dict, status: int = 200) -> HttpResponse:
    return cross_origin_json(document, ACTIVITY_JSON, status)


def not_found(what: str) -> HttpResponse:
    return activity_response({"error": f"{what} not found."}, status=404)


def _find_actor(kind: str, name: str) -> Actor | None:
    return account_actor_named(name) if kind == "accounts" else channel_actor_named(name)


def _federated_video(video_id: str) -> Video | None:
    lookup = parse_video_id(video_id)
    return federated_videos().filter(**lookup).first() if lookup else None


@require_safe
def account(request: HttpRequest, name: str) -> HttpResponse:
    actor = account_actor_named(name)
    return activity_response(actor_document(actor)) if actor else not_found("Account")


@require_safe
def channel(request: HttpRequest, name: str) -> HttpResponse:
    actor = channel_actor_named(name)
    return activity_response(actor_document(actor)) if actor else not_found("Channel")


@require_safe
def account_page(request: HttpRequest, name: str) -> HttpResponse:
    """A browser on an actor id (it asked for no ActivityPub) goes to the account's page."""
    return redirect(reverse("account", args=[name]))


@require_safe
def channel_page(request: HttpRequest, name: str) -> HttpResponse:
    return redirect(reverse("channel", args=[name]))


@require_safe
def video(request: HttpRequest, video_id: str) -> HttpResponse:
    found = _federated_video(video_id)
    return activity_response(video_document(found)) if found else not_found("Video")


@require_safe
def video_activity(request: HttpRequest, video_id: str) -> HttpResponse:
    """The video wrapped in the Create its account published it with."""
    found = _federated_video(video_id)
    return activity_response(activities.create_video(found)) if found else not_found("Video")


def _collection(
    request: HttpRequest, url: str, items: QuerySet | Sequence, to_item: Callable, max_size: int = PAGE_SIZE
) -> HttpResponse:
    try:
        document = collection_response(request, url, items, to_item, max_size)
    except InvalidPage as error:
        return activity_response({"error": str(error)}, status=400)
    return activity_response(document)


@require_safe
def video_shares(request: HttpRequest, video_id: str) -> HttpResponse:
    """Who announced the video: the ids of our Announces, each fetchable (PeerTube crawls this list and
    forgets a share that is not in it)."""
    found = _federated_video(video_id)
    if found is None:
        return not_found("Video")
    announces = [activities.announce_video(found, sharer)["id"] for sharer in video_sharers(found)]
    return _collection(request, f"{ids.video_url(str(found.uuid))}/announces", announces, str)


@require_safe
def video_rates(request: HttpRequest, video_id: str, kind: str) -> HttpResponse:
    """The likes or dislikes of the video, as the ids of the Like/Dislike activities: PeerTube reads their
    totalItems as the video's counts."""
    found = _federated_video(video_id)
    if found is None:
        return not_found("Video")
    ratings = found.ratings.filter(kind=kind.removesuffix("s")).select_related("account").order_by("-created_at", "-pk")
    return _collection(request, f"{ids.video_url(str(found.uuid))}/{kind}", ratings, rating_url)


@require_safe
def video_comments(request: HttpRequest, video_id: str) -> HttpResponse:
    """The ids of every comment on the video, replies and tombstones included (PeerTube crawls them and
    forgets the comments of ours it holds that are not listed)."""
    found = _federated_video(video_id)
    if found is None:
        return not_found("Video")
    comments = found.comments.select_related("video").order_by("created_at", "pk")
    return _collection(request, f"{ids.video_url(str(found.uuid))}/comments", comments, comment_url)


@require_safe
def video_comment(request: HttpRequest, video_id: str, comment_id: int) -> HttpResponse:
    """One of our comments (a Note, or a Tombstone once deleted), at its id."""
    found = _federated_video(video_id)
    comment = (
        found.comments.filter(pk=comment_id, url="").select_related("account", "video", "in_reply_to__video").first()
        if found
        else None
    )
    return activity_response(comment_document(comment)) if comment else not_found("Comment")


@require_safe
def video_announce(request: HttpRequest, video_id: str, actor_id: int) -> HttpResponse:
    """One of our Announces of a video, at the id it was sent with."""
    found = _federated_video(video_id)
    sharer = next((actor for actor in video_sharers(found) if actor.pk == actor_id), None) if found else None
    return activity_response(activities.announce_video(found, sharer)) if sharer else not_found("Announce")


@require_safe
def outbox(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    """What the actor published, newest first, as PeerTube lists it for crawling peers.

    The instance actor and a channel Announce every public video they share; an account lists the
    Create of each of its videos, the full object inside.
    """
    actor = _find_actor(kind, name)
    if actor is None:
        return not_found("Actor")
    videos = federated_videos().order_by("-published_at", "-pk")
    if actor.account is not None:
        videos = videos.filter(channel__account=actor.account)
    elif actor.channel is not None:
        videos = videos.filter(channel=actor.channel)

    def to_item(video: Video) -> dict:
        if actor.account is not None:
            return embedded(activities.create_video(video))
        return embedded(activities.announce_video(video, actor))

    return _collection(request, f"{actor_url(actor)}/outbox", videos, to_item, MAX_OUTBOX_PAGE_SIZE)


@require_safe
def followers(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    actor = _find_actor(kind, name)
    if actor is None:
        return not_found("Actor")
    follows = (
        Follow.objects.filter(target=actor, state=Follow.State.ACCEPTED)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )
    return _collection(request, followers_url(actor), follows, lambda follow: actor_url(follow.actor))


@require_safe
def following(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    actor = _find_actor(kind, name)
    if actor is None:
        return not_found("Actor")
    follows = (
        Follow.objects.filter(actor=actor, state=Follow.State.ACCEPTED)
        .select_related("target")
        .order_by("-created_at", "-pk")
    )
    return _collection(request, f"{actor_url(actor)}/following", follows, lambda follow: actor_url(follow.target))
