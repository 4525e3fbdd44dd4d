"""Which videos viewers may share among themselves (P2P), and the swarm id their players meet under.

Sharing shows a viewer's address to the other viewers of the same video, so it is only for public
videos (never private, internal or unlisted ones) and only while the admin leaves it on
(SIDEWAYS_P2P_ENABLED). A remote video is shared among our viewers under our proxy's URL: its
origin never sees them.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, QuerySet

from videos.constants import VideoPrivacy
from videos.models import StreamingPlaylist, Video
from videos.storage import absolute_url, playlist_url


def p2p_allowed(video: Video) -> bool:
    return settings.SIDEWAYS_P2P_ENABLED and video.privacy == VideoPrivacy.PUBLIC


def swarm_id(playlist: StreamingPlaylist) -> str:
    """What players derive info-hashes from: the master playlist's absolute URL (PeerTube's players use the
    API's playlistUrl, which is this one)."""
    return absolute_url(playlist_url(playlist))


def shareable_playlists() -> QuerySet[StreamingPlaylist]:
    """Every playlist viewers may share, with its number of renditions as `rungs`."""
    return (
        StreamingPlaylist.objects.filter(video__privacy=VideoPrivacy.PUBLIC)
        .select_related("video")
        .annotate(rungs=Count("files"))
    )
