"""Which requests and answers the anonymous response cache (sideways.response_cache) keeps, around a
stand-in for Django that counts the requests reaching it. The live test (test_response_cache_live.py)
shows the same cache in front of the real site."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from sideways import response_cache
from sideways.response_cache import ResponseCache, VersionReads
from tests.factories import publish_video
from tests.live import free_port
from videos.services import catalog_version
from videos.services.catalog import cached_count, listed_videos


class CountingSite:
    """An ASGI app answering `answer` (status, extra headers) and counting the requests it received; each
    answer takes `seconds`."""

    def __init__(self, status: int = 200, headers: tuple = (), seconds: float = 0) -> None:
        self.status, self.headers, self.calls, self.seconds = status, list(headers), 0, seconds

    async def __call__(self, scope, receive, send) -> None:
        self.calls += 1
        await asyncio.sleep(self.seconds)
        headers = [(b"content-type", b"text/plain"), *self.headers]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": f"answer {self.calls}".encode()})


def in_own_loop(coroutine):
    """Run on a loop of its own in another thread: Playwright's sync API (browser tests run earlier in the
    same session) leaves an event loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


async def answer(app, path: str = "/api/v1/videos", query: bytes = b"count=25", method: str = "GET", **headers):
    scope = {
        "type": "http",
        "method": method,
        "scheme": "http",
        "path": path,
        "query_string": query,
        "headers": [(b"host", b"testserver")]
        + [(name.replace("_", "-").lower().encode(), value.encode()) for name, value in headers.items()],
    }
    sent = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return b"".join(message.get("body", b"") for message in sent[1:]).decode()


def get(app, path: str = "/api/v1/videos", query: bytes = b"count=25", method: str = "GET", **headers: str) -> str:
    return in_own_loop(answer(app, path, query, method, **headers))


def test_an_anonymous_read_is_computed_once_until_the_catalogue_changes():
    site = CountingSite()
    app = ResponseCache(site)
    assert [get(app) for _ in range(3)] == ["answer 1"] * 3
    assert get(app, query=b"count=10") == "answer 2"  # another query, another answer
    catalog_version.bump()
    assert get(app) == "answer 3"
    assert get(app) == "answer 3"


def test_a_rush_on_a_missing_answer_computes_it_once():
    site = CountingSite(seconds=0.2)
    app = ResponseCache(site)

    async def rush() -> list[str]:
        return await asyncio.gather(*(answer(app) for _ in range(10)))

    assert in_own_loop(rush()) == ["answer 1"] * 10
    assert site.calls == 1


def test_requests_share_a_version_read_only_if_it_started_after_they_came():
    reads = []

    def read() -> str:
        reads.append(len(reads) + 1)
        time.sleep(0.1)
        return f"version {reads[-1]}"

    async def requests() -> tuple[list[str], str]:
        versions = VersionReads(read)
        first = asyncio.ensure_future(versions.current())
        await asyncio.sleep(0)  # its read starts: the next ones come while it runs
        during = [asyncio.ensure_future(versions.current()) for _ in range(5)]
        await asyncio.sleep(0.05)
        late = asyncio.ensure_future(versions.current())
        return await asyncio.gather(first, *during), await late

    shared, late = in_own_loop(requests())
    assert shared == ["version 1"] + ["version 2"] * 5
    assert late == "version 2"
    assert reads == [1, 2]


def test_a_request_gone_while_waiting_for_the_version_leaves_the_others_theirs():
    def read() -> str:
        time.sleep(0.1)
        return "version 1"

    async def requests() -> list[str]:
        versions = VersionReads(read)
        waiting = [asyncio.ensure_future(versions.current()) for _ in range(3)]
        await asyncio.sleep(0.02)
        waiting[0].cancel()  # its client went away
        return await asyncio.wait_for(asyncio.gather(*waiting[1:]), 5)

    assert in_own_loop(requests()) == ["version 1", "version 1"]


def test_what_a_process_keeps_is_bounded_in_bytes(monkeypatch):
    """Varied queries cannot make a process keep more than MAX_BYTES: the least recently used go first."""
    monkeypatch.setattr(response_cache, "MAX_BYTES", len("answer 1") * 3)
    app = ResponseCache(CountingSite())
    for number in range(1, 5):
        assert get(app, query=f"page={number}".encode()) == f"answer {number}"
    assert app.entries.size <= response_cache.MAX_BYTES and len(app.entries.entries) == 3
    assert get(app, query=b"page=4") == "answer 4"  # kept
    assert get(app, query=b"page=1") == "answer 5"  # dropped: computed again


def test_users_and_other_requests_go_to_the_site_every_time():
    site = CountingSite()
    app = ResponseCache(site)
    get(app)
    assert get(app, authorization="Bearer abc") == "answer 2"
    assert get(app, cookie="sessionid=abc") == "answer 3"
    assert get(app, method="HEAD") == "answer 4"
    assert get(app, path="/api/v1/users/me", query=b"") == "answer 5"
    assert get(app, path="/api/v1/users/me", query=b"") == "answer 6"
    assert get(app) == "answer 1"  # the anonymous answer is still the first one


def test_answers_vary_on_language_and_accept():
    app = ResponseCache(CountingSite())
    assert get(app, path="/", query=b"", accept_language="fr") == "answer 1"
    assert get(app, path="/", query=b"", accept_language="en") == "answer 2"
    assert get(app, path="/", query=b"", accept="application/activity+json") == "answer 3"
    assert get(app, path="/", query=b"", accept_language="fr") == "answer 1"


def test_cookies_errors_and_private_answers_are_not_kept():
    for site in (
        CountingSite(headers=[(b"set-cookie", b"csrftoken=x")]),
        CountingSite(status=404),
        CountingSite(headers=[(b"cache-control", b"private")]),
    ):
        app = ResponseCache(site)
        assert [get(app) for _ in range(2)] == ["answer 1", "answer 2"]


@pytest.fixture
def shared_cache_down(settings) -> None:
    """The shared cache (Redis) refusing connections."""
    location = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}}


@pytest.mark.django_db
def test_with_the_shared_cache_down_reads_are_computed_and_changes_still_commit(shared_cache_down, user):
    catalog_version.bump()  # logged, not raised into the change that bumps
    app = ResponseCache(CountingSite())
    assert [get(app) for _ in range(2)] == ["answer 1", "answer 2"]
    publish_video(user.account.channels.get())
    assert cached_count(listed_videos()) == 1
