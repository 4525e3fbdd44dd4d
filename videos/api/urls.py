"""PeerTube's /api/v1 routes (mounted by sideways.urls at api/v1/)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView

from videos.api import channels, comments, config, file_metadata, oauth, ratings, uploads, users, videos
from videos.api.errors import api_not_found
from videos.constants import VIDEO_CATEGORIES, VIDEO_LANGUAGES, VIDEO_LICENCES, VideoPrivacy

enumeration = config.EnumerationView.as_view

urlpatterns = [
    path("oauth-clients/local", oauth.oauth_client_local),
    path("users/token", oauth.token),
    path("users/revoke-token", users.RevokeTokenView.as_view()),
    path("config", config.ConfigView.as_view()),
    path("config/about", config.ConfigAboutView.as_view()),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("users/me", users.MeView.as_view()),
    path("users/me/video-quota-used", users.MeQuotaView.as_view()),
    path("users/me/videos", users.MeVideosView.as_view()),
    path("users/me/videos/<str:video_id>/rating", ratings.MyVideoRatingView.as_view()),
    path("users", users.UsersView.as_view()),
    path("users/<int:user_id>", users.UserView.as_view()),
    path("accounts/<str:handle>", channels.AccountView.as_view()),
    path("accounts/<str:handle>/videos", channels.AccountVideosView.as_view()),
    path("accounts/<str:handle>/video-channels", channels.AccountChannelsView.as_view()),
    path("video-channels", channels.ChannelsView.as_view()),
    path("video-channels/<str:handle>", channels.ChannelView.as_view()),
    path("video-channels/<str:handle>/videos", channels.ChannelVideosView.as_view()),
    path("videos", videos.VideosView.as_view()),
    path("videos/categories", enumeration(labels=VIDEO_CATEGORIES)),
    path("videos/licences", enumeration(labels=VIDEO_LICENCES)),
    path("videos/languages", enumeration(labels=VIDEO_LANGUAGES)),
    path("videos/privacies", enumeration(labels=dict(VideoPrivacy.choices))),
    path("videos/upload", uploads.LegacyUploadView.as_view()),
    path("videos/upload-resumable", uploads.ResumableUploadView.as_view()),
    path("videos/<str:video_id>", videos.VideoView.as_view()),
    path("videos/<str:video_id>/description", videos.VideoDescriptionView.as_view()),
    path("videos/<str:video_id>/views", videos.VideoViewsView.as_view()),
    path("videos/<str:video_id>/metadata/<int:file_id>", file_metadata.VideoFileMetadataView.as_view()),
    path("videos/<str:video_id>/rate", ratings.VideoRateView.as_view()),
    path("videos/<str:video_id>/comment-threads", comments.CommentThreadsView.as_view()),
    path("videos/<str:video_id>/comment-threads/<int:thread_id>", comments.CommentThreadView.as_view()),
    path("videos/<str:video_id>/comments/<int:comment_id>", comments.CommentView.as_view()),
    path("search/videos", videos.SearchVideosView.as_view()),
    re_path(r"^(?P<path>.*)$", api_not_found),
]
