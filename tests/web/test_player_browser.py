"""The player in a real headless Chromium against a live instance (gunicorn): HLS playback with hls.js,
rendition switching, keyboard, views, resume, the transcoding notice, and the embed inside an <iframe>
of another origin. Every page must load nothing from any other origin and set no cookie.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.browser import RecordedPage, fill_upload_form, logged_in_page
from tests.live import ROOT_PASSWORD, free_port, poll, start_instance
from tests.media import make_clip
from tests.web.hls import add_ladder_video, publish, set_progress
from videos.constants import VideoPrivacy

pytestmark = pytest.mark.browser

PLAYER = "document.querySelector('[data-player]').player"
VIDEO = "document.querySelector('[data-player] video')"


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    live = start_instance(tmp_path_factory.mktemp("player-instance"), worker=False)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def ladder(instance, tmp_path_factory):
    return add_ladder_video(instance, tmp_path_factory.mktemp("ladder"))


def _assert_private(recorded: RecordedPage, *origins: str) -> None:
    assert recorded.foreign_requests(*origins) == []
    assert recorded.context.cookies() == []


def _play_past_two_seconds(frame) -> None:
    frame.wait_for_selector(".player.is-ready")
    frame.click(".player-big-play")
    frame.wait_for_function(f"() => {VIDEO}.currentTime > 2", timeout=30_000)


def test_watch_page_plays_hls_and_switches_rendition(open_page, instance, ladder):
    recorded = open_page(locale="en-US")
    page = recorded.page
    page.goto(instance.url + ladder.watch_path)
    assert page.get_attribute(".player-video", "poster").startswith("/lazy-static/previews/")
    _play_past_two_seconds(page)

    assert sorted(page.evaluate(f"{PLAYER}.hls.levels.map(level => level.height)")) == [240, 360]
    labels = page.locator(".player-quality option").all_inner_texts()
    assert labels[0].startswith("Auto") and labels[1:] == ["360p", "240p"]
    _switch_rendition(page)
    page.wait_for_function(f"() => !{VIDEO}.paused && {VIDEO}.currentTime > 3")
    recorded.screenshot("player-watch-desktop")
    _assert_private(recorded, instance.url)


def test_keyboard_speed_views_and_resume(open_page, instance, ladder):
    recorded = open_page(locale="en-US")
    page = recorded.page
    with page.expect_response(lambda response: response.url.endswith("/views"), timeout=30_000) as counted:
        page.goto(instance.url + ladder.watch_path)
        _play_past_two_seconds(page)
    assert counted.value.status == 204
    # Views are written in batches, every few seconds (videos.services.view_counting).
    views = lambda: requests.get(f"{instance.url}/api/v1/videos/{ladder.uuid}", timeout=5).json()["views"]  # noqa: E731
    assert poll(lambda: views() >= 1, 20)

    page.keyboard.press("k")
    assert page.evaluate(f"{VIDEO}.paused")
    page.wait_for_selector('.player-bar [data-action=play][aria-label="Play (k)"]')
    page.keyboard.press("m")
    assert page.evaluate(f"{VIDEO}.muted")
    page.wait_for_selector('[data-action=mute][aria-label="Unmute (m)"]')
    page.keyboard.press("0")
    assert page.evaluate(f"{VIDEO}.currentTime") < 0.5
    page.keyboard.press("l")
    page.wait_for_function(f"() => Math.abs({VIDEO}.currentTime - 10) < 0.5")
    page.select_option(".player-speed", "1.5")
    assert page.evaluate(f"{VIDEO}.playbackRate") == 1.5

    page.keyboard.press("5")  # 50 %
    page.wait_for_function(f"() => Math.abs({VIDEO}.currentTime - 6) < 0.5")
    # Play, then pause: the position is saved on pause. Until the player has handled that pause, the
    # store may still hold a position saved while playing earlier, so wait for each press to land.
    page.keyboard.press("k")
    page.wait_for_selector(".player.is-playing")
    page.keyboard.press("k")
    page.wait_for_selector(".player:not(.is-playing)")
    saved = page.evaluate(f"localStorage.getItem('sideways:resume:{ladder.uuid}')")
    assert 6 <= int(saved) <= 7
    page.reload()
    page.wait_for_selector(".player.is-ready")
    page.click(".player-big-play")
    page.wait_for_function(f"() => {VIDEO}.currentTime >= 6")
    _assert_private(recorded, instance.url)


def test_play_pressed_before_hls_js_arrives_still_plays(open_page, instance, ladder):
    """On a slow link the controls show before hls.js has loaded; pressing play then must not be lost."""
    recorded = open_page(locale="en-US")
    page = recorded.page
    held = []
    page.route("**/hls.min.js", lambda route: held.append(route))
    page.goto(instance.url + ladder.watch_path, wait_until="domcontentloaded")  # "load" waits for hls.js
    page.wait_for_selector(".player.is-ready")
    page.click(".player-big-play")
    for _ in range(500):
        if held:
            break
        page.wait_for_timeout(20)
    assert held and page.evaluate("window.Hls === undefined")
    held[0].continue_()
    page.wait_for_function(f"() => {VIDEO}.currentTime > 2", timeout=30_000)


def test_share_dialog(open_page, instance, ladder):
    recorded = open_page(locale="en-US")
    page = recorded.page
    page.goto(instance.url + ladder.watch_path)
    page.click(".share-open")
    dialog = page.locator(".share-dialog")
    assert dialog.is_visible()
    watch_url, embed_url = instance.url + ladder.watch_path, instance.url + ladder.embed_path
    assert page.input_value(".share-link") == watch_url
    code = page.input_value(".share-embed")
    assert code.startswith('<iframe title="Ladder &lt;test&gt; &amp; co" width="560" height="315"')
    assert f'src="{embed_url}"' in code

    page.fill(".share-start-time", "1:30")
    assert page.is_checked(".share-start-enabled")
    assert page.input_value(".share-link") == f"{watch_url}?start=1m30s"
    assert f'src="{embed_url}?start=1m30s"' in page.input_value(".share-embed")
    page.uncheck(".share-start-enabled")
    assert page.input_value(".share-link") == watch_url

    page.click(".share-copy[data-copy='.share-link']")
    page.wait_for_selector(".share-copy:has-text('Copied')")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    _assert_private(recorded, instance.url)


def test_start_at_from_the_url(open_page, instance, ladder):
    recorded = open_page(locale="en-US")
    page = recorded.page
    page.goto(f"{instance.url}{ladder.watch_path}?start=0m7s")
    page.wait_for_selector(".player.is-ready")
    page.click(".player-big-play")
    page.wait_for_function(f"() => {VIDEO}.currentTime >= 7", timeout=20_000)


def test_phone_width_controls_fit(open_page, instance, ladder):
    recorded = open_page(width=360, height=740, locale="fr-FR")
    page = recorded.page
    page.goto(instance.url + ladder.watch_path)
    _play_past_two_seconds(page)
    for selector in (".player", ".player-bar"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, selector
    assert page.evaluate(
        "(() => { const bar = document.querySelector('.player-bar'); return bar.scrollWidth <= bar.clientWidth; })()"
    )
    recorded.screenshot("player-watch-phone")
    _assert_private(recorded, instance.url)


def test_transcoding_progress_then_playback(open_page, instance, tmp_path):
    video = add_ladder_video(instance, tmp_path, name="Not ready yet", published=False, progress=42)
    recorded = open_page(locale="en-US")
    page = recorded.page
    page.goto(instance.url + video.watch_path)
    status = page.locator(".player-status")
    assert "Transcoding 42 %" in status.inner_text()
    assert page.evaluate("document.querySelector('.player-status-progress').value") == 42
    publish(instance, video)
    page.wait_for_selector(".player.is-ready", timeout=15_000)
    assert status.is_hidden()
    _play_past_two_seconds(page)
    _assert_private(recorded, instance.url)


def test_rungs_published_later_join_the_menu(open_page, instance, tmp_path):
    """The pipeline publishes the lowest rung first: a viewer already watching gets the others as they land."""
    video = add_ladder_video(instance, tmp_path, name="Rung by rung", published=False)
    publish(instance, video, heights=(240,), progress=50)
    recorded = open_page(locale="en-US")
    page = recorded.page
    page.goto(instance.url + video.watch_path)
    _play_past_two_seconds(page)
    assert page.evaluate(f"{PLAYER}.hls.levels.length") == 1
    assert page.is_hidden(".player-quality")
    publish(instance, video)
    page.wait_for_function(f"() => {PLAYER}.hls.levels.length === 2", timeout=15_000)
    page.wait_for_function(f"() => !{VIDEO}.paused && {VIDEO}.currentTime > 2.5")
    _switch_rendition(page)
    _assert_private(recorded, instance.url)


def test_owner_follows_the_progress_of_a_private_video(open_page, instance, tmp_path):
    """The API ignores the site session, so the player follows a private video through its own page."""
    video = add_ladder_video(
        instance, tmp_path, name="Private rushes", published=False, progress=10, privacy=VideoPrivacy.PRIVATE
    )
    recorded = open_page(locale="en-US")
    page = recorded.page
    page.goto(instance.url + "/login")
    page.fill("main input[name=username]", "root")
    page.fill("main input[name=password]", ROOT_PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(instance.url + video.watch_path)
    assert "Transcoding 10 %" in page.locator(".player-status").inner_text()
    set_progress(instance, video, 70)
    page.wait_for_selector(".player-status:has-text('Transcoding 70 %')", timeout=15_000)
    publish(instance, video)
    _play_past_two_seconds(page)
    assert recorded.foreign_requests(instance.url) == []


def test_failed_transcoding_says_so(open_page, instance, tmp_path):
    video = add_ladder_video(instance, tmp_path, name="Broken upload", published=False)
    instance.manage(
        "shell", "-c", f"from videos.models import Video; Video.objects.filter(uuid='{video.uuid}').update(state=7)"
    )
    recorded = open_page(locale="en-US")
    recorded.page.goto(instance.url + video.watch_path)
    assert "could not be prepared" in recorded.page.locator(".player-status").inner_text()


@pytest.fixture
def other_origin(tmp_path: Path):
    """A page on another local port (another origin) that embeds our player in an <iframe>."""
    port = free_port()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


def test_embed_plays_in_an_iframe_of_another_origin(open_page, instance, ladder, other_origin):
    folder, origin = other_origin
    (folder / "index.html").write_text(
        f'<!doctype html><title>Blog</title><iframe width="560" height="315" allow="autoplay; fullscreen" '
        f'src="{instance.url}{ladder.embed_path}?autoplay=1&amp;muted=1&amp;loop=1"></iframe>'
    )
    recorded = open_page(locale="en-US")
    page = recorded.page
    page.goto(origin + "/index.html")
    page.frame_locator("iframe").locator(".player.is-playing").wait_for()  # autoplay, no click
    embedded = next(f for f in page.frames if f.url.startswith(instance.url))
    embedded.wait_for_function(f"() => {VIDEO}.currentTime > 2", timeout=30_000)
    assert embedded.evaluate(f"{VIDEO}.muted") and embedded.evaluate(f"{VIDEO}.loop")
    assert embedded.evaluate(f"{PLAYER}.hls.levels.length") == 2
    recorded.screenshot("player-embed-other-origin")
    _assert_private(recorded, instance.url, origin)


def _switch_rendition(page) -> None:
    playing = page.evaluate(f"{PLAYER}.hls.currentLevel")
    target = 1 - playing
    page.select_option(".player-quality", str(target))
    page.wait_for_function(f"() => {PLAYER}.hls.currentLevel === {target}", timeout=20_000)


def test_upload_transcode_then_play_and_switch(open_page, tmp_path):
    """Issue 5's first acceptance, end to end: the web upload form, the real Celery worker and pipeline,
    the watch page following the transcoding, then playback and a rendition switch."""
    instance = start_instance(tmp_path / "instance", extra_env={"SIDEWAYS_TRANSCODING_RESOLUTIONS": "360,240"})
    try:
        # A keyframe every second: the worker encodes the ladder in two time slices cut near 5 s.
        clip = make_clip(tmp_path / "pilot.mp4", width=640, height=360, duration=10, extra=["-g", "25"])
        recorded = logged_in_page(open_page, instance)
        page = recorded.page
        fill_upload_form(page, instance, clip, "Pilot episode")
        page.click("#upload-form button[type=submit]")
        page.wait_for_url(re.compile(r"/w/[1-9A-HJ-NP-Za-km-z]+$"), timeout=60_000)
        page.wait_for_selector(".player.is-ready", timeout=180_000)  # the player followed the transcoding

        # Rungs are published one by one: wait for the whole ladder, then watch it from the start.
        api = instance.url + "/api/v1/videos/" + page.url.rsplit("/", 1)[1]
        deadline = time.monotonic() + 180
        while len(requests.get(api, timeout=5).json()["streamingPlaylists"][0]["files"]) < 2:
            assert time.monotonic() < deadline, "the second rung never came"
            time.sleep(1)
        page.reload()
        _play_past_two_seconds(page)
        _switch_rendition(page)
        page.wait_for_function(f"() => {VIDEO}.currentTime > 6", timeout=30_000)  # across the cut
        assert recorded.foreign_requests(instance.url) == []
    finally:
        instance.stop()
