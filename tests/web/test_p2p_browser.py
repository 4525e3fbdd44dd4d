"""P2P between real browsers: three headless Chromium viewers of the same 30 s video over loopback WebRTC,
meeting through the instance's own tracker and STUN responder (uvicorn serving sideways.asgi).

The later viewers must get a good share of their bytes from the earlier ones, every segment from a
peer checked against segments-sha256.json; a viewer who turned P2P off (one click, before playing)
neither receives nor gives a byte, and nothing ever goes to another origin.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.browser import RecordedPage
from tests.live import LiveInstance, free_port
from tests.media import make_clip
from tests.tracker.asgi import start_asgi_instance
from tests.web.hls import CREATE_VIDEO, PUBLISH_LADDER, encode_rung, master_playlist
from transcoding.hls import segment_hashes

pytestmark = pytest.mark.browser

PLAYER = "document.querySelector('[data-player]').player"
VIDEO = "document.querySelector('[data-player] video')"
DURATION = 30

SET_SHA256 = """
import json
from videos.models import StreamingPlaylist
spec = json.loads(SPEC)
StreamingPlaylist.objects.filter(video__uuid=spec["uuid"]).update(segments_sha256_filename=spec["sha256"])
"""


def _manage(instance: LiveInstance, code: str, spec: dict) -> str:
    return instance.manage("shell", "-c", code.replace("SPEC", repr(json.dumps(spec)))).stdout


def add_shared_video(instance: LiveInstance, workdir: Path) -> str:
    """A public 30 s video with one 360p rendition (2 s segments) and its segments-sha256.json; its watch path."""
    video_uuid = str(uuid.uuid4())
    clip = make_clip(workdir / "clip.mp4", width=640, height=360, duration=DURATION)
    folder = instance.data_dir / "media" / "streaming-playlists" / "hls" / video_uuid
    folder.mkdir(parents=True)
    rung = encode_rung(clip, folder, 360)
    master, sha256 = f"{uuid.uuid4()}-master.m3u8", f"{uuid.uuid4()}-segments-sha256.json"
    (folder / master).write_text(master_playlist([rung]))
    hashes = segment_hashes(folder / rung["playlist_filename"], folder / rung["filename"])
    (folder / sha256).write_text(json.dumps({rung["filename"]: hashes}))
    spec = {
        "name": "Shared",
        "description": "",
        "duration": DURATION,
        "uuid": video_uuid,
        "master": master,
        "preview": "",
        "rungs": [rung],
        "state": 2,
        "progress": None,
        "privacy": 1,
        "sha256": sha256,
    }
    short_uuid = _manage(instance, CREATE_VIDEO, spec).strip().splitlines()[-1]
    _manage(instance, PUBLISH_LADDER, spec)
    _manage(instance, SET_SHA256, spec)
    return f"/w/{short_uuid}"


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    stun = free_port()
    live = start_asgi_instance(
        tmp_path_factory.mktemp("p2p-instance"),
        extra_env={"SIDEWAYS_STUN_LISTEN": f"127.0.0.1:{stun}", "SIDEWAYS_STUN_URLS": f"stun:127.0.0.1:{stun}"},
    )
    yield live
    live.stop()


def wrong_hashes(route) -> None:
    """Serves the video's segments-sha256.json with every hash altered, as if every peer sent bad data."""
    response = route.fetch()
    hashes = {name: {span: "0" * 64 for span in spans} for name, spans in response.json().items()}
    route.fulfill(response=response, json=hashes)


def viewer(browser, url: str, *, p2p_off: bool = False, bad_hashes: bool = False) -> RecordedPage:
    """A viewer in their own browser context, playing the video (after turning P2P off, if asked)."""
    context = browser.new_context(locale="en-US")
    recorded = RecordedPage(page=context.new_page(), context=context)
    page = recorded.page
    if bad_hashes:
        page.route("**/*-segments-sha256.json", wrong_hashes)
    page.on("request", lambda request: recorded.requested.append(request.url))
    page.on("websocket", lambda socket: recorded.requested.append(socket.url))
    page.goto(url)
    page.wait_for_selector(".player.is-ready")
    assert "shows your IP address" in page.inner_text(".player-p2p-notice")
    if p2p_off:
        page.click(".player-p2p-toggle")
        assert page.inner_text(".player-p2p-state") == "P2P is off: everything comes from this instance."
        assert page.inner_text(".player-p2p-toggle") == "Turn P2P on"
    page.click(".player-big-play")
    return recorded


