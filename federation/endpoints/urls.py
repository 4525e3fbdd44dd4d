"""Federation URLs answered whatever the Accept header: WebFinger, NodeInfo, the actor and video collections,
plus the media proxy that streams followed instances' HLS files to our viewers.

Peers often fetch collections and the instance actor with no Accept header at all, so these always
answer ActivityPub. An actor id opened by a browser (negotiation sent peers elsewhere) redirects to
the account's or channel's page.
"""

from django.urls import path

from federation.endpoints import media_proxy, views, wellknown
from videos.constants import INSTANCE_ACTOR_NAME
from videos.storage import REMOTE_HLS_PREFIX

_collections = [
    path(f"{kind}/<str:name>/{name}", view, {"kind": kind})
    for kind in ("accounts", "video-channels")
    for name, view in (("outbox", views.outbox), ("followers", views.followers), ("following", views.following))
]

urlpatterns = [
    path(".well-known/webfinger", wellknown.webfinger),
    path(".well-known/nodeinfo", wellknown.nodeinfo_links),
    path(".well-known/host-meta", wellknown.host_meta),
    path("nodeinfo/2.0.json", wellknown.nodeinfo),
    path(f"accounts/{INSTANCE_ACTOR_NAME}", views.account, {"name": INSTANCE_ACTOR_NAME}),
    path("accounts/<str:name>", views.account_page),
    path("video-channels/<str:name>", views.channel_page),
    path("videos/watch/<str:video_id>/activity", views.video_activity),
    path("videos/watch/<str:video_id>/announces", views.video_shares),
    path("videos/watch/<str:video_id>/announces/<int:actor_id>", views.video_announce),
    path("videos/watch/<str:video_id>/likes", views.video_rates, {"kind": "likes"}),
    path("videos/watch/<str:video_id>/dislikes", views.video_rates, {"kind": "dislikes"}),
    path("videos/watch/<str:video_id>/comments", views.video_comments),
    path("videos/watch/<str:video_id>/comments/<int:comment_id>", views.video_comment),
    *_collections,
    path(f"{REMOTE_HLS_PREFIX.lstrip('/')}/<uuid:video_uuid>/<str:name>", media_proxy.remote_hls, name="remote-hls"),
]
