"""Videos: the public list, one video (read, edit, delete), its description, its views, and search."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from videos.api.pagination import page_params, paginate
from videos.api.serializers import VideoMetadataInput, metadata_values, video_details, video_summary
from videos.api.video_fields import metadata_payload, own_channel, owner_images
from videos.api.views import ApiView, filter_videos, get_video, request_body, request_user, video_page
from videos.services import search as search_service
from videos.services.catalog import cached_count, listed_videos
from videos.services.editing import delete_video, save_edits, set_chosen_images
from videos.services.view_counting import record_view, viewer_key


class VideosView(ApiView):
    def get(self, request: Request) -> Response:
        return video_page(request, listed_videos(request_user(request)))


class VideoView(ApiView):
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def get(self, request: Request, video_id: str) -> Response:
        return Response(video_details(get_video(request, video_id, details=True)))

    def put(self, request: Request, video_id: str) -> Response:
        video = get_video(request, video_id, manage=True)
        data = VideoMetadataInput(data=metadata_payload(request_body(request)), partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        changed = metadata_values(values)
        if "channelId" in values:
            changed["channel"] = own_channel(request.user, values["channelId"])
        with owner_images(request) as images:
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
        current_time = request_body(request).get("currentTime", 0)
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
                request.query_params.get("search", ""), request_user(request), request.query_params.get("sort") or None
            )
        except ValueError as error:
            raise ValidationError({"sort": [str(error)]}) from error
        queryset = filter_videos(request, queryset).select_related("channel__account")
        total, page = paginate(queryset, start, count, cached_count)
        return Response({"total": total, "data": [video_summary(video) for video in page]})
