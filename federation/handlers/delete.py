"""Delete: the origin removed a video we hold (only the origin may)."""
from __future__ import annotations

from federation.ld import id_of
from federation.models import Actor
from federation.remote_videos import delete_video


def handle(activity: dict, sender: Actor) -> None:
    url = id_of(activity.get("object"))
    if url:
        delete_video(url, sender.host)
