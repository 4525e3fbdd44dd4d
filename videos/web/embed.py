"""The embed page (`/videos/embed/<uuid or shortUUID>`): the bare player that other sites put in an <iframe>.

It is the only page other origins may frame: `xframe_options_exempt` lifts X-Frame-Options here, and
sideways.privacy reads the same marker to send `frame-ancestors *`. Embeds are shown on third-party
sites where the viewer's session is not sent, so only public and unlisted videos are embeddable;
anything else is a plain 404 that reveals nothing.
"""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from videos.models import StreamingPlaylist, Video, VideoFile
from videos.services.catalog import may_watch
from videos.web.lookup import video_or_404
from videos.web.mirrors import render_player_page


def embeddable_video(video_id: str) -> Video:
    """The public or unlisted video a URL part names (id, UUID or short UUID), else Http404."""
    videos = Video.objects.select_related("channel__account").prefetch_related(
        Prefetch("streaming_playlists", queryset=StreamingPlaylist.objects.order_by("pk").prefetch_related("files")),
        Prefetch("files", queryset=VideoFile.objects.order_by("-resolution")),
    )
    return video_or_404(video_id, videos, lambda video: may_watch(None, video))


@xframe_options_exempt
@require_safe
def embed(request: HttpRequest, video_id: str) -> HttpResponse:
    return render_player_page(request, "videos/embed.html", {"video": embeddable_video(video_id)})
