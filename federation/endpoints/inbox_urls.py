"""The inboxes peers POST activities to: the shared one and each actor's own (docs/PROTOCOL.md §3.1)."""

from django.urls import path

from federation.inbound.inbox import inbox

urlpatterns = [
    path("inbox", inbox, name="ap-shared-inbox"),
    path("accounts/<str:name>/inbox", inbox, name="ap-account-inbox"),
    path("video-channels/<str:name>/inbox", inbox, name="ap-channel-inbox"),
]
