"""The ActivityPub ids of our own objects, laid out as PeerTube lays them out (PROTOCOL.md §3.1).

Peers store these URLs forever, so they are built in this one place from SIDEWAYS_URL.
"""
from __future__ import annotations

from django.conf import settings

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
INSTANCE_ACTOR_NAME = "peertube"  # PeerTube's name for the Application actor; peers ask for peertube@host.


def site() -> str:
    return settings.SIDEWAYS_URL


def host() -> str:
    """Our "host[:port]", as peers write it in handles and as remote rows store theirs."""
    return site().split("://", 1)[1]


def account_url(name: str) -> str:
    """A Person (an account) or the Application actor (name "peertube")."""
    return f"{site()}/accounts/{name}"


def channel_url(name: str) -> str:
    return f"{site()}/video-channels/{name}"


def instance_actor_url() -> str:
    return account_url(INSTANCE_ACTOR_NAME)


def shared_inbox_url() -> str:
    return f"{site()}/inbox"


def video_url(uuid: str) -> str:
    return f"{site()}/videos/watch/{uuid}"


def key_id(actor_url: str) -> str:
    return f"{actor_url}#main-key"
