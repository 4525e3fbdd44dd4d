"""PeerTube's /api/v1/server/follow* and redundancy routes, mounted before the videos API's catch-all."""

from django.urls import path, re_path

from federation.endpoints import api, redundancy_api

urlpatterns = [
    path("following", api.FollowingView.as_view(), name="api-server-following"),
    re_path(r"^following/(?P<host>.+)$", api.UnfollowView.as_view(), name="api-server-unfollow"),
    path("followers", api.FollowersView.as_view(), name="api-server-followers"),
    path("redundancy/videos", redundancy_api.RedundancyVideosView.as_view(), name="api-redundancy-videos"),
    path(
        "redundancy/videos/<int:redundancy_id>",
        redundancy_api.RedundancyVideoView.as_view(),
        name="api-redundancy-video",
    ),
    re_path(r"^redundancy/(?P<host>[^/]+)$", redundancy_api.RedundancyHostView.as_view(), name="api-redundancy-host"),
]
