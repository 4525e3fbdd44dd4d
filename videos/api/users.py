"""Users: the token's own user (/users/me...), token revocation, and the admin's user management."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from videos.api.errors import ApiError
from videos.api.pagination import page_params, paginate
from videos.api.password import OwnPasswordChange
from videos.api.permissions import IsAdmin
from videos.api.serializers import UserCreateInput, UserUpdateInput, user_body
from videos.api.views import ApiView, AuthenticatedView, video_page
from videos.models import User, Video
from videos.services.accounts import HandleTaken, create_local_user, delete_user, email_taken
from videos.services.uploads import quota_used


def _user_json(user: User) -> dict:
    return user_body(user, quota_used(user), quota_used(user, since=timezone.now() - datetime.timedelta(days=1)))


class MeView(OwnPasswordChange, AuthenticatedView):
    def get(self, request: Request) -> Response:
        return Response(_user_json(request.user))


class MeQuotaView(AuthenticatedView):
    def get(self, request: Request) -> Response:
        body = _user_json(request.user)
        return Response({"videoQuotaUsed": body["videoQuotaUsed"], "videoQuotaUsedDaily": body["videoQuotaUsedDaily"]})


class MeVideosView(AuthenticatedView):
    def get(self, request: Request) -> Response:
        return video_page(request, Video.objects.filter(channel__account__user=request.user))


class RevokeTokenView(AuthenticatedView):
    def post(self, request: Request) -> Response:
        token = request.auth
        if getattr(token, "refresh_token", None) is not None:
            token.refresh_token.revoke()
        else:
            token.revoke()
        return Response({})


def _check_email_free(email: str, user: User | None = None) -> None:
    """409 as PeerTube answers when another user (than `user`) has this e-mail: people log in with it too."""
    if email_taken(email, by_other_than=user):
        raise ApiError(409, "User with this email already exists.")


class UsersView(ApiView):
    permission_classes = [IsAdmin]
    USER_SORTS = {"id": "pk", "username": "username", "createdAt": "date_joined", "role": "role"}

    def get(self, request: Request) -> Response:
        start, count, ordering = page_params(request, self.USER_SORTS)
        users = get_user_model().objects.select_related("account").prefetch_related("account__channels")
        if search := request.query_params.get("search"):
            users = users.filter(username__icontains=search)
        total, page = paginate(users.order_by(ordering or "pk"), start, count)
        return Response({"total": total, "data": [_user_json(user) for user in page]})

    def post(self, request: Request) -> Response:
        data = UserCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        _check_email_free(values["email"])
        try:
            user = create_local_user(
                values["username"],
                values["password"],
                values["email"],
                values["role"],
                values.get("videoQuota"),
                values.get("videoQuotaDaily", -1),
            )
        except HandleTaken as error:
            raise ApiError(409, str(error)) from error
        return Response({"user": {"id": user.pk, "account": {"id": user.account.pk}}})


class UserView(ApiView):
    permission_classes = [IsAdmin]

    def get(self, request: Request, user_id: int) -> Response:
        return Response(_user_json(get_object_or_404(get_user_model(), pk=user_id)))

    def put(self, request: Request, user_id: int) -> Response:
        user = get_object_or_404(get_user_model(), pk=user_id)
        data = UserUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if user.username == "root" and "role" in values and values["role"] != user.role:
            raise ApiError(400, "Cannot change the role of the root user.")
        if "email" in values:
            _check_email_free(values["email"], user)
        if "password" in values:
            user.set_password(values["password"])
        for key, attribute in (
            ("email", "email"),
            ("role", "role"),
            ("videoQuota", "video_quota"),
            ("videoQuotaDaily", "video_quota_daily"),
        ):
            if key in values:
                setattr(user, attribute, values[key])
        user.save()
        return Response(status=204)

    def delete(self, request: Request, user_id: int) -> Response:
        user = get_object_or_404(get_user_model(), pk=user_id)
        if user.username == "root":
            raise ApiError(400, "Cannot remove the root user.")
        delete_user(user)
        return Response(status=204)
