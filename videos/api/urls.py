"""PeerTube's /api/v1 routes (mounted by sideways.urls at api/v1/)."""
from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView

from videos.api import comments, file_metadata, oauth, ratings, views
from videos.api.errors import api_not_found
from videos.constants import VIDEO_CATEGORIES, VIDEO_LANGUAGES, VIDEO_LICENCES, VideoPrivacy

enumeration = views.EnumerationView.as_view

urlpatterns = [
    path("oauth-clients/local", oauth.oauth_client_local),
    path("users/token", oauth.token),
    path("users/revoke-token", views.RevokeTokenView.as_view()),
    path("config", views.ConfigView.as_view()),
    path("config/about", views.ConfigAboutView.as_view()),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("users/me", views.MeView.as_view()),
    path("users/me/video-quota-used", views.MeQuotaView.as_view()),
    path("users/me/videos", views.MeVideosView.as_view()),
    path("users/me/videos/<str:video_id>/rating", ratings.MyVideoRatingView.as_view()),
    path("users", views.UsersView.as_view()),
    path("users/<int:user_id>", views.UserView.as_view()),
    path("accounts/<str:handle>", views.AccountView.as_view()),
    path("accounts/<str:handle>/videos", views.AccountVideosView.as_view()),
    path("accounts/<str:handle>/video-channels", views.AccountChannelsView.as_view()),
    path("video-channels", views.ChannelsView.as_view()),
    path("video-channels/<str:handle>", views.ChannelView.as_view()),
    path("video-channels/<str:handle>/videos", views.ChannelVideosView.as_view()),
    path("videos", views.VideosView.as_view()),
    path("videos/categories", enumeration(labels=VIDEO_CATEGORIES)),
    path("videos/licences", enumeration(labels=VIDEO_LICENCES)),
    path("videos/languages", enumeration(labels=VIDEO_LANGUAGES)),
    path("videos/privacies", enumeration(labels=dict(VideoPrivacy.choices))),
    path("videos/upload", views.LegacyUploadView.as_view()),
    path("videos/upload-resumable", views.ResumableUploadView.as_view()),
    path("videos/<str:video_id>", views.VideoView.as_view()),
    path("videos/<str:video_id>/description", views.VideoDescriptionView.as_view()),
    path("videos/<str:video_id>/views", views.VideoViewsView.as_view()),
    path("videos/<str:video_id>/metadata/<int:file_id>", file_metadata.VideoFileMetadataView.as_view()),
    path("videos/<str:video_id>/rate", ratings.VideoRateView.as_view()),
    path("videos/<str:video_id>/comment-threads", comments.CommentThreadsView.as_view()),
    path("videos/<str:video_id>/comment-threads/<int:thread_id>", comments.CommentThreadView.as_view()),
    path("videos/<str:video_id>/comments/<int:comment_id>", comments.CommentView.as_view()),
    path("search/videos", views.SearchVideosView.as_view()),
    re_path(r"^(?P<path>.*)$", api_not_found),
]
