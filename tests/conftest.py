"""Fixtures shared by the whole suite: isolated media folders, an S3 bucket (moto's server), generated clips,
users, the deletion signals received, a headless Chromium."""

import copy
import functools
import inspect
import itertools
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from federation.actors import local as local_actors
from federation.protocol.signatures import generate_keypair
from tests import s3
from tests.api.conftest import ALICE_PASSWORD
from tests.api.conftest import post_form as api_post_form
from tests.browser import CHROMIUM, CHROMIUM_ARGS, RecordedPage
from tests.factories import local_account, video_of
from tests.federation.peer import Peer, running_peer
from tests.media import make_clip
from tests.services import REQUIRED, require_real_services
from videos import object_storage
from videos.models import Account, Video
from videos.services import catalog_version
from videos.signals import account_deleted, channel_deleted, video_deleted

# What makes a test slow: generating clips or encoding with ffmpeg, a live instance (scripts/run, the ASGI
# server, Celery) or the project's commands in another process, Chromium.
SLOW_CALLS = re.compile(
    r"\b(make_clip|start_instance|start_asgi_instance|upload_and_transcode|run_queued_job|encode_ladder)\("
    r'|"ffmpeg"|"manage\.py"|"scripts" / "run"'
)
SLOW_FIXTURES = {"small_clip", "transcoded_video", "browser", "open_page"}


@functools.cache
def _makes_slow_calls(function: Callable, depth: int = 2) -> bool:
    """Whether the function's source makes one of the SLOW_CALLS, or calls a function of its own module that
    does (`depth` helpers deep)."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return False
    if SLOW_CALLS.search(source):
        return True
    helpers = [
        value
        for name, value in getattr(function, "__globals__", {}).items()
        if inspect.isfunction(value)
        and value is not function
        and value.__module__ == function.__module__
        and re.search(rf"\b{name}\(", source)
    ]
    return depth > 0 and any(_makes_slow_calls(helper, depth - 1) for helper in helpers)


def _is_slow(item: pytest.Function) -> bool:
    """Whether the test, or any fixture it uses, is among SLOW_FIXTURES or makes one of the SLOW_CALLS."""
    if SLOW_FIXTURES & set(item.fixturenames) or item.get_closest_marker("browser"):
        return True
    fixtures = [
        definition.func for definitions in item._fixtureinfo.name2fixturedefs.values() for definition in definitions
    ]
    return any(_makes_slow_calls(function) for function in [item.function, *fixtures])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark slow tests, so that `pytest -m "not slow and not integration"` is the fast tier."""
    for item in items:
        if isinstance(item, pytest.Function) and _is_slow(item):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (SIDEWAYS_REQUIRE_SERVICES=1) an integration test may not be skipped: that is a failure."""
    outcome = yield
    report = outcome.get_result()
    expected_failure = hasattr(report, "wasxfail")  # an xfail is reported as skipped; it is no missing service
    if REQUIRED and report.skipped and not expected_failure and item.get_closest_marker("integration"):
        report.outcome = "failed"
        report.longrepr = f"integration test skipped in CI: {report.longrepr}"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """A cheap hasher: Django's default spends a good part of a second of CPU on every password set or
    checked, and most tests make users and log them in. Live instances keep the real one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@functools.cache
def _pooled_keypair(number: int) -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture(autouse=True)
def pooled_actor_keys(monkeypatch) -> None:
    """Our actors take their key pairs from a pool made once per run, each test from its start (so the actors
    of one test have distinct keys): making an RSA pair costs a tenth of a second of CPU, and federation tests
    make dozens of actors. generate_keypair itself is tested in tests/federation/test_signatures.py."""
    numbers = itertools.count()
    monkeypatch.setattr(local_actors, "generate_keypair", lambda: _pooled_keypair(next(numbers)))


@pytest.fixture(autouse=True)
def changes_move_the_catalogue_at_once(monkeypatch) -> None:
    """A test's transaction never commits, so the catalogue's version would never move after its changes
    and cached totals would stay as first counted: each change bumps it at once, as its commit would."""
    monkeypatch.setattr(catalog_version, "bump_after_commit", catalog_version.bump)


