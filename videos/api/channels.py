"""Accounts and video channels, addressed by handle (`name` or `name@host`), and their videos."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from videos.api.errors import ApiError
from videos.api.pagination import page_params, paginate
from videos.api.serializers import ChannelInput, account_full, channel_full
from videos.api.views import ApiView, request_user, video_page
from videos.identifiers import handle_lookup
from videos.models import Account, Channel
from videos.services.accounts import delete_channel, local_handle_taken
from videos.services.catalog import listed_videos


def get_account(handle: str) -> Account:
    account = Account.objects.filter(**handle_lookup(handle)).first()
    if account is None:
        raise NotFound("Account not found")
    return account


def get_channel(handle: str) -> Channel:
    channel = Channel.objects.select_related("account").filter(**handle_lookup(handle)).first()
    if channel is None:
        raise NotFound("Video channel not found")
    return channel


class AccountView(ApiView):
    def get(self, request: Request, handle: str) -> Response:
        return Response(account_full(get_account(handle)))


class AccountVideosView(ApiView):
    def get(self, request: Request, handle: str) -> Response:
        return video_page(request, listed_videos(request_user(request)).filter(channel__account=get_account(handle)))


class AccountChannelsView(ApiView):
    def get(self, request: Request, handle: str) -> Response:
        return _channel_page(request, Channel.objects.filter(account=get_account(handle)))


CHANNEL_SORTS = {"createdAt": "created_at", "name": "name", "id": "pk"}


def _channel_page(request: Request, channels: QuerySet[Channel]) -> Response:
    start, count, ordering = page_params(request, CHANNEL_SORTS)
    channels = channels.select_related("account").annotate(videos_count=Count("videos"))
    total, page = paginate(channels.order_by(ordering or "pk"), start, count)
    return Response({"total": total, "data": [channel_full(channel, channel.videos_count) for channel in page]})


class ChannelsView(ApiView):
    def get(self, request: Request) -> Response:
        return _channel_page(request, Channel.objects.all())

    def post(self, request: Request) -> Response:
        if request_user(request) is None:
            raise ApiError(401, "Authentication required.")
        data = ChannelInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if local_handle_taken(values["name"]):
            raise ApiError(409, "Cannot use this name: an account or channel of this instance has it, or had it.")
        channel = Channel.objects.create(
            account=request.user.account,
            name=values["name"],
            display_name=values["displayName"],
            description=values.get("description") or "",
            support=values.get("support") or "",
        )
        return Response({"videoChannel": {"id": channel.pk}})


def _managed_channel(request: Request, handle: str) -> Channel:
    channel = get_channel(handle)
    user = request_user(request)
    if user is None:
        raise ApiError(401, "Authentication required.")
    if channel.account.user_id != user.pk and not user.can_see_all_videos:
        raise PermissionDenied("Cannot manage a video channel of another user.")
    return channel


class ChannelView(ApiView):
    def get(self, request: Request, handle: str) -> Response:
        channel = get_channel(handle)
        return Response(channel_full(channel, channel.videos.count()))

    def put(self, request: Request, handle: str) -> Response:
        channel = _managed_channel(request, handle)
        data = ChannelInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "name" in values:
            raise ValidationError({"name": ["The channel name cannot be changed"]})
        for key, attribute in (("displayName", "display_name"), ("description", "description"), ("support", "support")):
            if key in values:
                setattr(channel, attribute, values[key] or "")
        channel.save()
        return Response(status=204)

    def delete(self, request: Request, handle: str) -> Response:
        channel = _managed_channel(request, handle)
        if channel.account.channels.count() <= 1:
            raise ApiError(409, "Cannot remove the last channel of this user.")
        delete_channel(channel)
        return Response(status=204)


class ChannelVideosView(ApiView):
    def get(self, request: Request, handle: str) -> Response:
        return video_page(request, listed_videos(request_user(request)).filter(channel=get_channel(handle)))
