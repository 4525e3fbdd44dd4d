"""Reading a followed instance's outbox once it accepted our follow, to import the videos it already has.

A PeerTube outbox lists Announce activities pointing at video URLs (each fetched) and Create activities
embedding the Video. Items are not signed here, so only the instance's own videos are imported from it.
"""

from __future__ import annotations

import logging

from federation.actors.local import ensure_instance_actor, signer_for
from federation.inbound.remote_videos import VideoError, fetch_video, import_video
from federation.models import Actor
from federation.protocol import http
from federation.protocol.ids import host_of
from federation.protocol.ld import as_list, id_of

logger = logging.getLogger(__name__)

MAX_PAGES = 2000  # PeerTube's ACTIVITY_PUB.FETCH_PAGE_LIMIT: a hostile outbox cannot keep us forever


def _import(item: object, outbox_host: str) -> bool:
    """Import the video an outbox item is about; False when the item is not a usable video activity.

    Only the followed instance's own videos are taken, as PeerTube skips items of other hosts: an item is
    not signed, so it could otherwise make us fetch, or store a forged copy of, any host's video.
    """
    if not isinstance(item, dict):
        return False
    video = item.get("object")
    url = id_of(video) or ""
    if host_of(url) != outbox_host or host_of(id_of(item.get("actor")) or "") != outbox_host:
        return False
    try:
        if item.get("type") == "Announce":
            fetch_video(url)
        elif item.get("type") == "Create" and isinstance(video, dict) and video.get("type") == "Video":
            import_video(video, outbox_host)
        else:
            return False
    except VideoError as error:
        logger.warning("Skipped an outbox item (%s): %s", id_of(item.get("id")), error)
        return False
    return True


def _pages(outbox_url: str, signer: http.Signer):
    """The outbox's pages in order: the collection's `first`, then each page's `next`, within MAX_PAGES."""
    collection = http.get_json(outbox_url, signer=signer)
    page: object = collection.get("first") if "first" in collection else collection
    seen = set()
    for _ in range(MAX_PAGES):
        if isinstance(page, str):
            if page in seen or host_of(page) != host_of(outbox_url):
                return
            seen.add(page)
            page = http.get_json(page, signer=signer)
        if not isinstance(page, dict):
            return
        yield page
        page = page.get("next")
        if not page:
            return


def crawl_outbox(actor: Actor) -> int:
    """Import every video the actor's outbox lists; returns how many were imported."""
    if not actor.outbox_url:
        return 0
    imported = 0
    try:
        for page in _pages(actor.outbox_url, signer_for(ensure_instance_actor())):
            items = page.get("orderedItems", page.get("items"))
            imported += sum(_import(item, host_of(actor.outbox_url)) for item in as_list(items))
    except http.FetchError as error:
        logger.warning("Stopped reading the outbox of %s: %s", actor.url, error)
    return imported
