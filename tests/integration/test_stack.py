"""Tier 2: the instance as production runs it — gunicorn and a Celery worker on PostgreSQL and Redis."""

import re
import time

import pytest
import requests

from tests.live import ROOT_PASSWORD, instance_on_real_services

pytestmark = pytest.mark.integration


@pytest.fixture
def production_instance(real_services, tmp_path):
    yield from instance_on_real_services(real_services, tmp_path / "instance")


def _wait_for(predicate, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_root_logs_in_on_postgres_and_worker_uses_redis(production_instance):
    assert production_instance.env["DATABASE_URL"].startswith("postgres://")
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    login_url = production_instance.url + "/django-admin/login/"
    page = session.get(login_url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        login_url,
        data={"csrfmiddlewaretoken": token, "username": "root", "password": ROOT_PASSWORD, "next": "/django-admin/"},
        headers={"Referer": login_url},
    )
    assert answer.status_code == 200 and "Log out" in answer.text
    assert "root" in session.get(production_instance.url + "/django-admin/videos/channel/").text
    assert _wait_for(lambda: "Connected to redis://" in production_instance.log("worker"))
