"""PeerTube's paged collections (docs/PROTOCOL.md §3.6): outboxes, followers, following.

Without ?page the collection only tells its size and where the first page is; ?page=N (from 1) gives
10 items, and outboxes take ?size= up to 50, which crawling peers use to need fewer requests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from federation.protocol.ld import with_context

PAGE_SIZE = 10
MAX_OUTBOX_PAGE_SIZE = 50


class InvalidPage(ValueError):
    """?page or ?size is not a whole number in range; the message says which (answered with 400)."""


def _positive_int(request: HttpRequest, name: str, default: int | None, maximum: int | None = None) -> int | None:
    raw = request.GET.get(name)
    if raw is None:
        return default
    if not raw.isdecimal() or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
        limit = f" from 1 to {maximum}" if maximum else " from 1"
        raise InvalidPage(f"?{name} must be a whole number{limit}.")
    return int(raw)


def collection_response(
    request: HttpRequest,
    url: str,
    items: QuerySet | Sequence,
    to_item: Callable[[Any], Any],
    max_size: int = PAGE_SIZE,
) -> dict:
    """The OrderedCollection at `url`, or its page ?page=N, each item made by `to_item`.

    `items` is already in the order peers should read (newest first). With max_size above PAGE_SIZE
    (outboxes) a ?size= parameter chooses the page size and is kept in the prev/next links.
    """
    page = _positive_int(request, "page", None)
    size = _positive_int(request, "size", PAGE_SIZE, max_size) if max_size > PAGE_SIZE else PAGE_SIZE
    total = items.count() if isinstance(items, QuerySet) else len(items)
    if page is None:
        summary = {"id": url, "type": "OrderedCollection", "totalItems": total}
        if total:
            summary["first"] = f"{url}?page=1"
        return with_context(summary, "Collection")

    size_suffix = f"&size={size}" if size != PAGE_SIZE else ""
    start = (page - 1) * size
    document = {"id": f"{url}?page={page}{size_suffix}", "type": "OrderedCollectionPage"}
    if page > 1:
        document["prev"] = f"{url}?page={page - 1}{size_suffix}"
    if total > page * size:
        document["next"] = f"{url}?page={page + 1}{size_suffix}"
    document |= {
        "partOf": url,
        "orderedItems": [to_item(item) for item in items[start : start + size]],
        "totalItems": total,
    }
    return with_context(document, "Collection")
