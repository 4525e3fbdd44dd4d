"""The anonymous response cache (sideways.response_cache) on a running instance (uvicorn, 2 processes):
every cached list and page shows a new, edited, made-private or deleted video on the next request, and
cached answers never carry a cookie or another user's view. Once embedded (SQLite, the file cache), once
on PostgreSQL + Redis (tier 2), where the catalogue's version lives in Redis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.live import LiveInstance, api_session, poll, start_instance
from tests.services import require_real_services

CREATE = """
from django.utils import timezone
from videos.constants import VideoState
from videos.models import Channel, Video
channel = Channel.objects.get(name="root_channel")
video = Video.objects.create(channel=channel, name=NAME, description="cached", state=VideoState.PUBLISHED,
                             published_at=timezone.now())
print(video.uuid, video.short_uuid)
"""

LISTS = ("/", "/videos/trending", "/videos/local", "/api/v1/videos?count=25", "/api/v1/search/videos?search=cached")


def create_video(instance: LiveInstance, name: str) -> tuple[str, str]:
    """A published public video made in another process than the web server's (as a worker would)."""
    uuid, short = instance.manage("shell", "-c", CREATE.replace("NAME", json.dumps(name))).stdout.split()[-2:]
    return uuid, short


def pages_of(uuid: str, short: str) -> tuple[str, ...]:
    return (f"/w/{short}", f"/videos/watch/{uuid}", f"/videos/embed/{short}", f"/api/v1/videos/{uuid}")


def get(instance: LiveInstance, path: str, **headers: str) -> requests.Response:
    """A fresh connection each time: the two server processes answer in turn, each with its own cache."""
    return requests.get(instance.url + path, headers=headers, timeout=30)


def warm(instance: LiveInstance, paths: tuple[str, ...]) -> None:
    """Ask each path a few times, so that both processes hold it."""
    for path in paths:
        for _ in range(4):
            assert get(instance, path).status_code == 200, path


@pytest.fixture(scope="module", params=["embedded", pytest.param("services", marks=pytest.mark.integration)])
def instance(request, tmp_path_factory) -> LiveInstance:
    services = {}
    if request.param == "services":
        database_url, redis_url = require_real_services()
        services = {"postgres_server_url": database_url, "redis_url": redis_url}
    instance = start_instance(Path(tmp_path_factory.mktemp("cache")) / "instance", worker=False, **services)
    yield instance
    instance.stop()


def test_changes_show_on_the_next_request(instance):
    first = create_video(instance, "cached first")
    second = create_video(instance, "cached second")
    warm(instance, LISTS + pages_of(*first) + pages_of(*second))

    third = create_video(instance, "cached third, new")
    for path in LISTS:
        assert "cached third, new" in get(instance, path).text, f"new video missing from {path}"

    root = api_session(instance)
    warm(instance, LISTS + pages_of(*first))
    root.put(f"{instance.url}/api/v1/videos/{first[0]}", json={"name": "cached first, renamed"}).raise_for_status()
    for path in LISTS + pages_of(*first):
        assert "cached first, renamed" in get(instance, path).text, f"edit missing from {path}"

    warm(instance, LISTS + pages_of(*first))
    root.put(f"{instance.url}/api/v1/videos/{first[0]}", json={"privacy": 3}).raise_for_status()
    for path in LISTS:
        assert "cached first, renamed" not in get(instance, path).text, f"private video still in {path}"
    for path in pages_of(*first):
        assert get(instance, path).status_code in (401, 404), f"private video still served at {path}"

    warm(instance, LISTS + pages_of(*second) + pages_of(*third))
    root.delete(f"{instance.url}/api/v1/videos/{second[0]}").raise_for_status()
    for path in LISTS:
        assert "cached second" not in get(instance, path).text, f"deleted video still in {path}"
    for path in pages_of(*second):
        assert get(instance, path).status_code == 404, f"deleted video still served at {path}"
    assert "cached third, new" in get(instance, f"/w/{third[1]}").text


def test_cached_answers_are_anonymous_and_set_no_cookie(instance):
    uuid, short = create_video(instance, "cached for everyone")
    root = api_session(instance)
    root.put(f"{instance.url}/api/v1/videos/{uuid}", json={"privacy": 4}).raise_for_status()  # internal
    for _ in range(4):  # a logged-in user's answers are neither taken from nor put in the cache
        assert "cached for everyone" in root.get(f"{instance.url}/api/v1/videos?count=25").text
    for path in ("/", "/api/v1/videos?count=25", f"/w/{short}"):
        for _ in range(4):
            answer = get(instance, path)
            assert "cached for everyone" not in answer.text
            assert "Set-Cookie" not in answer.headers
    # The same path, asked in French and in English, is not one answer.
    assert 'lang="fr"' in get(instance, "/", **{"Accept-Language": "fr"}).text
    assert 'lang="en"' in get(instance, "/", **{"Accept-Language": "en"}).text


def test_views_are_written_in_batches_and_shown_on_cached_answers(instance):
    uuid, _short = create_video(instance, "cached and watched")
    path = f"/api/v1/videos/{uuid}"
    warm(instance, (path,))
    for agent in ("first viewer", "second viewer"):
        answer = requests.post(f"{instance.url}{path}/views", json={"currentTime": 0}, headers={"User-Agent": agent})
        assert answer.status_code == 204
    # Each web process writes its counted views every few seconds, then cached answers are recomputed.
    assert poll(lambda: all(get(instance, path).json()["views"] == 2 for _ in range(4)), 20)
