"""Announce{Video}: a followed instance shares a video; we fetch it from its origin and import it."""
from __future__ import annotations

import logging

from federation.follows import is_followed
from federation.ld import id_of
from federation.models import Actor
from federation.remote_videos import VideoError, fetch_video

logger = logging.getLogger(__name__)


def handle(activity: dict, sender: Actor) -> None:
    url = id_of(activity.get("object"))
    if not url or not is_followed(sender):
        return
    try:
        fetch_video(url)
    except VideoError as error:
        logger.warning("Could not import %s announced by %s: %s", url, sender.url, error)
