"""A video's fields as the API's clients send them: JSON or multipart, tags in PeerTube's three spellings,
the owner's pictures, and the channel the video goes to (used by uploads and by edits)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from django.http import QueryDict
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from videos.api.errors import ApiError
from videos.images import ImageError
from videos.models import Channel, User
from videos.services.editing import drawn_from_uploads

_TAG_KEY = re.compile(r"^tags(\[\d*\])?$")


@contextmanager
def owner_images(request: Request) -> Iterator[tuple[Path, Path] | None]:
    """The images drawn from the request's `thumbnailfile`/`previewfile` (None when it sends neither),
    for set_chosen_images within the block; 400 for a file too large or not a picture."""
    try:
        with drawn_from_uploads(request.FILES.get("thumbnailfile"), request.FILES.get("previewfile")) as images:
            yield images
    except ImageError as error:
        raise ValidationError({"thumbnailfile": [str(error)]}) from None


def metadata_payload(data: Mapping) -> dict:
    """Request data as a plain dict, with `tags[0]`, `tags[]` and repeated `tags` merged into a list."""
    if not isinstance(data, QueryDict):
        return dict(data)
    payload: dict = {}
    tags: list[str] = []
    for key in data:
        if _TAG_KEY.match(key):
            tags.extend(data.getlist(key))
        elif key not in ("videofile", "thumbnailfile", "previewfile"):
            payload[key] = data.get(key)
    if tags:
        payload["tags"] = tags
    return payload


def own_channel(user: User, channel_id: int) -> Channel:
    channel = Channel.objects.select_related("account").filter(pk=channel_id, host="").first()
    if channel is None:
        raise ValidationError({"channelId": ["Unknown video channel"]})
    if channel.account.user_id != user.pk:
        raise ApiError(403, "Cannot use this video channel: it is not one of yours.")
    return channel
