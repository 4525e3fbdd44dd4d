"""Announce{Video}: a followed instance shares a video; we fetch it from its origin and import it."""

from __future__ import annotations

from federation.inbound.remote_videos import fetch_video
from federation.models import Actor
from federation.outbound.follows import is_followed
from federation.protocol.ids import host_of
from federation.protocol.ld import id_of


def handle(activity: dict, sender: Actor) -> None:
    """Fetch and import the announced video when it is the followed sender's own."""
    url = id_of(activity.get("object"))
    if not url or host_of(url) != sender.host or not is_followed(sender):
        return  # only a followed instance's own videos, so an Announce cannot send us fetching anywhere
    fetch_video(url)  # a refused video raises VideoError: the task keeps the reason on the row
