"""Peers' mirrors in a real browser: a viewer of our video that another instance mirrors gets part of its
segments from the mirror, each checked against segments-sha256.json; a mirror that is down or serves other
bytes is left out and the video plays from us. The mirror is a small HTTP server in the test (byte ranges,
CORS; tests.web.remote) serving a copy of the video's HLS folder, registered as a peer's CacheFile row.
"""

from __future__ import annotations

import shutil

import pytest

from tests.browser import RecordedPage, origin
from tests.tracker.asgi import start_asgi_instance
from tests.web.remote import OriginServer
from tests.web.test_p2p_browser import DURATION, PLAYER, VIDEO, _manage, add_shared_video

pytestmark = pytest.mark.browser

ADD_MIRROR = """
import json
from videos.models import StreamingPlaylist, VideoRedundancy
spec = json.loads(SPEC)
playlist = StreamingPlaylist.objects.get(video__uuid=spec["uuid"])
VideoRedundancy.objects.create(
    playlist=playlist, url=spec["mirror"] + "/redundancy/1", base_url=spec["base_url"], actor_url=spec["mirror"] + "/accounts/peertube"
)
"""


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory):
    """An instance, its public video's watch URL, and a running copy of the video's HLS folder registered as
    a peer's mirror of it."""
    instance = start_asgi_instance(tmp_path_factory.mktemp("mirrors-instance"))
    watch_path = add_shared_video(instance, tmp_path_factory.mktemp("mirrored"))
    folder = next((instance.data_dir / "media" / "streaming-playlists" / "hls").iterdir())
    root = tmp_path_factory.mktemp("mirror-instance")
    shutil.copytree(folder, root / "static" / "redundancy" / "hls" / folder.name)
    mirror = OriginServer(root)
    base_url = f"{mirror.url}/static/redundancy/hls/{folder.name}"
    _manage(instance, ADD_MIRROR, {"uuid": folder.name, "mirror": mirror.url, "base_url": base_url})
    yield instance, instance.url + watch_path, mirror
    mirror.stop()
    instance.stop()


def play(browser, url: str) -> RecordedPage:
    context = browser.new_context(locale="fr-FR")
    recorded = RecordedPage(page=context.new_page(), context=context)
    recorded.page.on("request", lambda request: recorded.requested.append(request.url))
    recorded.page.goto(url)
    recorded.page.wait_for_selector(".player.is-ready")
    recorded.page.click(".player-big-play")
    return recorded


def played_to_the_end(recorded: RecordedPage) -> dict:
    """Waits until the whole video is buffered and played a few seconds; the player's counters."""
    condition = f"{VIDEO}.buffered.length && {VIDEO}.buffered.end(0) > {DURATION - 1} && {VIDEO}.currentTime > 3"
    recorded.page.wait_for_function(f"() => {condition}", timeout=90_000, polling=500)
    return recorded.page.evaluate(f"() => ({{...{PLAYER}.mirrors.stats, checked: {PLAYER}.mirrors.segments.checked}})")


def segment_requests(recorded: RecordedPage, place: str) -> int:
    return sum(1 for url in recorded.requested if url.endswith("-fragmented.mp4") and origin(url) == place)


def test_viewers_get_part_of_the_segments_from_a_live_mirror_and_all_from_us_without_it(browser, mirrored):
    instance, url, mirror = mirrored
    response = browser.new_context().request.get(url)
    policy = response.headers["content-security-policy"]
    assert f"connect-src 'self' {mirror.url}" in policy and f"media-src 'self' blob: {mirror.url}" in policy

    viewer = play(browser, url)
    notice = viewer.page.inner_text(".player-mirrors-notice")
    assert "votre adresse IP" in notice and mirror.url.removeprefix("http://") in notice
    stats = played_to_the_end(viewer)
    from_mirror, from_us = segment_requests(viewer, mirror.url), segment_requests(viewer, instance.url)
    share = from_mirror / (from_mirror + from_us)
    print(f"segments from the mirror: {from_mirror} of {from_mirror + from_us} ({share:.0%}); player: {stats}")
    assert share > 0 and len([path for path in mirror.requested if path.endswith("-fragmented.mp4")]) == from_mirror
    assert stats["fromMirrors"] == from_mirror and stats["mirrorFailures"] == 0
    assert stats["checked"] >= from_mirror  # every mirror segment went through the hash check
    assert viewer.foreign_requests(instance.url, instance.url.replace("http://", "ws://"), mirror.url) == []
    viewer.context.close()

    for segments in mirror.root.glob("static/redundancy/hls/*/*-fragmented.mp4"):
        segments.write_bytes(segments.read_bytes().translate(bytes(255 - byte for byte in range(256))))
    viewer = play(browser, url)
    stats = played_to_the_end(viewer)
    print(f"mirror serving other bytes: {stats}")
    assert stats["fromMirrors"] == 0 and stats["mirrorFailures"] == 1
    assert viewer.page.evaluate(f"() => {PLAYER}.mirrors.segments.rejected") == 1
    viewer.context.close()

    mirror.stop()
    viewer = play(browser, url)
    stats = played_to_the_end(viewer)
    print(f"mirror stopped: {stats}")
    assert stats["fromMirrors"] == 0 and stats["mirrorFailures"] == 1 and stats["fromUs"] > 1
    viewer.context.close()


def test_the_admin_setting_keeps_viewers_away_from_mirrors(browser, tmp_path_factory):
    live = start_asgi_instance(
        tmp_path_factory.mktemp("no-mirrors-instance"), extra_env={"SIDEWAYS_REDUNDANCY_SERVE_VIEWERS": "0"}
    )
    try:
        watch_path = add_shared_video(live, tmp_path_factory.mktemp("kept"))
        video_uuid = next((live.data_dir / "media" / "streaming-playlists" / "hls").iterdir()).name
        base = f"http://127.0.0.1:9/static/redundancy/hls/{video_uuid}"
        _manage(live, ADD_MIRROR, {"uuid": video_uuid, "mirror": "http://127.0.0.1:9", "base_url": base})
        response = browser.new_context().request.get(live.url + watch_path)
        assert "127.0.0.1:9" not in response.headers["content-security-policy"]
        assert "data-mirrors" not in response.text() and "player-mirrors-notice" not in response.text()
        viewer = play(browser, live.url + watch_path)
        played_to_the_end(viewer)
        assert viewer.foreign_requests(live.url, live.url.replace("http://", "ws://")) == []
        viewer.context.close()
    finally:
        live.stop()
