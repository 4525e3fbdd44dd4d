"""PeerTube's REST API views (paths, status codes and shapes as the real clients expect them)."""
from __future__ import annotations

import datetime
import io
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from rest_framework import parsers, permissions
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from videos import resumable
from videos.api.errors import ApiError
from videos.api.pagination import MAX_START, page_params, paginate
from videos.api.permissions import BearerAuthentication, IsAdmin
from videos.api.serializers import (
    ChannelInput,
    UserCreateInput,
    UserUpdateInput,
    VideoMetadataInput,
    account_full,
    channel_full,
    metadata_values,
    user_body,
    video_details,
    video_summary,
)
from videos.constants import IMAGE_MAX_SIZE, UPLOAD_EXTENSIONS
from videos.identifiers import ascii_number, handle_lookup, parse_video_id
from videos.images import ImageError
from videos.models import Account, Channel, StreamingPlaylist, User, Video, VideoFile
from videos.services import search as search_service
from videos.services.accounts import (
    HandleTaken,
    create_local_user,
    delete_channel,
    delete_user,
    email_taken,
    local_handle_taken,
)
from videos.services.catalog import VIDEO_SORTS, listed_videos, may_manage, may_watch
from videos.services.editing import delete_video, drawn_from_uploads, save_edits, set_chosen_images
from videos.services.uploads import (
    UploadRejected,
    VideoMetadata,
    accept_upload,
    check_upload_allowed,
    keep_uploaded_file,
    quota_used,
    temp_upload_path,
)
from videos.services.view_counting import record_view, viewer_key

VIDEO_DETAIL_PREFETCH = (
    "tags",
    Prefetch("files", queryset=VideoFile.objects.order_by("-resolution")),
    Prefetch("streaming_playlists", queryset=StreamingPlaylist.objects.prefetch_related("files")),
)
_TAG_KEY = re.compile(r"^tags(\[\d*\])?$")


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


def _user(request: Request) -> User | None:
    return request.user if request.user.is_authenticated else None


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
        user = _user(request)
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
    total, page = paginate(videos, start, count)
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
    user = _user(request)
    if not may_watch(user, video):
        if user is None:
            raise ApiError(401, "Cannot get this private video: please log in.")
        raise PermissionDenied("Cannot get this private or internal video.")
    if manage and not may_manage(user, video):
        if user is None:
            raise ApiError(401, "Authentication required.")
        raise PermissionDenied("Cannot manage a video of another user.")
    return video


# --- instance ---------------------------------------------------------------------------------


class ConfigView(ApiView):
    def get(self, request: Request) -> Response:
        return Response(
            {
                "serverVersion": "7.0.0",
                "serverCommit": None,
                "instance": {
                    "name": settings.INSTANCE_NAME,
                    "shortDescription": "",
                    "isNSFW": False,
                    "defaultNSFWPolicy": "blur",
                    "defaultClientRoute": "/videos/trending",
                    "avatars": [],
                    "banners": [],
                },
                "signup": {
                    "allowed": False,
                    "allowedForCurrentIP": False,
                    "requiresEmailVerification": False,
                    "requiresApproval": False,
                    "minimumAge": 16,
                },
                "transcoding": {
                    "hls": {"enabled": True},
                    "web_videos": {"enabled": False},
                    "enabledResolutions": [240, 360, 480, 720, 1080],
                    "profile": "default",
                    "availableProfiles": ["default"],
                    "remoteRunners": {"enabled": False},
                },
                "live": {"enabled": False},
                "import": {"videos": {"http": {"enabled": False}, "torrent": {"enabled": False}}},
                "video": {
                    "image": {"extensions": [".png", ".jpg", ".jpeg", ".webp"], "size": {"max": IMAGE_MAX_SIZE}},
                    "file": {"extensions": UPLOAD_EXTENSIONS},
                },
                "user": {
                    "videoQuota": settings.SIDEWAYS_DEFAULT_VIDEO_QUOTA,
                    "videoQuotaDaily": -1,
                },
                "videoChannels": {"maxPerUser": 20},
                "trending": {"videos": {"intervalDays": 7, "algorithms": {"enabled": ["most-viewed"], "default": "most-viewed"}}},
                "tracker": {"enabled": True},
                "client": {"videos": {"resumableUpload": {"maxChunkSize": None}}},
                "defaults": {
                    "publish": {"downloadEnabled": True, "commentsPolicy": 1, "privacy": 1, "licence": None},
                    "p2p": {"webapp": {"enabled": True}, "embed": {"enabled": True}},
                },
                "search": {
                    "remoteUri": {"users": False, "anonymous": False},
                    "searchIndex": {"enabled": False, "url": "", "disableLocalSearch": False, "isDefaultSearch": False},
                },
                "email": {"enabled": False},
                "contactForm": {"enabled": False},
                "views": {"videos": {"watchingInterval": {"anonymous": 5000, "users": 5000}}},
            }
        )