def figures(recorded: RecordedPage) -> dict:
    """The player's P2P counters, its peers, and the media bytes it fetched over HTTP (Resource Timing)."""
    return recorded.page.evaluate(f"""() => ({{
        ...{PLAYER}.p2p.stats, peers: {PLAYER}.p2p.peers.size,
        httpMedia: performance.getEntriesByType("resource").filter(entry => entry.name.endsWith("-fragmented.mp4"))
            .reduce((sum, entry) => sum + entry.encodedBodySize, 0),
        buffered: {VIDEO}.buffered.length ? {VIDEO}.buffered.end({VIDEO}.buffered.length - 1) : 0,
    }})""")


def wait_for(recorded: RecordedPage, condition: str, timeout: float = 90) -> dict:
    """Waits for a JavaScript condition on the viewer's page; its P2P figures (printed when it never comes)."""
    try:
        recorded.page.wait_for_function(f"() => {condition}", timeout=timeout * 1000, polling=500)
    except Exception:
        print("gave up waiting:", figures(recorded))
        raise
    return figures(recorded)


def close(recorded: RecordedPage, instance) -> None:
    """Nothing went to another origin and no cookie was set."""
    assert recorded.foreign_requests(instance.url, instance.url.replace("http://", "ws://")) == []
    assert recorded.context.cookies() == []
    recorded.context.close()


@pytest.fixture(scope="module")
def shared_url(instance, tmp_path_factory) -> str:
    return instance.url + add_shared_video(instance, tmp_path_factory.mktemp("shared"))


def test_later_viewers_get_their_bytes_from_the_earlier_ones(browser, instance, shared_url):
    first = viewer(browser, shared_url)
    # Playing at normal speed, the first viewer holds the first ~25 s when the others arrive.
    wait_for(first, f"{VIDEO}.currentTime > 18")
    later = [viewer(browser, shared_url), viewer(browser, shared_url)]
    try:
        for recorded in later:
            stats = wait_for(recorded, f"{VIDEO}.buffered.length && {VIDEO}.buffered.end(0) > {DURATION - 1}")
            share = stats["fromPeers"] / (stats["fromPeers"] + stats["httpMedia"])
            print(f"later viewer: {share:.0%} of its media bytes from peers ({stats})")
            assert share > 0.30
            # Every segment taken from a peer passed the SHA-256 check first; none was refused.
            assert stats["segmentsFromPeers"] > 0 and stats["segmentsRejected"] == 0
            assert stats["segmentsChecked"] == stats["segmentsFromPeers"]
        assert "received from them" in later[0].page.inner_text(".player-p2p-state")
        assert figures(first)["shared"] > 0
    finally:
        for recorded in (first, *later):
            close(recorded, instance)


def test_a_viewer_who_turns_p2p_off_neither_receives_nor_gives(browser, instance, shared_url):
    sharing = [viewer(browser, shared_url), viewer(browser, shared_url)]
    wait_for(sharing[1], f"{PLAYER}.p2p.peers.size > 0")  # the two sharing viewers found each other

    off = viewer(browser, shared_url, p2p_off=True)
    stats = wait_for(off, f"{VIDEO}.currentTime > 6")
    print(f"P2P off: {stats}")
    assert stats["fromPeers"] == 0 and stats["shared"] == 0 and stats["peers"] == 0 and stats["httpMedia"] > 0
    assert off.page.evaluate("localStorage.getItem('sideways:p2p:off')") == "1"
    # It never met the tracker, so no other viewer could learn its address or take a byte from it.
    assert not [address for address in off.requested if address.startswith("ws")]
    for recorded in (*sharing, off):
        close(recorded, instance)


def test_a_segment_failing_its_hash_check_is_fetched_over_http_instead(browser, instance, shared_url):
    first = viewer(browser, shared_url)
    wait_for(first, f"{VIDEO}.currentTime > 10")
    # To this viewer every segment from a peer looks wrong: each is refused, and fetched again over HTTP
    # (p2p-media-loader 2.2.2 alone would retry that segment for ever: scripts/bundle-p2p.mjs).
    suspicious = viewer(browser, shared_url, bad_hashes=True)
    stats = wait_for(suspicious, f"{VIDEO}.buffered.length && {VIDEO}.buffered.end(0) > {DURATION - 1}")
    print(f"viewer refusing every segment from peers: {stats}")
    assert stats["segmentsRejected"] > 0 and stats["segmentsFromPeers"] == 0
    assert stats["httpMedia"] > 0
    for recorded in (first, suspicious):
        close(recorded, instance)
