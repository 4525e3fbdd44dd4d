"""Video search over name, description and tags, with the same visibility as the public lists.

PostgreSQL ranks with full-text search (name weighted above tags above description); SQLite,
the single-machine default, falls back to a case-insensitive substring match ordered by date.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL

from videos.models import User, Video
from videos.services.catalog import POPULARITY_SORTS, VIDEO_SORTS, listed_videos, sort_ordering

# The weighted name (A) and description (C), a GIN-indexed column PostgreSQL keeps up to date (migration
# videos.0013_video_search_document); the model does not declare it, as SQLite has none.
QUERY_SQL = "websearch_to_tsquery('simple'::regconfig, %s)"
# The matching ids, looked up by the primary key: as an array, not a join, since PostgreSQL expects a tag
# to match thousands of videos and would otherwise read the whole table.
MATCHING_SQL = f"""videos_video.id = ANY(ARRAY(
    SELECT id FROM videos_video WHERE search_document @@ {QUERY_SQL}
    UNION
    SELECT video_tags.video_id FROM videos_video_tags video_tags
    JOIN videos_tag tag ON tag.id = video_tags.tag_id WHERE tag.name = ANY(%s)
))"""
RANK_SQL = f"ts_rank(videos_video.search_document, {QUERY_SQL})"

# PeerTube's search sort keys (VIDEOS_SEARCH): the list's keys but the popularity ones, plus "match",
# relevance, which always ranks best first.
SEARCH_SORTS = {
    **{key: column for key, column in VIDEO_SORTS.items() if key not in POPULARITY_SORTS},
    "match": "rank",
}


def _ordering(sort: str | None, has_rank: bool) -> list[str]:
    sort = sort or "-match"
    ordering = sort_ordering(sort, SEARCH_SORTS)
    if sort.removeprefix("-") == "match":
        return ["-rank", "-published_at", "-pk"] if has_rank else ["-published_at", "-pk"]
    return [ordering, "-pk"]


def search_queryset(query: str, user: User | None, sort: str | None = None) -> QuerySet[Video]:
    """Matching listed videos, ordered by `sort` (default: relevance)."""
    videos = listed_videos(user)
    query = query.strip()
    if not query:
        return videos.order_by(*_ordering(sort, False))
    if connection.vendor == "postgresql":
        return _postgres_search(videos, query, sort)
    words = query.split()
    condition = Q()
    for word in words:
        condition &= Q(name__icontains=word) | Q(description__icontains=word) | Q(tags__name__iexact=word)
    return videos.filter(pk__in=Video.objects.filter(condition).values("pk")).order_by(*_ordering(sort, False))


def _postgres_search(videos: QuerySet[Video], query: str, sort: str | None) -> QuerySet[Video]:
    """Full-text match on the indexed document, or an exact tag; ranked. One set of ids (a union of two
    index lookups) rather than two `IN`s joined by OR, which PostgreSQL answers by reading every video."""
    matching = RawSQL(MATCHING_SQL, [query, query.lower().split()], output_field=BooleanField())
    rank = RawSQL(RANK_SQL, [query], output_field=FloatField())
    return videos.filter(matching).annotate(rank=rank).order_by(*_ordering(sort, True))


def search_videos(
    query: str, user: User | None, start: int, count: int, sort: str | None = None
) -> tuple[int, list[Video]]:
    """(total, one page of videos) for `query`; `sort` is a PeerTube sort key such as "-match"."""
    videos = search_queryset(query, user, sort).select_related("channel__account")
    return videos.count(), list(videos[start : start + count])
