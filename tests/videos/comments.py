"""Test data for comments and ratings: people (local or of a followed instance) and their videos, and the
fixtures `alice` (the video's owner), `bob` and `video` (import them into a test module)."""
from __future__ import annotations

import pytest

from videos.models import Account, Channel, Video
from videos.services.accounts import create_local_user
from tests.web.test_pages import make_video

PASSWORD = "a-long-password-1"


def local_account(name: str, **user_fields) -> Account:
    """A user of this instance (password PASSWORD) and its account."""
    return create_local_user(name, PASSWORD, **user_fields).account


def remote_account(name: str = "carol", host: str = "peer.example") -> Account:
    return Account.objects.create(
        name=name, display_name=name.title(), host=host, url=f"https://{host}/accounts/{name}"
    )


def remote_video(owner: Account, name: str = "Their episode", **fields) -> Video:
    """A followed instance's public video, as federation stores it."""
    channel = Channel.objects.create(
        account=owner, name=f"{owner.name}_channel", display_name=owner.display_name, host=owner.host,
        url=f"https://{owner.host}/video-channels/{owner.name}_channel",
    )
    video = make_video(channel, name, is_local=False, **fields)
    video.url = f"https://{owner.host}/videos/watch/{video.uuid}"
    video.save(update_fields=["url"])
    return video


def video_of(account: Account, name: str = "An episode", **fields) -> Video:
    """A public, published local video in the account's first channel."""
    return make_video(account.channels.first(), name, **fields)


@pytest.fixture
def alice(db) -> Account:
    return local_account("alice")


@pytest.fixture
def bob(db) -> Account:
    return local_account("bob")


@pytest.fixture
def video(alice) -> Video:
    return video_of(alice, "Alice's episode")
