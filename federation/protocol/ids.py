"""ActivityPub ids: ours, laid out as PeerTube lays them out (docs/PROTOCOL.md §3.1), and peers' checked.

Peers store our URLs forever, so they are built in this one place from SIDEWAYS_URL. Peers' ids go
through http_url before anything keeps them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from videos.constants import INSTANCE_ACTOR_NAME

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
MAX_URL = 2000  # our URL columns' length, and PeerTube's limit on ActivityPub URLs


def site() -> str:
    return settings.SIDEWAYS_URL


def host() -> str:
    """Our "host[:port]", as peers write it in handles and as remote rows store theirs (the settings derive
    it from SIDEWAYS_URL, for the videos app too)."""
    return settings.INSTANCE_HOST


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


def http_url(value: object) -> str | None:
    """`value` if it is an http(s) URL with a host that fits our columns, else None."""
    if not isinstance(value, str) or len(value) > MAX_URL:
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def host_of(url: str) -> str:
    """ "host[:port]" of a URL, as remote rows store it."""
    return urlsplit(url).netloc.lower()
