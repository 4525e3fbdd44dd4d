"""PeerTube's Video Rates API: rate a video, and read the caller's own rating."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from videos.api.comments import logged_in
from videos.api.serializers import RatingInput
from videos.api.views import ApiView, get_video
from videos.services.ratings import rate_video, rating_of


class VideoRateView(ApiView):
    """`PUT /videos/{id}/rate {"rating": "like"|"dislike"|"none"}` → 204."""

    def put(self, request: Request, video_id: str) -> Response:
        account = logged_in(request).account
        video = get_video(request, video_id)
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        rating = data.validated_data["rating"]
        rate_video(video, account, None if rating == "none" else rating)
        return Response(status=204)


class MyVideoRatingView(ApiView):
    """`GET /users/me/videos/{videoId}/rating` → `{videoId, rating}` ("none" when not rated)."""

    def get(self, request: Request, video_id: str) -> Response:
        account = logged_in(request).account
        video = get_video(request, video_id)
        return Response({"videoId": video.pk, "rating": rating_of(video, account) or "none"})
