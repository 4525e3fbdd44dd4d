"""Reaching the real PostgreSQL and Redis of the integration tier (tier 2)."""

import os
import socket
from urllib.parse import urlsplit

import pytest

REQUIRED = os.environ.get("SIDEWAYS_REQUIRE_SERVICES") == "1"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require_real_services() -> tuple[str, str]:
    """The DATABASE_URL (PostgreSQL) and REDIS_URL of tier 2; skip without them, fail in CI."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    problems = []
    if not database_url.startswith("postgres"):
        problems.append("DATABASE_URL does not point to PostgreSQL")
    elif not _reachable(database_url, 5432):
        problems.append("PostgreSQL is not reachable")
    if not redis_url.startswith("redis"):
        problems.append("REDIS_URL is not set")
    elif not _reachable(redis_url, 6379):
        problems.append("Redis is not reachable")
    if problems:
        message = "integration tier needs real services: " + "; ".join(problems)
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return database_url, redis_url
