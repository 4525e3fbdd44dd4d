"""Liveness and readiness, for a load balancer, docker-compose or an orchestrator.

- `GET /api/v1/ping` answers "pong" while the web process runs, as PeerTube's does: it touches nothing else,
  so a database outage does not get the web processes restarted for nothing.
- `GET /api/v1/ready` says whether this process can do its work: the database answers a query, the broker
  takes a connection, the buckets answer when object storage is configured, and the media and originals
  folders take a write (they still hold remote videos' images and the workers' temporary files). Each check has CHECK_SECONDS, run
  in a thread of its own so that a service that hangs cannot hold the answer; any failure is a 503 naming
  the check (never its details: the endpoint is public).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods

from sideways.celery import app
from videos import object_storage

logger = logging.getLogger(__name__)

CHECK_SECONDS = 3.0


def bounded(check: Callable[[], object]) -> object:
    """What `check` returns, run in a thread of its own; TimeoutError if it takes longer than CHECK_SECONDS
    (the thread is left to finish on its own: its service's own timeouts end it)."""
    seconds = CHECK_SECONDS
    executor = ThreadPoolExecutor(max_workers=1)
    try:
        return executor.submit(check).result(timeout=seconds)
    except FutureTimeout:
        raise TimeoutError(f"no answer within {seconds} s") from None
    finally:
        executor.shutdown(wait=False)


def _database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # this thread's own connection


def _broker() -> None:
    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=CHECK_SECONDS)


def _storage() -> None:
    if object_storage.enabled():
        object_storage.check_buckets()
    for folder in (settings.MEDIA_ROOT, settings.ORIGINALS_DIR):
        with tempfile.NamedTemporaryFile(dir=Path(folder), prefix=".ready-") as probe:
            probe.write(b"ok")
            probe.flush()


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "broker": _broker, "storage": _storage}


@require_http_methods(["GET", "HEAD"])
def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pong", content_type="text/plain")


@require_http_methods(["GET", "HEAD"])
def ready(request: HttpRequest) -> JsonResponse:
    """{"database": "ok", "broker": "ok", "storage": "ok"}, 200; or 503 with "failed" for the checks that did."""
    results = {}
    for name, check in CHECKS.items():
        try:
            bounded(check)
        except Exception:
            logger.exception("readiness check %s failed", name)
            results[name] = "failed"
        else:
            results[name] = "ok"
    status = 200 if all(result == "ok" for result in results.values()) else 503
    return JsonResponse(results, status=status)
