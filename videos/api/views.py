"""What every API view shares: authentication and errors, the addressed video, and pages of videos.

The views themselves live in one module per resource (config, users, channels, videos, uploads).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Prefetch, QuerySet
from django.utils import translation
from rest_framework import permissions
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from videos.api.errors import ApiError
from videos.api.pagination import MAX_START, page_params, paginate
from videos.api.permissions import BearerAuthentication
from videos.api.serializers import video_summary
from videos.identifiers import ascii_number, parse_video_id
from videos.models import StreamingPlaylist, User, Video, VideoFile
from videos.services.catalog import VIDEO_SORTS, cached_count, may_manage, may_watch

VIDEO_DETAIL_PREFETCH = (
    "tags",
    Prefetch("files", queryset=VideoFile.objects.order_by("-resolution")),
    Prefetch("streaming_playlists", queryset=StreamingPlaylist.objects.prefetch_related("files")),
)


class ApiView(APIView):
    """Bearer authentication and problem+json errors for every endpoint."""

    authentication_classes = [BearerAuthentication]
    permission_classes = [permissions.AllowAny]

    def initial(self, request: Request, *args, **kwargs) -> None:
        # PeerTube's API speaks English labels whatever the browser prefers (clients translate them);
        # the web pages' French catalogue must not leak into it.
        translation.activate("en")
        super().initial(request, *args, **kwargs)


class AuthenticatedView(ApiView):
    permission_classes = [permissions.IsAuthenticated]


def request_user(request: Request) -> User | None:
    return request.user if request.user.is_authenticated else None


def request_body(request: Request) -> Mapping:
    """The request's fields; a JSON body must be an object (a list, string or null names no field)."""
    if not isinstance(request.data, Mapping):
        raise ValidationError({"body": ["Should be a JSON object"]})
    return request.data


def _bool_param(value: str | None, name: str) -> bool | None:
    if value is None or value == "both":
        return None
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ValidationError({name: ["Should be a boolean (true, false or both)"]})


def _int_list_param(request: Request, name: str) -> list[int]:
    values = request.query_params.getlist(name) + request.query_params.getlist(f"{name}[]")
    numbers = [ascii_number(value) for value in values]
    if any(number is None or number > MAX_START for number in numbers):
        raise ValidationError({name: ["Should be a list of integers"]})
    return numbers


def filter_videos(request: Request, videos: QuerySet[Video]) -> QuerySet[Video]:
    """PeerTube's common list filters (categoryOneOf, tagsOneOf, isLocal, nsfw, ...)."""
    params = request.query_params
    if "filter" in params:
        raise ValidationError({"filter": ["The filter parameter was removed; use isLocal and include"]})
    if "include" in params or "privacyOneOf" in params:
        user = request_user(request)
        if user is None or not user.can_see_all_videos:
            raise ApiError(401, "You are not allowed to see all videos.")
    if categories := _int_list_param(request, "categoryOneOf"):
        videos = videos.filter(category__in=categories)
    if licences := _int_list_param(request, "licenceOneOf"):
        videos = videos.filter(licence__in=licences)
    if languages := params.getlist("languageOneOf") + params.getlist("languageOneOf[]"):
        videos = videos.filter(language__in=languages)
    if tags := params.getlist("tagsOneOf") + params.getlist("tagsOneOf[]"):
        videos = videos.filter(pk__in=Video.objects.filter(tags__name__in=tags).values("pk"))
    is_local = _bool_param(params.get("isLocal"), "isLocal")
    if is_local is not None:
        videos = videos.filter(is_local=is_local)
    nsfw = _bool_param(params.get("nsfw"), "nsfw")
    if nsfw is not None:
        videos = videos.filter(nsfw=nsfw)
    return videos


def video_page(request: Request, videos: QuerySet[Video]) -> Response:
    """One `{total, data}` page of list items, in a constant number of queries."""
    start, count, ordering = page_params(request, VIDEO_SORTS)
    videos = filter_videos(request, videos).select_related("channel__account")
    videos = videos.order_by(ordering or "-published_at", "-pk")
    total, page = paginate(videos, start, count, cached_count)
    return Response({"total": total, "data": [video_summary(video) for video in page]})


def get_video(request: Request, video_id: str, *, manage: bool = False, details: bool = False) -> Video:
    """The addressed video if this user may see it (and manage it when `manage`); else 404/403."""
    lookup = parse_video_id(video_id)
    if lookup is None:
        raise ValidationError({"id": ["Should have a valid video id, uuid or short uuid"]})
    videos = Video.objects.select_related("channel__account")
    if details:
        videos = videos.prefetch_related(*VIDEO_DETAIL_PREFETCH)
    video = videos.filter(**lookup).first()
    if video is None:
        raise NotFound("Video not found")
    user = request_user(request)
    if not may_watch(user, video):
        if user is None:
            raise ApiError(401, "Cannot get this private video: please log in.")
        raise PermissionDenied("Cannot get this private or internal video.")
    if manage and not may_manage(user, video):
        if user is None:
            raise ApiError(401, "Authentication required.")
        raise PermissionDenied("Cannot manage a video of another user.")
    return video
