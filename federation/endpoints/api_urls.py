"""PeerTube's /api/v1/server/follow* routes, mounted before the videos API's catch-all."""

from django.urls import path, re_path

from federation.endpoints import api

urlpatterns = [
    path("following", api.FollowingView.as_view(), name="api-server-following"),
    re_path(r"^following/(?P<host>.+)$", api.UnfollowView.as_view(), name="api-server-unfollow"),
    path("followers", api.FollowersView.as_view(), name="api-server-followers"),
]
