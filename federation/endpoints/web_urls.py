"""The admin pages for following other instances."""

from django.urls import path

from federation.endpoints import web

urlpatterns = [
    path("admin/following", web.following, name="federation-following"),
    path("admin/following/unfollow", web.unfollow, name="federation-unfollow"),
]
