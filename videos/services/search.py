"""Video search over name, description and tags, with the same visibility as the public lists.

PostgreSQL ranks with full-text search (name weighted above tags above description); SQLite,
the single-machine default, falls back to a case-insensitive substring match ordered by date.
"""
from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from videos.models import User, Video
from videos.services.catalog import listed_videos

# PeerTube's sort keys for search -> ORM ordering ("match" = relevance).
SEARCH_SORTS = {
    "match": "-rank",
    "publishedAt": "published_at",
    "createdAt": "created_at",
    "name": "name",
    "views": "views",
    "likes": "likes",
    "duration": "duration",
}


def _ordering(sort: str | None, has_rank: bool) -> list[str]:
    key = (sort or "-match").lstrip("-")
    if key not in SEARCH_SORTS:
        raise ValueError(f"Unknown sort {sort!r}")
    if key == "match":
        return ["-rank", "-published_at", "-pk"] if has_rank else ["-published_at", "-pk"]
    field = SEARCH_SORTS[key]
    return [("-" if (sort or "").startswith("-") else "") + field, "-pk"]


def search_queryset(query: str, user: User | None, sort: str | None = None) -> QuerySet[Video]:
    """Matching listed videos, ordered by `sort` (default: relevance)."""
    videos = listed_videos(user)
    query = query.strip()
    if not query:
        return videos.order_by(*_ordering(sort, False))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("name", weight="A", config="simple")
            + SearchVector("tags__name", weight="B", config="simple")
            + SearchVector("description", weight="C", config="simple")
        )
        search = SearchQuery(query, search_type="websearch", config="simple")
        matching = Video.objects.annotate(document=vector).filter(document=search).values("pk")
        return (
            videos.filter(pk__in=matching)
            .annotate(rank=SearchRank(SearchVector("name", weight="A", config="simple")
                                      + SearchVector("description", weight="C", config="simple"), search))
            .order_by(*_ordering(sort, True))
        )
    words = query.split()
    condition = Q()
    for word in words:
        condition &= Q(name__icontains=word) | Q(description__icontains=word) | Q(tags__name__iexact=word)
    return videos.filter(pk__in=Video.objects.filter(condition).values("pk")).order_by(*_ordering(sort, False))


def search_videos(query: str, user: User | None, start: int, count: int, sort: str | None = None) -> tuple[int, list[Video]]:
    """(total, one page of videos) for `query`; `sort` is a PeerTube sort key such as "-match"."""
    videos = search_queryset(query, user, sort).select_related("channel__account")
    return videos.count(), list(videos[start : start + count])