@pytest.fixture(autouse=True)
def isolated_media(settings, tmp_path: Path) -> Path:
    """Each test gets its own media, originals and upload folders, and its own cache."""
    data = tmp_path / "data"
    settings.MEDIA_ROOT = data / "media"
    settings.ORIGINALS_DIR = data / "originals"
    settings.UPLOAD_TMP_DIR = data / "tmp"
    settings.FILE_UPLOAD_TEMP_DIR = str(data / "tmp")
    for folder in (settings.MEDIA_ROOT, settings.ORIGINALS_DIR, settings.UPLOAD_TMP_DIR):
        Path(folder).mkdir(parents=True)
    settings.SIDEWAYS_URL = "http://testserver"
    settings.INSTANCE_HOST = "testserver"
    # A fresh cache too: view counting and rate windows must not remember another test (or run).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(data)}}
    return data


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server, started once per run by the first test that needs it."""
    with s3.s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(settings, s3_endpoint: str) -> Iterator[s3.Bucket]:
    """Object storage configured as an admin would, on one new bucket with the default prefixes."""
    name = s3.new_bucket(s3_endpoint)
    config = copy.deepcopy(settings.OBJECT_STORAGE)
    config.update(endpoint=s3_endpoint, access_key=s3.KEYS["aws_access_key_id"])
    config.update(secret_key=s3.KEYS["aws_secret_access_key"], region=s3.REGION)
    for kind in config["buckets"].values():
        kind["bucket"] = name
    settings.OBJECT_STORAGE = config
    object_storage._client.cache_clear()
    yield s3.Bucket(s3_endpoint, name)
    object_storage._client.cache_clear()


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def small_clip(clip_dir: Path) -> Path:
    """3 s, 320x240, 25 fps H.264 + AAC."""
    return make_clip(clip_dir / "small.mp4")


@pytest.fixture
def user(db):
    from tests.factories import make_user

    return make_user("alice")


@pytest.fixture
def transcoded_video(user, small_clip, settings, monkeypatch):
    """A public video, transcoded in-process: its original as a 240p web video (with its torrent) and
    one 144p HLS rendition."""
    from tests.factories import upload_and_transcode
    from transcoding import tasks

    settings.SIDEWAYS_TRANSCODING_RESOLUTIONS = [144]
    monkeypatch.setattr(tasks.transcode_video, "delay", lambda job_id: None)  # run in-process by the helper
    return upload_and_transcode(user, small_clip)


@pytest.fixture
def admin_user(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="root")


@pytest.fixture
def real_services() -> tuple[str, str]:
    """(DATABASE_URL, REDIS_URL) of tier 2; skips outside it, fails in CI when they are missing."""
    return require_real_services()


@pytest.fixture
def received():
    """The domain signals sent, in order, as (signal name, deleted object's name)."""
    events = []
    receivers = {
        "video_deleted": lambda sender, video, url, **kwargs: events.append(("video_deleted", video.name)),
        "channel_deleted": lambda sender, channel, **kwargs: events.append(("channel_deleted", channel.name)),
        "account_deleted": lambda sender, account, **kwargs: events.append(("account_deleted", account.name)),
    }
    signals = {"video_deleted": video_deleted, "channel_deleted": channel_deleted, "account_deleted": account_deleted}
    for name, function in receivers.items():
        signals[name].connect(function, weak=False)
    yield events
    for name, function in receivers.items():
        signals[name].disconnect(function)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium shared by the session; skipped only if Chromium is absent (setup installs it)."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: run scripts/setup --test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser) -> Iterator:
    """Factory: open_page(width=1280, height=800, locale="fr-FR") -> RecordedPage in a fresh context."""
    contexts = []

    def factory(width: int = 1280, height: int = 800, locale: str = "fr-FR") -> RecordedPage:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        recorded = RecordedPage(page=page, context=context)
        page.on("request", lambda request: recorded.requested.append(request.url))
        return recorded

    yield factory
    for context in contexts:
        context.close()


# --- the REST API, through a DRF client and the real token endpoint ---------------------------------


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def local_client(api: APIClient, db) -> dict:
    """The local OAuth client, fetched like peertube-cli does (with the public Host)."""
    response = api.get("/api/v1/oauth-clients/local", HTTP_HOST=settings.INSTANCE_HOST)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def login(api: APIClient, local_client: dict) -> Callable[[str, str], str]:
    """Password grant for (username, password) → access token."""

    def get_token(username: str, password: str) -> str:
        response = api_post_form(
            api,
            "/api/v1/users/token",
            {
                **local_client,
                "grant_type": "password",
                "username": username,
                "password": password,
                "response_type": "code",
                "scope": "upload",
            },
        )
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    return get_token


@pytest.fixture
def alice_token(user, login) -> str:
    return login("alice", ALICE_PASSWORD)


@pytest.fixture
def peer(settings, db) -> Iterator[Peer]:
    """A running fake PeerTube instance; federation may reach 127.0.0.1 for the test."""
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = True
    with running_peer() as running:
        yield running


# --- people and a video for the comments and ratings tests ------------------------------------------


@pytest.fixture
def alice(db) -> Account:
    return local_account("alice")


@pytest.fixture
def bob(db) -> Account:
    return local_account("bob")


@pytest.fixture
def video(alice) -> Video:
    return video_of(alice, "Alice's episode")
