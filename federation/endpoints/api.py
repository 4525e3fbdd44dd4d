"""PeerTube's server-follows API (`/api/v1/server/following`, `/followers`): what admin tools call.

Listing is public, as on PeerTube; following and unfollowing are for administrators. The work is done by
federation.outbound.follows, the same service the admin page uses.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from federation.actors.local import actor_url
from federation.models import Actor, Follow
from federation.outbound.follows import (
    FollowError,
    follow_instance,
    instance_followers,
    instance_following,
    unfollow_instance,
)
from federation.protocol.ids import host as our_host
from videos.api.errors import ApiError
from videos.api.pagination import page_params, paginate
from videos.api.permissions import IsAdmin
from videos.api.views import ApiView

FOLLOW_SORTS = {"createdAt": "created_at"}


def _actor(actor: Actor) -> dict:
    return {
        "id": actor.pk,
        "url": actor_url(actor),
        "name": actor.preferred_username,
        "host": actor.host or our_host(),
        "hostRedundancyAllowed": False,
        "avatars": [],
        "createdAt": actor.created_at,
        "updatedAt": actor.created_at,
    }


def _follow(follow: Follow) -> dict:
    return {
        "id": follow.pk,
        "follower": _actor(follow.actor),
        "following": _actor(follow.target),
        "score": 1000,
        "state": follow.state,
        "createdAt": follow.created_at,
        "updatedAt": follow.updated_at,
    }


def _listing(request: Request, follows: QuerySet[Follow]) -> Response:
    start, count, ordering = page_params(request, FOLLOW_SORTS)
    state = request.query_params.get("state")
    if state:
        if state not in Follow.State.values:
            raise serializers.ValidationError({"state": [f"Should be one of {', '.join(Follow.State.values)}"]})
        follows = follows.filter(state=state)
    total, page = paginate(follows.order_by(ordering) if ordering else follows, start, count)
    return Response({"total": total, "data": [_follow(follow) for follow in page]})


class FollowHosts(serializers.Serializer):
    hosts = serializers.ListField(child=serializers.CharField(max_length=300), min_length=1, max_length=20)


class FollowingView(ApiView):
    def get_permissions(self):
        return [IsAdmin()] if self.request.method == "POST" else super().get_permissions()

    def get(self, request: Request) -> Response:
        return _listing(request, instance_following().select_related("actor"))

    def post(self, request: Request) -> Response:
        body = FollowHosts(data=request.data)
        body.is_valid(raise_exception=True)
        errors = []
        for host in body.validated_data["hosts"]:
            try:
                follow_instance(host)
            except FollowError as error:
                errors.append(str(error))
        if errors:
            raise ApiError(400, " ".join(errors))
        return Response(status=204)


class UnfollowView(ApiView):
    permission_classes = [IsAdmin]

    def delete(self, request: Request, host: str) -> Response:
        try:
            unfollow_instance(host)
        except FollowError as error:
            raise ApiError(404, str(error)) from None
        return Response(status=204)


class FollowersView(ApiView):
    def get(self, request: Request) -> Response:
        return _listing(request, instance_followers().select_related("target"))
