"""The embed page (`/videos/embed/<uuid or shortUUID>`): the bare player that other sites put in an <iframe>.

It is the only page other origins may frame: `xframe_options_exempt` lifts X-Frame-Options here, and
sideways.privacy reads the same marker to send `frame-ancestors *`. Embeds are shown on third-party
sites where the viewer's session is not sent, so only public and unlisted videos are embeddable;
anything else is a plain 404 that reveals nothing.
"""
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from videos.identifiers import parse_video_id
from videos.models import StreamingPlaylist, Video
from videos.services.catalog import may_watch


def embeddable_video(video_id: str) -> Video:
    """The public or unlisted video a URL part names (id, UUID or short UUID), else Http404."""
    lookup = parse_video_id(video_id)
    video = (
        Video.objects.filter(**lookup)
        .select_related("channel__account")
        .prefetch_related(
            Prefetch("streaming_playlists", queryset=StreamingPlaylist.objects.order_by("pk").prefetch_related("files"))
        )
        .first()
        if lookup
        else None
    )
    if video is None or not may_watch(None, video):
        raise Http404("No such video.")
    return video


@xframe_options_exempt
@require_safe
def embed(request: HttpRequest, video_id: str) -> HttpResponse:
    return render(request, "videos/embed.html", {"video": embeddable_video(video_id)})
