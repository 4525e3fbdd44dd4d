"""View: a viewer on a peer watched one of our videos; PeerTube sends each view to the video's origin."""

from __future__ import annotations

from federation.models import Actor
from federation.objects.video import federated_video_at
from federation.protocol.ld import id_of
from videos.services.view_counting import record_view


def handle(activity: dict, sender: Actor) -> None:
    """Add the view to our video's count, once per activity id.

    A View with `expires` is PeerTube's "watching now" counter (sent while someone watches), not a view:
    it does not count.
    """
    if activity.get("expires"):
        return
    video = federated_video_at(id_of(activity.get("object")))
    if video is not None:
        record_view(video, f"activity:{id_of(activity['id'])}")