class ConfigAboutView(ApiView):
    def get(self, request: Request) -> Response:
        return Response(
            {
                "instance": {
                    "name": settings.INSTANCE_NAME,
                    "shortDescription": "",
                    "description": "",
                    "terms": "",
                    "codeOfConduct": "",
                    "hardwareInformation": "",
                    "creationReason": "",
                    "moderationInformation": "",
                    "administrator": "",
                    "maintenanceLifetime": "",
                    "businessModel": "",
                    "languages": [],
                    "categories": [],
                    "avatars": [],
                    "banners": [],
                }
            }
        )


def _labels(labels: dict) -> dict:
    return {str(key): str(label) for key, label in labels.items()}


class EnumerationView(ApiView):
    """`GET /videos/categories|licences|languages|privacies` → {"<id>": "<label>"}."""

    labels: dict = {}

    def get(self, request: Request) -> Response:
        return Response(_labels(self.labels))


# --- users ------------------------------------------------------------------------------------


def _user_json(user: User) -> dict:
    return user_body(user, quota_used(user), quota_used(user, since=timezone.now() - datetime.timedelta(days=1)))


class MeView(AuthenticatedView):
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
                values["username"], values["password"], values["email"], values["role"], values.get("videoQuota"),
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
        for key, attribute in (("email", "email"), ("role", "role"), ("videoQuota", "video_quota"),
                               ("videoQuotaDaily", "video_quota_daily")):
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


# --- accounts and channels --------------------------------------------------------------------


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
        return video_page(request, listed_videos(_user(request)).filter(channel__account=get_account(handle)))


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
        if _user(request) is None:
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
    user = _user(request)
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
        return video_page(request, listed_videos(_user(request)).filter(channel=get_channel(handle)))


# --- videos -----------------------------------------------------------------------------------


class VideosView(ApiView):
    def get(self, request: Request) -> Response:
        return video_page(request, listed_videos(_user(request)))


