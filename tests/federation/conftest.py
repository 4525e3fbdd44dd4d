"""Fixtures of the federation tests: federation tasks run in-process, and a production-like public URL for our
documents (the running fake PeerTube peer, `peer`, is in tests/conftest.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.factories import SITE


@pytest.fixture
def public_site(isolated_media, settings) -> None:
    """A production-like public URL, so our documents face PeerTube's "host needs a TLD" rule."""
    settings.SIDEWAYS_URL = SITE
    settings.INSTANCE_HOST = urlsplit(SITE).netloc


@pytest.fixture
def inline_tasks(monkeypatch) -> None:
    """Federation tasks queued with .delay run in-process (when the on-commit callbacks run), as tier 1 does."""
    from federation import tasks

    for task in (
        tasks.process_activity,
        tasks.deliver_activity,
        tasks.crawl_outbox,
        tasks.send_video_published,
        tasks.announce_video,
        tasks.send_video_update,
        tasks.send_video_delete,
        tasks.send_actor_delete,
        tasks.send_comment_task,
        tasks.send_comment_delete_task,
        tasks.send_rating_task,
    ):
        monkeypatch.setattr(task, "delay", task)
