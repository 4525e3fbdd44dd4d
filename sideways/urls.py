"""URL map: Django admin, the API, federation (inboxes, WebFinger, NodeInfo, actors), the videos site and media."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("api/v1/server/", include("federation.endpoints.api_urls")),
    path("api/v1/", include("videos.api.urls")),
    path("", include("federation.endpoints.inbox_urls")),
    path("", include("federation.endpoints.urls")),
    path("", include("federation.endpoints.web_urls")),
    path("", include("videos.web.urls")),
]

# PeerTube's problem+json under /api/, our pages elsewhere (sideways.errors).
handler400 = "sideways.errors.bad_request"
handler500 = "sideways.errors.server_error"
