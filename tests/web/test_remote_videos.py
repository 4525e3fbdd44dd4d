"""Videos of the instances we follow on our pages: listed apart on the home page, marked with their host,
played through our media proxy (no page lets the browser reach another origin), described by the API
with the proxy's URLs. The browser test plays one from a second real HTTP server."""

import json
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import HLS_PREFIX, create_remote_video, make_video
from tests.live import start_instance
from tests.media import make_clip, still_frame
from tests.web.hls import RUNGS, encode_rung, master_playlist
from tests.web.remote import OriginServer
from videos.models import Video
from videos.storage import REMOTE_HLS_PREFIX

PEER = "http://peer.example:8000"
RUNG = {"resolution": 360, "width": 640, "height": 360, "fps": 25, "size": 1000, "filename": "a-360-fragmented.mp4"}


def _csp(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    pairs = (part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return {name: sources for name, sources in pairs}


@pytest.fixture
def remote(db):
    return create_remote_video(PEER, name="Remote river", rungs=[RUNG], preview="remote-preview.jpg")


@pytest.fixture
def local(user):
    return make_video(user.account.channels.get(), "Local lake")


def test_home_lists_followed_instance_videos_in_their_own_section(client, remote, local):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html[html.index('class="followed"') :]
    assert "From instances we follow" in section
    assert "Remote river" in section and "Local lake" not in section
    assert "from peer.example:8000" in section  # the host under the channel name
    assert 'href="/c/peer_channel@peer.example:8000"' in section
    assert "Remote river" in client.get("/c/peer_channel@peer.example:8000").content.decode()
    assert 'src="/lazy-static/thumbnails/remote-preview.jpg"' in section  # our copy, never the origin's
    followed = client.get("/videos/followed").content.decode()
    assert "Remote river" in followed and "Local lake" not in followed
    local_tab = client.get("/videos/local").content.decode()
    assert "Local lake" in local_tab and "Remote river" not in local_tab
    for number in range(24):
        make_video(local.channel, f"Local {number}")
    assert 'class="followed"' not in client.get("/?page=2").content.decode()  # only above the first page


def test_home_without_followed_videos_has_no_empty_section(client, local):
    assert 'class="followed"' not in client.get("/").content.decode()


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_home_queries_do_not_grow_with_followed_videos(client, remote, local):
    few = _home_queries(client)
    for number in range(12):
        create_remote_video(PEER, name=f"Remote {number}", rungs=[RUNG])
    assert _home_queries(client) == few <= 3


def test_remote_watch_page_plays_through_our_proxy_and_keeps_the_csp_closed(client, remote):
    response = client.get(f"/w/{remote.short_uuid}", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert f'data-hls-src="{REMOTE_HLS_PREFIX}/{remote.uuid}/master.m3u8"' in html
    assert "from peer.example:8000" in html
    assert f'href="{PEER}/videos/watch/{remote.uuid}"' in html  # the original page, a link the viewer may follow
    assert 'poster="/lazy-static/previews/remote-preview.jpg"' in html
    assert 'class="downloads"' not in html  # our download remuxes files we hold; these are on the origin
    assert "peer.example" not in response.headers["Content-Security-Policy"]


def test_remote_embed_plays_through_our_proxy(client, remote):
    response = client.get(f"/videos/embed/{remote.short_uuid}")
    assert f'data-hls-src="{REMOTE_HLS_PREFIX}/{remote.uuid}/master.m3u8"' in response.content.decode()
    csp = _csp(response)
    assert "peer.example" not in response.headers["Content-Security-Policy"] and csp["frame-ancestors"] == "*"


def test_no_page_allows_another_origin(client, remote, local):
    for url in (
        f"/w/{local.short_uuid}",
        f"/videos/embed/{local.short_uuid}",
        "/",
        "/videos/followed",
        f"/w/{remote.short_uuid}",
        f"/videos/embed/{remote.short_uuid}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "http" not in response.headers["Content-Security-Policy"], url


def test_anonymous_visits_of_remote_pages_set_no_cookie(client, remote):
    for url in ("/", "/videos/followed", f"/w/{remote.short_uuid}", f"/videos/embed/{remote.short_uuid}"):
        assert not client.get(url).cookies, url


def test_api_gives_a_remote_videos_media_through_our_proxy(client, remote):
    body = client.get(f"/api/v1/videos/{remote.uuid}").json()
    folder = f"http://testserver{REMOTE_HLS_PREFIX}/{remote.uuid}"
    playlist = body["streamingPlaylists"][0]
    assert playlist["playlistUrl"] == f"{folder}/master.m3u8"
    assert playlist["segmentsSha256Url"] == f"{folder}/segments-sha256.json"
    file = playlist["files"][0]
    assert file["fileUrl"] == file["fileDownloadUrl"] == f"{folder}/a-360-fragmented.mp4"
    assert "playlistUrl" not in file  # the import knows no rendition playlist of a remote file
    assert body["thumbnailPath"] == "/lazy-static/thumbnails/remote-preview.jpg"
    assert body["isLocal"] is False and body["url"] == f"{PEER}/videos/watch/{remote.uuid}"
    assert body["channel"]["host"] == "peer.example:8000"


def _origin_with_ladder(tmp_path) -> tuple[OriginServer, dict]:
    """A second HTTP server serving a real 2-rung HLS ladder in PeerTube's layout; returns it and the rows' spec."""
    video_uuid = str(uuid.uuid4())
    root = tmp_path / "origin"
    folder = root / HLS_PREFIX.lstrip("/") / video_uuid
    folder.mkdir(parents=True)
    clip = make_clip(tmp_path / "remote.mp4", width=640, height=360, duration=12)
    rungs = [encode_rung(clip, folder, height) for height in RUNGS]
    master = f"{uuid.uuid4()}-master.m3u8"
    (folder / master).write_text(master_playlist(rungs))
    return OriginServer(root), {"video_uuid": video_uuid, "master": master, "rungs": rungs, "clip": str(clip)}


def _add_remote_video(instance, origin: OriginServer, spec: dict) -> str:
    """The rows in the live instance, and the images the import would have copied into our media."""
    preview = f"{uuid.uuid4()}.jpg"
    for folder in ("thumbnails", "previews"):
        (instance.data_dir / "media" / folder).mkdir(parents=True, exist_ok=True)
        still_frame(Path(spec["clip"]), instance.data_dir / "media" / folder / preview)
    arguments = {
        "name": "Remote river",
        "video_uuid": spec["video_uuid"],
        "master": spec["master"],
        "rungs": spec["rungs"],
        "preview": preview,
    }
    code = (
        "import json; from tests.factories import create_remote_video; "
        f"print(create_remote_video({origin.url!r}, **json.loads({json.dumps(arguments)!r})).short_uuid)"
    )
    return instance.manage("shell", "-c", code).stdout.strip().splitlines()[-1]


def _play(recorded, url: str, seconds: float) -> None:
    recorded.page.goto(url)
    recorded.page.wait_for_selector(".player.is-ready")
    recorded.page.click(".player-big-play")
    recorded.page.wait_for_function(
        f"() => document.querySelector('.player-video').currentTime > {seconds}", timeout=30_000
    )


@pytest.mark.browser
def test_chromium_plays_a_remote_video_through_our_proxy_only(open_page, tmp_path):
    """The viewer's browser talks to us alone; our server fetches the origin's files for it."""
    origin, spec = _origin_with_ladder(tmp_path)
    instance = start_instance(tmp_path / "instance", worker=False)
    try:
        short_uuid = _add_remote_video(instance, origin, spec)
        recorded = open_page(locale="en-US")
        violations = []
        recorded.page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        recorded.page.goto(instance.url + "/")
        recorded.page.wait_for_load_state("networkidle")
        assert recorded.page.locator(".followed .card-title", has_text="Remote river").count() == 1
        recorded.screenshot("remote-home-desktop")
        _play(recorded, f"{instance.url}/w/{short_uuid}", 2)
        assert recorded.page.get_by_text(f"from {origin.url.removeprefix('http://')}").count() == 1
        recorded.screenshot("remote-watch-desktop")
        _play(recorded, f"{instance.url}/videos/embed/{short_uuid}", 1)

        assert recorded.foreign_requests(instance.url) == []
        assert violations == []
        asked = set(origin.requested)
        folder = f"{HLS_PREFIX}/{spec['video_uuid']}"
        assert f"{folder}/{spec['master']}" in asked
        assert {f"{folder}/{rung['filename']}" for rung in spec["rungs"]} & asked  # fragments via the proxy
        assert not any("preview" in path or path.endswith(".jpg") for path in asked)  # images stay ours
    finally:
        instance.stop()
        origin.stop()


def test_a_remote_channels_podcast_points_at_the_proxied_master(client, remote):
    response = client.get(f"/feeds/podcast/videos.xml?videoChannelId={remote.channel.pk}")
    enclosure = ET.fromstring(response.content).find("channel/item/enclosure")
    assert enclosure.get("url") == f"http://testserver{REMOTE_HLS_PREFIX}/{remote.uuid}/master.m3u8"
    assert enclosure.get("type") == "application/x-mpegURL"


def test_nobody_here_edits_or_deletes_a_followed_instances_video(client, admin_user, remote):
    """The origin owns it: even an administrator gets no edit form and no API edit."""
    client.force_login(admin_user)
    assert client.get(f"/videos/update/{remote.uuid}").status_code in (403, 404)
    assert client.post(f"/videos/delete/{remote.uuid}").status_code in (403, 404)
    assert "/videos/update/" not in client.get(f"/w/{remote.short_uuid}").content.decode()
    assert Video.objects.filter(pk=remote.pk).exists()
