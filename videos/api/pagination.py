"""PeerTube's `start`/`count`/`sort` list parameters and the `{total, data}` envelope."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request

DEFAULT_COUNT = 15
MAX_COUNT = 100
MAX_START = 2**31 - 1  # far past any catalogue; larger offsets overflow the database's integers


class PageParams(serializers.Serializer):
    start = serializers.IntegerField(min_value=0, max_value=MAX_START, default=0)
    count = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, default=DEFAULT_COUNT)
    sort = serializers.CharField(required=False, allow_blank=True)


def page_params(request: Request, sorts: dict[str, str]) -> tuple[int, int, str | None]:
    """Validated (start, count, ordering) where ordering is an ORM expression from `sorts`."""
    params = PageParams(data=request.query_params)
    params.is_valid(raise_exception=True)
    sort = params.validated_data.get("sort") or None
    ordering = None
    if sort:
        key = sort.removeprefix("-")
        if key not in sorts:
            raise serializers.ValidationError({"sort": [f"Should have a sort value among {', '.join(sorts)}"]})
        ordering = ("-" if sort.startswith("-") else "") + sorts[key]
    return params.validated_data["start"], params.validated_data["count"], ordering


def paginate(
    queryset: QuerySet, start: int, count: int, counter: Callable[[QuerySet], int] = QuerySet.count
) -> tuple[int, list]:
    """(total, one page); video lists count with videos.services.catalog.cached_count."""
    return counter(queryset), list(queryset[start : start + count])
