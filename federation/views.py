"""The documents peers GET from us: actors, videos and their collections (docs/PROTOCOL.md §3.1, §3.2, §3.6).

Every answer is `application/activity+json` and open to any origin (PeerTube's AP routes are CORS *);
GETs need no signature, as on PeerTube. Unknown or non-public things answer 404 in JSON, the same way
whether they do not exist or are not for peers to see.
"""
from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_safe

from federation import activities
from federation.actors import account_actor_named, actor_url, channel_actor_named
from federation.ld import embedded
from federation.models import Actor, Follow
from federation.objects.actor import actor_document
from federation.objects.collection import MAX_OUTBOX_PAGE_SIZE, PAGE_SIZE, InvalidPage, collection_response
from federation.objects.video import federated_videos, video_document
from videos.identifiers import parse_video_id
from videos.models import Video

ACTIVITY_JSON = "application/activity+json; charset=utf-8"


def activity_response(document: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(document, status=status, content_type=ACTIVITY_JSON, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def not_found(what: str) -> JsonResponse:
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
    request: HttpRequest, actor: Actor, name: str, items: QuerySet, to_item: Callable, max_size: int = PAGE_SIZE
) -> HttpResponse:
    try:
        document = collection_response(request, f"{actor_url(actor)}/{name}", items, to_item, max_size)
    except InvalidPage as error:
        return activity_response({"error": str(error)}, status=400)
    return activity_response(document)


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

    return _collection(request, actor, "outbox", videos, to_item, MAX_OUTBOX_PAGE_SIZE)


@require_safe
def followers(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    actor = _find_actor(kind, name)
    if actor is None:
        return not_found("Actor")
    follows = Follow.objects.filter(target=actor, state=Follow.State.ACCEPTED).select_related("actor").order_by("-created_at", "-pk")
    return _collection(request, actor, "followers", follows, lambda follow: actor_url(follow.actor))


@require_safe
def following(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    actor = _find_actor(kind, name)
    if actor is None:
        return not_found("Actor")
    follows = Follow.objects.filter(actor=actor, state=Follow.State.ACCEPTED).select_related("target").order_by("-created_at", "-pk")
    return _collection(request, actor, "following", follows, lambda follow: actor_url(follow.target))
