"""Reading a followed instance's outbox (PeerTube's outbox-page-1.json layout) from a real peer: Announce
items are fetched from the origin, Create items embed the Video, `first` is a URL or an embedded page,
`next` is followed on the same host only, loops end and a page budget bounds a hostile outbox.
"""

import pytest

from federation import tasks
from federation.actors.remote import fetch_actor
from federation.inbound import crawl
from tests.federation.peer import running_peer
from tests.federation.peertube_rules import captured
from videos.models import Video

OUTBOX = "/accounts/peertube/outbox"


@pytest.fixture
def instance(peer):
    """The peer's instance actor as we store it, and a channel of the peer for its videos."""
    actor = fetch_actor(peer.instance().url)
    channel = peer.add_actor("Group", "alice_channel", owner=peer.add_actor("Person", "alice"))
    return actor, channel


def page(peer, number: int, items: list, next_page: str | None = None) -> dict:
    """An outbox page as PeerTube serves it (esup-pod-captured/outbox-page-1.json), with these items."""
    document = peer.rewrite(captured("esup-pod-captured/outbox-page-1.json"))
    document.update(id=peer.url(f"{OUTBOX}?page={number}"), orderedItems=items, totalItems=len(items))
    if next_page:
        document["next"] = next_page
    return document


def announce(peer, video: dict) -> dict:
    item = peer.rewrite(captured("esup-pod-captured/outbox-page-1.json"))["orderedItems"][0]
    return {**item, "id": f"{video['id']}/announces/1", "object": video["id"]}


def create(peer, video: dict) -> dict:
    return {"type": "Create", "id": f"{video['id']}/activity", "actor": peer.url("/accounts/alice"), "object": video}


def serve_pages(peer, pages: list[dict]) -> None:
    for document in pages:
        peer.serve(document["id"].removeprefix(peer.base), document)


def collection(peer, first: str | dict) -> dict:
    return {"type": "OrderedCollection", "id": peer.url(OUTBOX), "totalItems": 2, "first": first}


def test_announce_and_create_items_across_pages_are_imported(peer, instance):
    actor, channel = instance
    announced, created = peer.video(channel), peer.video(channel)
    pages = [
        page(peer, 1, [announce(peer, announced)], peer.url(f"{OUTBOX}?page=2")),
        page(peer, 2, [create(peer, created), {"type": "Like", "id": peer.url("/likes/1")}]),
    ]
    serve_pages(peer, pages)
    peer.serve(OUTBOX, collection(peer, pages[0]["id"]))
    assert tasks.crawl_outbox(actor.pk) == 2
    assert sorted(Video.objects.values_list("url", flat=True)) == sorted([announced["id"], created["id"]])


def test_first_may_be_an_embedded_page(peer, instance):
    actor, channel = instance
    video = peer.video(channel)
    peer.serve(OUTBOX, collection(peer, page(peer, 1, [create(peer, video)])))
    assert crawl.crawl_outbox(actor) == 1 and Video.objects.get().url == video["id"]


def test_a_page_on_another_host_is_not_followed(peer, instance):
    actor, channel = instance
    with running_peer() as other:
        elsewhere = page(other, 2, [announce(other, other.video(channel))])
        serve_pages(other, [elsewhere])
        peer.serve(OUTBOX, collection(peer, page(peer, 1, [], elsewhere["id"])))
        assert crawl.crawl_outbox(actor) == 0
        assert not other.received and not Video.objects.exists()


def test_a_next_loop_stops(peer, instance):
    actor, channel = instance
    pages = [
        page(peer, 1, [announce(peer, peer.video(channel))], peer.url(f"{OUTBOX}?page=2")),
        page(peer, 2, [], peer.url(f"{OUTBOX}?page=1")),
    ]
    serve_pages(peer, pages)
    peer.serve(OUTBOX, collection(peer, pages[0]["id"]))
    assert crawl.crawl_outbox(actor) == 1
    assert len(peer.requests_to(f"{OUTBOX}?page=1")) == 1 and len(peer.requests_to(f"{OUTBOX}?page=2")) == 1


def test_the_page_budget_bounds_an_endless_outbox(peer, instance, monkeypatch):
    monkeypatch.setattr(crawl, "MAX_PAGES", 3)
    actor, _ = instance
    serve_pages(peer, [page(peer, n, [], peer.url(f"{OUTBOX}?page={n + 1}")) for n in range(1, 10)])
    peer.serve(OUTBOX, collection(peer, peer.url(f"{OUTBOX}?page=1")))
    crawl.crawl_outbox(actor)
    assert [r.path for r in peer.received if "?page=" in r.path] == [f"{OUTBOX}?page={n}" for n in (1, 2, 3)]


def test_items_about_another_hosts_videos_are_skipped(peer, instance):
    """An outbox item is unsigned: it can neither plant a forged copy of another host's video nor make us
    fetch from any host it names (PeerTube skips such items too)."""
    actor, _ = instance
    with running_peer() as origin:
        channel = origin.add_actor("Group", "bob_channel", owner=origin.add_actor("Person", "bob"))
        real = origin.video(channel)
        forged = {**real, "name": "Forged title"}
        create = {
            "type": "Create",
            "id": f"{real['id']}/activity",
            "actor": origin.url("/accounts/bob"),
            "object": forged,
        }
        announce_it = {"type": "Announce", "id": peer.url("/announces/1"), "actor": actor.url, "object": real["id"]}
        peer.serve(OUTBOX, collection(peer, page(peer, 1, [create, announce_it])))
        assert crawl.crawl_outbox(actor) == 0
        assert not origin.requests_to(real["id"].removeprefix(origin.base))
    assert not Video.objects.exists()


def test_an_unreachable_outbox_imports_nothing(peer, instance):
    actor, _ = instance
    assert crawl.crawl_outbox(actor) == 0  # the peer answers 404
