"""Video search over name, description and tags, with the same visibility as the public lists.

PostgreSQL ranks with full-text search (name weighted above tags above description); SQLite,
the single-machine default, falls back to a case-insensitive substring match ordered by date.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from videos.models import User, Video
from videos.services.catalog import POPULARITY_SORTS, VIDEO_SORTS, listed_videos, sort_ordering

# Must stay identical to the expression indexed by migration videos.0002_video_search_index.
DOCUMENT_SQL = "to_tsvector('simple'::regconfig, name || ' ' || description)"

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
    """Full-text match on the GIN-indexed name+description document, or an exact tag; ranked."""
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField

    search = SearchQuery(query, search_type="websearch", config="simple")
    # Unqualified columns: inside the subquery Django aliases the table (U0).
    document = RawSQL(DOCUMENT_SQL, [], output_field=SearchVectorField())
    text_matches = Video.objects.annotate(document=document).filter(document=search).values("pk")
    tag_matches = Video.tags.through.objects.filter(tag__name__in=query.lower().split()).values("video_id")
    rank = SearchRank(
        SearchVector("name", weight="A", config="simple") + SearchVector("description", weight="C", config="simple"),
        search,
    )
    return (
        videos.filter(Q(pk__in=text_matches) | Q(pk__in=tag_matches))
        .annotate(rank=rank)
        .order_by(*_ordering(sort, True))
    )


def search_videos(
    query: str, user: User | None, start: int, count: int, sort: str | None = None
) -> tuple[int, list[Video]]:
    """(total, one page of videos) for `query`; `sort` is a PeerTube sort key such as "-match"."""
    videos = search_queryset(query, user, sort).select_related("channel__account")
    return videos.count(), list(videos[start : start + count])
