"""Issue 2's acceptance in a real headless Chromium against a live instance (gunicorn + Celery worker):
the admin logs in through /login, uploads the clip with the progress bar and lands on the watch page;
a text file renamed .mp4 is refused with a clear message and leaves nothing behind.
Screenshots of the home and watch pages at phone and desktop widths go to test-artifacts/.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.browser import fill_upload_form, log_in, logged_in_page
from tests.live import start_instance

pytestmark = pytest.mark.browser

# Keeps every value the upload percentage shows, across the navigation to the watch page.
RECORD_PROGRESS = """
document.addEventListener("DOMContentLoaded", () => {
  const output = document.getElementById("upload-percent");
  if (!output) return;
  new MutationObserver(() => {
    const seen = JSON.parse(sessionStorage.getItem("progress") || "[]");
    seen.push({text: output.textContent, visible: !document.getElementById("upload-progress").hidden});
    sessionStorage.setItem("progress", JSON.stringify(seen));
  }).observe(output, {childList: true, characterData: true, subtree: true});
});
"""


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    live = start_instance(tmp_path_factory.mktemp("web-upload") / "instance")
    yield live
    live.stop()


def _video_count(instance, name: str) -> int:
    code = f"from videos.models import Video; print(Video.objects.filter(name={name!r}).count())"
    return int(instance.manage("shell", "--no-imports", "-c", code).stdout.strip())


def _files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def test_admin_uploads_the_clip_with_a_progress_bar(open_page, instance, small_clip):
    recorded = logged_in_page(open_page, instance)
    page = recorded.page
    page.add_init_script(RECORD_PROGRESS)
    fill_upload_form(page, instance, small_clip, "Épisode pilote")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/w/[1-9A-HJ-NP-Za-km-z]+$"), timeout=60_000)

    progress = page.evaluate("JSON.parse(sessionStorage.getItem('progress') || '[]')")
    assert progress and all(step["visible"] for step in progress)
    assert progress[-1]["text"] == "100 %"
    assert page.inner_text("h1") == "Épisode pilote"
    assert page.locator('a[href="/videos/tags/paris"]').count() == 1
    assert _video_count(instance, "Épisode pilote") == 1

    # "My videos" follows the transcoding without a reload, until the video is published.
    page.goto(f"{instance.url}/my-library/videos")
    page.wait_for_selector("[data-state-of]:not([data-transcoding])", timeout=180_000)
    assert page.inner_text("[data-state-of]") == "Publiée"

    deadline = time.monotonic() + 60  # published, so listed
    while "Épisode pilote" not in page.content() or page.url != f"{instance.url}/":
        assert time.monotonic() < deadline, "the video never appeared on the home page"
        time.sleep(1)
        page.goto(f"{instance.url}/")
    watch_path = page.get_attribute(".card-title a", "href")

    for width in (360, 1280):
        viewer = open_page(width=width, height=800)
        viewer.page.goto(f"{instance.url}/")
        viewer.screenshot(f"home-{width}")
        viewer.page.goto(f"{instance.url}{watch_path}")
        assert viewer.page.inner_text("h1") == "Épisode pilote"
        viewer.screenshot(f"watch-{width}")
        assert viewer.page.evaluate("document.documentElement.scrollWidth") <= width  # nothing overflows
        assert viewer.context.cookies() == []


def test_text_file_renamed_mp4_is_refused_and_leaves_nothing(open_page, instance, tmp_path):
    fake = tmp_path / "episode.mp4"
    fake.write_text("Ceci est un texte, pas une vidéo.\n" * 200)
    originals_before = _files_under(instance.data_dir / "originals")
    page = logged_in_page(open_page, instance).page
    fill_upload_form(page, instance, fake, "Faux fichier")
    page.click("#upload-form button[type=submit]")

    error = page.locator("#upload-errors .error")
    error.wait_for(timeout=30_000)
    assert "ne peut pas être utilisé comme vidéo" in error.inner_text()
    assert page.url == f"{instance.url}/videos/upload"
    assert _video_count(instance, "Faux fichier") == 0
    assert _files_under(instance.data_dir / "originals") == originals_before
    assert _files_under(instance.data_dir / "tmp") == []


def test_over_size_file_is_refused_in_the_browser(open_page, instance, small_clip):
    page = logged_in_page(open_page, instance).page
    page.goto(f"{instance.url}/videos/upload")
    page.evaluate("document.getElementById('upload-form').dataset.maxSize = '10'")
    page.set_input_files("#id_videofile", str(small_clip))
    page.fill("#id_name", "Trop gros")
    page.click("#upload-form button[type=submit]")
    assert "trop gros" in page.locator("#upload-errors .error").inner_text()
    assert _video_count(instance, "Trop gros") == 0


def test_plain_form_post_works_without_javascript(browser, instance, small_clip):
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    try:
        page = context.new_page()
        log_in(page, instance)
        fill_upload_form(page, instance, small_clip, "Sans JavaScript")
        page.click("#upload-form button[type=submit]")
        page.wait_for_url(re.compile(r"/w/[1-9A-HJ-NP-Za-km-z]+$"), timeout=60_000)
        assert page.inner_text("h1") == "Sans JavaScript"
    finally:
        context.close()
