"""Fixtures of the federation tests: a running fake PeerTube peer, federation tasks run in-process, and a
production-like public URL for our documents."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.factories import SITE
from tests.federation.peer import Peer, running_peer


@pytest.fixture
def public_site(isolated_media, settings) -> None:
    """A production-like public URL, so our documents face PeerTube's "host needs a TLD" rule."""
    settings.SIDEWAYS_URL = SITE


@pytest.fixture
def peer(settings, db) -> Iterator[Peer]:
    """A running fake PeerTube instance; federation may reach 127.0.0.1 for the test."""
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = True
    with running_peer() as running:
        yield running


@pytest.fixture
def inline_tasks(monkeypatch) -> None:
    """Federation tasks queued with .delay run in-process (when the on-commit callbacks run), as tier 1 does."""
    from federation import tasks

    for task in (tasks.process_activity, tasks.deliver_activity, tasks.crawl_outbox):
        monkeypatch.setattr(task, "delay", task)
