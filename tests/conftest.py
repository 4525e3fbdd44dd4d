"""Fixtures shared by the whole suite: isolated media folders, generated clips, users, live instances."""
from pathlib import Path

import pytest

from tests.browser import browser, open_page  # noqa: F401 (fixtures for the web UI tests)
from tests.media import make_clip
from tests.services import REQUIRED, require_real_services


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (SIDEWAYS_REQUIRE_SERVICES=1) an integration test may not be skipped: that is a failure."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRED and report.skipped and item.get_closest_marker("integration"):
        report.outcome = "failed"
        report.longrepr = f"integration test skipped in CI: {report.longrepr}"


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
    # A fresh cache too: view counting and rate windows must not remember another test (or run).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(data)}}
    return data


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def small_clip(clip_dir: Path) -> Path:
    """3 s, 320x240, 25 fps H.264 + AAC."""
    return make_clip(clip_dir / "small.mp4")


@pytest.fixture
def user(db):
    from videos.services.accounts import create_local_user

    return create_local_user("alice", "alice-password-1")


@pytest.fixture
def transcoded_video(user, small_clip, settings, monkeypatch):
    """A public video, transcoded in-process: its original as a 240p web video (with its torrent) and
    one 144p HLS rendition."""
    from tests.transcoding.test_pipeline import upload_and_transcode
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
