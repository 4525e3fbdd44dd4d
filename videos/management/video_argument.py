"""The video a management command's argument names, the way PeerTube's URLs do: id, UUID or short UUID."""

from django.core.management.base import CommandError

from videos.identifiers import parse_video_id
from videos.models import Video


def video_from_argument(text: str) -> Video:
    lookup = parse_video_id(text)
    video = Video.objects.select_related("channel__account").filter(**lookup).first() if lookup else None
    if video is None:
        raise CommandError(f"No video {text!r} (give its id, UUID or short UUID).")
    return video
