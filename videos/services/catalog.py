"""Which videos a viewer may see, and the orders they are listed in, in one place, so every read path
(API, search, feeds, pages) enforces privacy and accepts PeerTube's sort keys the same way."""

import contextlib
import hashlib
import logging
from collections.abc import Mapping

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import Q, QuerySet

from videos.constants import VideoPrivacy, VideoState
from videos.models import User, Video
from videos.services import catalog_version

logger = logging.getLogger(__name__)

COUNT_SECONDS = 300

# PeerTube's sort keys for video lists (SORTABLE_COLUMNS.VIDEOS) -> the column that orders them;
# a leading "-" on the key means descending. Without a view history, trending, hot and best rank by
# total views. PeerTube's `localVideoFilesSize` is left out: we store no per-video total to order by.
VIDEO_SORTS: dict[str, str] = {
    "name": "name",
    "duration": "duration",
    "createdAt": "created_at",
    "publishedAt": "published_at",
    "originallyPublishedAt": "originally_published_at",
    "views": "views",
    "likes": "likes",
    "trending": "views",
    "hot": "views",
    "best": "views",
}
# Popularity orders, which PeerTube offers on lists but not on search results (those rank by relevance).
POPULARITY_SORTS = ("trending", "hot", "best")


# A published video whose files move between the disk and object storage stays watchable from where they
# are (videos.services.storage_moves), and so does one whose move failed (its files did not move).
WATCHABLE_STATES = [
    VideoState.PUBLISHED,
    VideoState.TO_MOVE_TO_EXTERNAL_STORAGE,
    VideoState.TO_MOVE_TO_EXTERNAL_STORAGE_FAILED,
    VideoState.TO_MOVE_TO_FILE_SYSTEM,
    VideoState.TO_MOVE_TO_FILE_SYSTEM_FAILED,
]


def _is_playable() -> Q:
    """Published, or still transcoding when the uploader chose not to wait (PeerTube's rule)."""
    return Q(state__in=WATCHABLE_STATES) | Q(state=VideoState.TO_TRANSCODE, wait_transcoding=False)


def listed_videos(user: User | None = None) -> QuerySet[Video]:
    """Videos that appear in public lists: playable and public (internal ones too for logged-in users)."""
    privacies = [VideoPrivacy.PUBLIC]
    if user is not None and user.is_authenticated:
        privacies.append(VideoPrivacy.INTERNAL)
    return Video.objects.filter(_is_playable(), privacy__in=privacies)


def may_watch(user: User | None, video: Video) -> bool:
    """Public and unlisted videos are for anyone with the link; private ones for their owner and moderators."""
    if video.privacy in (VideoPrivacy.PUBLIC, VideoPrivacy.UNLISTED):
        return True
    if user is None or not user.is_authenticated:
        return False
    if video.privacy == VideoPrivacy.INTERNAL:
        return True
    return video.channel.account.user_id == user.pk or user.can_see_all_videos


def may_manage(user: User | None, video: Video) -> bool:
    """The owner may edit or delete a video, and so may moderators and admins; a followed instance's video
    is its origin's to change, so nobody here manages it."""
    if user is None or not user.is_authenticated or not video.is_local:
        return False
    return video.channel.account.user_id == user.pk or user.can_see_all_videos


def sort_ordering(sort: str, sorts: Mapping[str, str] = VIDEO_SORTS) -> str:
    """The ORM ordering for a PeerTube sort value such as "-views".

    A key PeerTube would refuse raises ValueError naming the accepted keys (never echoing the value, so
    an HTML error page can show the message as is); each layer turns it into its 400.
    """
    key = sort.removeprefix("-")
    if key not in sorts:
        raise ValueError(f"Unknown sort: should be one of {', '.join(sorts)} (prefix - for descending).")
    return ("-" if sort.startswith("-") else "") + sorts[key]


def cached_count(videos: QuerySet[Video]) -> int:
    """How many videos the query finds, kept in the shared cache until the catalogue changes.

    PeerTube's lists and search answer with the total: counting 100 000 visible videos costs more than
    reading the page itself, and it is the same for every page and every viewer with the same filters.
    """
    try:
        sql = str(videos.query)  # the statement with its parameters: the filters, the viewer's rights
    except EmptyResultSet:
        return 0
    try:
        key = f"video-count:{catalog_version.current()}:{hashlib.sha256(sql.encode()).hexdigest()}"
        total = cache.get(key)
    except Exception:  # the shared cache is down: count every time meanwhile
        logger.warning("Video totals are not cached: the cache is unavailable", exc_info=True)
        return videos.count()
    if total is None:
        total = videos.count()
        with contextlib.suppress(Exception):  # down since the read above: the next request counts again
            cache.set(key, total, timeout=COUNT_SECONDS)
    return total
