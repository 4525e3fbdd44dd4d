"""Liveness (/api/v1/ping, as PeerTube's) and readiness (/api/v1/ready: database, broker, storage)."""

from __future__ import annotations

import threading

import pytest
from django.test import Client

from sideways import health
from sideways.celery import app


def test_ping_answers_pong():
    response = Client().get("/api/v1/ping")
    assert response.status_code == 200
    assert response.content == b"pong"


def test_ready_when_database_broker_and_storage_answer(db):
    response = Client().get("/api/v1/ready")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "storage": "ok"}


def test_not_ready_when_the_storage_cannot_be_written(db, settings, tmp_path):
    settings.ORIGINALS_DIR = tmp_path / "gone"
    response = Client().get("/api/v1/ready")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "ok", "storage": "failed"}


def test_not_ready_when_the_broker_refuses(db, monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")  # nothing listens on the discard port
    response = Client().get("/api/v1/ready")
    assert response.status_code == 503
    assert response.json()["broker"] == "failed"


@pytest.fixture
def hanging_database(monkeypatch):
    """A database check that never returns (until the test ends)."""
    release = threading.Event()
    monkeypatch.setattr(health, "CHECK_SECONDS", 0.2)
    monkeypatch.setitem(health.CHECKS, "database", release.wait)
    yield
    release.set()


def test_a_check_that_hangs_is_a_failure_not_a_hung_answer(db, hanging_database):
    response = Client().get("/api/v1/ready")
    assert response.status_code == 503
    assert response.json() == {"database": "failed", "broker": "ok", "storage": "ok"}
