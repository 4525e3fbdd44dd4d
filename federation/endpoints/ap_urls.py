"""The URL map of a negotiated request (see federation.endpoints.negotiation): the site's own URLs of videos,
accounts and channels, answered with their ActivityPub documents."""

from django.urls import path

from federation.endpoints import views

urlpatterns = [
    path("videos/watch/<str:video_id>", views.video),
    path("w/<str:video_id>", views.video),
    path("accounts/<str:name>", views.account),
    path("a/<str:name>", views.account),
    path("video-channels/<str:name>", views.channel),
    path("c/<str:name>", views.channel),
]