class VideoView(ApiView):
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def get(self, request: Request, video_id: str) -> Response:
        return Response(video_details(get_video(request, video_id, details=True)))

    def put(self, request: Request, video_id: str) -> Response:
        video = get_video(request, video_id, manage=True)
        data = VideoMetadataInput(data=_metadata_payload(_body(request)), partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        changed = metadata_values(values)
        if "channelId" in values:
            changed["channel"] = _own_channel(request.user, values["channelId"])
        with _owner_images(request) as images:
            if images:
                set_chosen_images(video, *images)
        save_edits(video, changed, values.get("tags"))
        return Response(status=204)

    def delete(self, request: Request, video_id: str) -> Response:
        delete_video(get_video(request, video_id, manage=True))
        return Response(status=204)


class VideoDescriptionView(ApiView):
    def get(self, request: Request, video_id: str) -> Response:
        return Response({"description": get_video(request, video_id).description or None})


class VideoViewsView(ApiView):
    def post(self, request: Request, video_id: str) -> Response:
        video = get_video(request, video_id)
        current_time = _body(request).get("currentTime", 0)
        try:
            current_time = int(current_time)
        except (TypeError, ValueError):
            raise ValidationError({"currentTime": ["Should be an integer"]}) from None
        if current_time < 0 or (video.duration and current_time > video.duration):
            raise ValidationError({"currentTime": ["Should be within the video duration"]})
        record_view(video, viewer_key(request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_USER_AGENT", "")))
        return Response(status=204)


class SearchVideosView(ApiView):
    def get(self, request: Request) -> Response:
        start, count, _ordering = page_params(request, search_service.SEARCH_SORTS)
        try:
            queryset = search_service.search_queryset(
                request.query_params.get("search", ""), _user(request), request.query_params.get("sort") or None
            )
        except ValueError as error:
            raise ValidationError({"sort": [str(error)]}) from error
        queryset = filter_videos(request, queryset).select_related("channel__account")
        total, page = paginate(queryset, start, count)
        return Response({"total": total, "data": [video_summary(video) for video in page]})


# --- uploads ----------------------------------------------------------------------------------


@contextmanager
def _owner_images(request: Request) -> Iterator[tuple[Path, Path] | None]:
    """The images drawn from the request's `thumbnailfile`/`previewfile` (None when it sends neither),
    for set_chosen_images within the block; 400 for a file too large or not a picture."""
    try:
        with drawn_from_uploads(request.FILES.get("thumbnailfile"), request.FILES.get("previewfile")) as images:
            yield images
    except ImageError as error:
        raise ValidationError({"thumbnailfile": [str(error)]}) from None


def _body(request: Request) -> Mapping:
    """The request's fields; a JSON body must be an object (a list, string or null names no field)."""
    if not isinstance(request.data, Mapping):
        raise ValidationError({"body": ["Should be a JSON object"]})
    return request.data


def _metadata_payload(data: Mapping) -> dict:
    """Request data as a plain dict, with `tags[0]`, `tags[]` and repeated `tags` merged into a list."""
    if not isinstance(data, QueryDict):
        return dict(data)
    payload: dict = {}
    tags: list[str] = []
    for key in data:
        if _TAG_KEY.match(key):
            tags.extend(data.getlist(key))
        elif key not in ("videofile", "thumbnailfile", "previewfile"):
            payload[key] = data.get(key)
    if tags:
        payload["tags"] = tags
    return payload


def _own_channel(user: User, channel_id: int) -> Channel:
    channel = Channel.objects.select_related("account").filter(pk=channel_id, host="").first()
    if channel is None:
        raise ValidationError({"channelId": ["Unknown video channel"]})
    if channel.account.user_id != user.pk:
        raise ApiError(403, "Cannot use this video channel: it is not one of yours.")
    return channel


def validated_upload(user: User, payload: dict) -> tuple[Channel, VideoMetadata]:
    """Check the upload fields (PeerTube's names and bounds) and the target channel."""
    data = VideoMetadataInput(data=payload)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    channel = _own_channel(user, values["channelId"])
    metadata = VideoMetadata(**metadata_values(values), tags=values.get("tags", []))
    return channel, metadata


def _accept(user: User, channel: Channel, metadata: VideoMetadata, temp_path: Path, filename: str) -> dict:
    try:
        video = accept_upload(
            user=user, channel=channel, metadata=metadata, temp_path=temp_path, original_filename=filename
        )
    except UploadRejected as error:
        raise ApiError(error.status, error.message, error.code) from error
    return {"id": video.pk, "uuid": str(video.uuid), "shortUUID": video.short_uuid}


def _check_size(user: User, size: int) -> None:
    try:
        check_upload_allowed(user, size)
    except UploadRejected as error:
        raise ApiError(error.status, error.message, error.code) from error


class LegacyUploadView(AuthenticatedView):
    """`POST /videos/upload`: the multipart upload peertube-cli uses; the file is spooled to disk."""

    parser_classes = [parsers.MultiPartParser]

    def post(self, request: Request) -> Response:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.SIDEWAYS_MAX_UPLOAD_SIZE:
            _check_size(request.user, declared)
        upload = request.FILES.get("videofile")
        if upload is None:
            raise ValidationError({"videofile": ["Should have a file"]})
        channel, metadata = validated_upload(request.user, _metadata_payload(_body(request)))
        _check_size(request.user, upload.size)
        with _owner_images(request) as images:
            temp_path = keep_uploaded_file(upload)
            created = _accept(request.user, channel, metadata, temp_path, upload.name)
            if images:
                set_chosen_images(Video.objects.get(pk=created["id"]), *images)
        return Response({"video": created})


_CONTENT_RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+)$")
MAX_FILENAME = 1000  # PeerTube's limit on an upload's file name


class ChunkParser(parsers.BaseParser):
    """Accepts octet-stream chunks without reading them: the view streams request.stream to disk.

    (Token authentication touches request.POST, which would otherwise answer 415 for this type.)
    """

    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None) -> dict:
        return {}


class ResumableUploadView(AuthenticatedView):
    """node-uploadx as PeerTube speaks it: POST starts, PUT sends chunks or probes, DELETE cancels."""

    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser, ChunkParser]

    def post(self, request: Request) -> Response:
        size = ascii_number(request.META.get("HTTP_X_UPLOAD_CONTENT_LENGTH", ""))
        if size is None:
            raise ValidationError({"X-Upload-Content-Length": ["Should be the total size in bytes"]})
        _check_size(request.user, size)
        payload = _metadata_payload(_body(request))
        filename = payload.pop("filename", None)
        if not isinstance(filename, str) or not filename.strip() or len(filename) > MAX_FILENAME:
            raise ValidationError({"filename": [f"Should have a file name of at most {MAX_FILENAME} characters"]})
        channel, _metadata = validated_upload(request.user, payload)
        with _owner_images(request) as images:
            session = resumable.create_session(
                user_id=request.user.pk, channel_id=channel.pk, filename=filename, size=size, payload=payload,
                images=images,
            )
        response = Response(status=201)
        response["Location"] = f"//{settings.INSTANCE_HOST}/api/v1/videos/upload-resumable?upload_id={session.id}"
        return response

    def _session(self, request: Request) -> resumable.UploadSession:
        session = resumable.load_session(request.query_params.get("upload_id", ""))
        if session is None or session.user_id != request.user.pk:
            raise NotFound("Upload not found")
        return session

    def put(self, request: Request) -> HttpResponse | Response:
        session = self._session(request)
        if session.video is not None:
            return Response({"video": session.video})
        match = _CONTENT_RANGE.match(request.META.get("HTTP_CONTENT_RANGE", ""))
        if match is None or int(match.group(3)) != session.size:
            raise ValidationError({"Content-Range": [f"Should be bytes first-last/{session.size} or bytes */{session.size}"]})
        if match.group(1) is not None:
            first, last = int(match.group(1)), int(match.group(2))
            if last < first or last >= session.size:
                raise ValidationError({"Content-Range": ["Invalid byte range"]})
            try:
                resumable.append_chunk(session, first, request.stream or io.BytesIO(), last - first + 1)
            except resumable.RangeMismatch as error:
                raise ApiError(409, str(error)) from error
        stored = session.stored_bytes()
        if stored < session.size:
            response = HttpResponse(status=308)
            if stored:
                response["Range"] = f"bytes=0-{stored - 1}"
            return response
        with resumable.completion_lock(session) as current:
            if current is None:
                raise NotFound("Upload not found")
            if current.video is None:
                current.video = self._complete(request, current)
        return Response({"video": current.video})

    def _complete(self, request: Request, session: resumable.UploadSession) -> dict:
        """Accept the whole file as a video, with the pictures the first request sent, if any. Its
        `.part` stays (hard-linked to the file accepted) until the video exists, so a chunk resent
        meanwhile meets a full file (409) instead of a fresh one."""
        temp_path = temp_upload_path()
        os.link(session.part_path, temp_path)
        try:
            channel, metadata = validated_upload(request.user, session.payload)
            video = _accept(request.user, channel, metadata, temp_path, session.filename)
        except BaseException:
            temp_path.unlink(missing_ok=True)
            resumable.delete_session(session)
            raise
        thumbnail, preview = session.images
        if thumbnail.exists():
            set_chosen_images(Video.objects.get(pk=video["id"]), thumbnail, preview)
        session.video = video
        session.save()
        session.part_path.unlink()
        return video

    def delete(self, request: Request) -> Response:
        resumable.delete_session(self._session(request))
        return Response(status=204)
