"""URL map: Django admin, the videos site and API, and the media routes in PeerTube's layout."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("api/v1/", include("videos.api.urls")),
    path("", include("videos.web.urls")),
]
