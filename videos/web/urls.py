from django.urls import path

from videos.storage import PUBLIC_FOLDERS
from videos.web import media
from videos.web import embed

urlpatterns = [
    path(f"{prefix.lstrip('/')}/<path:relative>", media.serve_media, {"folder": folder}, name=f"media-{folder}")
    for folder, prefix in PUBLIC_FOLDERS.items()
]

# Player and sharing (owned with templates/videos/_player.html, _share.html, _meta.html).
urlpatterns += [
    path("videos/embed/<str:video_id>", embed.embed, name="video-embed"),
]
