from django.urls import path

from videos.storage import PUBLIC_FOLDERS
from videos.web import media

urlpatterns = [
    path(f"{prefix.lstrip('/')}/<path:relative>", media.serve_media, {"folder": folder}, name=f"media-{folder}")
    for folder, prefix in PUBLIC_FOLDERS.items()
]
