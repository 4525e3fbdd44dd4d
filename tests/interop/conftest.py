"""The interop tier: our instance and a real PeerTube server, both running, federating over loopback.

Both live for the whole tier (starting PeerTube takes seconds, and its log is checked at the end for
anything it disliked in what we sent). Every test module here is marked `interop`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from tests.interop.peertube import (
    VERSION,
    PeerTube,
    built_checkout,
    instance_numbers,
    our_redis_database,
    start_peertube,
)
from tests.live import LiveInstance, start_instance
from tests.services import require_real_services


@pytest.fixture(scope="session")
def peertube(tmp_path_factory) -> PeerTube:
    if built_checkout() is None:
        pytest.skip(
            f"interop tier skipped: no PeerTube {VERSION} built by `scripts/peertube build SRC` on this machine"
        )
    number = instance_numbers()[0]
    server = start_peertube(number, tmp_path_factory.mktemp(f"peertube-{number}"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sideways(peertube: PeerTube, tmp_path_factory) -> LiveInstance:
    """Our instance, on PostgreSQL and Redis with its worker, as the README's production setup runs it."""
    database_url, redis_url = require_real_services()
    broker = redis.Redis.from_url(redis_url).connection_pool.connection_kwargs
    redis_db_url = f"redis://{broker.get('host', '127.0.0.1')}:{broker.get('port', 6379)}/{our_redis_database()}"
    redis.Redis.from_url(redis_db_url).flushdb()
    instance = start_instance(
        Path(tmp_path_factory.mktemp("sideways")),
        postgres_server_url=database_url,
        redis_url=redis_db_url,
        extra_env={"SIDEWAYS_TRANSCODING_RESOLUTIONS": "240"},
    )
    yield instance
    instance.stop()
