"""Tier 2: readiness and metrics of an instance on PostgreSQL and Redis, as docker-compose runs it."""

import pytest
import requests

from tests.live import api_session, start_instance

pytestmark = pytest.mark.integration


def test_ready_and_metrics_on_postgres_and_redis(real_services, tmp_path):
    database_url, redis_url = real_services
    instance = start_instance(
        tmp_path / "instance", postgres_server_url=database_url, redis_url=redis_url, worker=False
    )
    try:
        ready = requests.get(instance.url + "/api/v1/ready", timeout=10)
        assert ready.status_code == 200
        assert ready.json() == {"database": "ok", "broker": "ok", "storage": "ok"}
        assert requests.get(instance.url + "/metrics", timeout=10).status_code == 401
        metrics = api_session(instance).get(instance.url + "/metrics", timeout=30)
        assert metrics.status_code == 200, instance.log("web")[-3000:]
        lines = metrics.text.splitlines()
        assert any(line.startswith('sideways_queue_messages{queue="transcoding"} ') for line in lines)
        assert 'sideways_deliveries{state="failed"} 0' in lines
    finally:
        instance.stop()
