"""Finding the video a URL names, for every page that takes one (watch, embed, edit, download)."""

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from videos.identifiers import parse_video_id
from videos.models import Video


def video_or_404(video_id: str, videos: QuerySet[Video], allowed: Callable[[Video], bool]) -> Video:
    """The video `video_id` (id, UUID or short UUID) names in `videos`, if `allowed`; else Http404.

    A video the viewer may not see answers exactly like a missing one, so a URL reveals nothing.
    """
    lookup = parse_video_id(video_id)
    video = videos.filter(**lookup).first() if lookup else None
    if video is None or not allowed(video):
        raise Http404(_("No such video."))
    return video
