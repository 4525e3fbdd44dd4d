"""The interop tier: our instance and a real PeerTube server, both running, federating over loopback.

Both live for the whole tier (starting PeerTube takes seconds, and its log is checked at the end for
anything it disliked in what we sent). Every test module here is marked `interop`.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import redis

from tests.interop.peertube import VERSION, PeerTube, built_checkout, start_peertube
from tests.live import LiveInstance, start_instance
from tests.services import require_real_services

# Redis databases of our instance's broker in this tier (PeerTube's instances use 3 and 4).
OUR_REDIS_DATABASE = 5


@pytest.fixture(scope="session")
def peertube(tmp_path_factory) -> PeerTube:
    if built_checkout() is None:
        pytest.skip(f"interop tier skipped: no PeerTube {VERSION} built by `scripts/peertube build SRC` on this machine")
    server = start_peertube(1, tmp_path_factory.mktemp("peertube-1"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sideways(peertube: PeerTube, tmp_path_factory) -> LiveInstance:
    """Our instance, on PostgreSQL and Redis with its worker, as the README's production setup runs it."""
    database_url, redis_url = require_real_services()
    broker = redis.Redis.from_url(redis_url).connection_pool.connection_kwargs
    redis_db_url = f"redis://{broker.get('host', '127.0.0.1')}:{broker.get('port', 6379)}/{OUR_REDIS_DATABASE}"
    redis.Redis.from_url(redis_db_url).flushdb()
    instance = start_instance(
        Path(tmp_path_factory.mktemp("sideways")), postgres_server_url=database_url, redis_url=redis_db_url,
        extra_env={"SIDEWAYS_TRANSCODING_RESOLUTIONS": "240"},
    )
    yield instance
    instance.stop()
