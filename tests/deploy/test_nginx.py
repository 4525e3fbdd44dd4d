"""The front door of deploy/nginx/: a valid configuration for Debian's nginx, and, in front of an instance run
by the README's command (scripts/web, with SIDEWAYS_ACCEL_REDIRECT), media with byte ranges and the same
security headers as the web server's own, access still checked by the web server, the tracker's WebSocket
passed through, and no client address in any log."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import requests
import yaml
from requests.adapters import HTTPAdapter
from websockets.sync.client import connect

from tests.deploy.nginx import DEPLOY, command, render, start_front_door
from tests.live import REPO, start_instance
from tests.web.hls import add_ladder_video

PRIVATE = 3
# A loopback address of its own for the client, so that its traces can be looked for in the logs.
CLIENT_ADDRESS = "127.0.0.42"


def test_configuration_is_valid_for_debians_nginx(tmp_path):
    config = render(tmp_path, listen="127.0.0.1:8080", web="127.0.0.1:9000", media_root=tmp_path / "media")
    checked = subprocess.run(command(config, "-t"), capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An instance (no worker) with a public and a private video, and nginx in front of it."""
    instance = start_instance(
        tmp_path_factory.mktemp("nginx-instance"), worker=False, extra_env={"SIDEWAYS_ACCEL_REDIRECT": "true"}
    )
    door = None
    try:
        videos = {
            privacy: add_ladder_video(instance, tmp_path_factory.mktemp("ladder"), privacy=privacy)
            for privacy in (1, PRIVATE)
        }
        door = start_front_door(
            tmp_path_factory.mktemp("nginx"), web_url=instance.url, media_root=instance.data_dir / "media"
        )
        yield instance, door, videos
    finally:
        if door is not None:
            door.stop()
        instance.stop()


def client() -> requests.Session:
    """Requests from CLIENT_ADDRESS."""
    session = requests.Session()
    adapter = HTTPAdapter()
    adapter.init_poolmanager(10, 10, source_address=(CLIENT_ADDRESS, 0))
    session.mount("http://", adapter)
    return session


def rendition(video) -> tuple[str, bytes]:
    """The path of the video's first HLS rendition and its bytes on disk."""
    name = video.spec["rungs"][0]["filename"]
    return f"/static/streaming-playlists/hls/{video.uuid}/{name}", (video.folder / name).read_bytes()


def test_a_byte_range_is_served_by_nginx_with_the_web_servers_headers(site):
    instance, door, videos = site
    path, content = rendition(videos[1])

    answer = client().get(door.url + path, headers={"Range": "bytes=100-1099"})
    assert answer.status_code == 206
    assert answer.content == content[100:1100]
    assert answer.headers["Content-Range"] == f"bytes 100-1099/{len(content)}"
    assert answer.headers["Content-Type"] == "video/mp4"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Cache-Control"] == "public, max-age=7200"
    # nginx sent the bytes: the web server only named the file.
    behind = requests.get(instance.url + path)
    assert (
        behind.headers["X-Accel-Redirect"]
        == f"/internal-media/streaming-playlists/hls/{videos[1].uuid}/" + (videos[1].spec["rungs"][0]["filename"])
    )
    assert behind.content == b""

    master = client().get(f"{door.url}/static/streaming-playlists/hls/{videos[1].uuid}/{videos[1].spec['master']}")
    assert master.status_code == 200
    assert master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert master.headers["Cache-Control"] == "public, no-cache"
    assert master.text == (videos[1].folder / videos[1].spec["master"]).read_text()


def test_a_download_keeps_its_attachment_name_through_nginx(site):
    instance, door, videos = site
    rung = videos[1].spec["rungs"][0]
    path = f"/download/streaming-playlists/hls/videos/{videos[1].uuid}-{rung['resolution']}-fragmented.mp4"
    answer = client().get(door.url + path, headers={"Range": "bytes=0-99"})
    assert answer.status_code == 206
    assert answer.content == (videos[1].folder / rung["filename"]).read_bytes()[:100]
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert f"{rung['resolution']}p-hls.mp4" in answer.headers["Content-Disposition"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_access_is_still_checked_and_the_internal_location_is_closed(site):
    instance, door, videos = site
    private_path, _ = rendition(videos[PRIVATE])
    assert client().get(door.url + private_path).status_code == 404
    public_path, _ = rendition(videos[1])
    internal = public_path.replace("/static/", "/internal-media/", 1)
    assert client().get(door.url + internal).status_code == 404
    assert client().get(door.url + "/internal-media/../originals/").status_code in (400, 404)
    # A path the web server refuses is never looked up on disk by nginx either.
    assert client().get(door.url + public_path.replace(videos[1].uuid, "..", 1)).status_code in (400, 404)


def test_public_images_come_straight_from_disk(site):
    instance, door, videos = site
    preview = videos[1].spec["preview"]
    answer = client().get(f"{door.url}/lazy-static/previews/{preview}")
    assert answer.status_code == 200
    assert answer.content == (instance.data_dir / "media" / "previews" / preview).read_bytes()
    assert answer.headers["Content-Type"] == "image/jpeg"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=7200" in answer.headers["Cache-Control"]
    assert client().get(f"{door.url}/lazy-static/previews/missing.jpg").status_code == 404


def test_the_tracker_websocket_goes_through(site):
    instance, door, videos = site
    info_hash = "x" * 20  # no swarm of ours: the tracker answers with its reason
    with connect(door.url.replace("http://", "ws://") + "/tracker/socket") as socket:
        socket.send(json.dumps({"action": "announce", "info_hash": info_hash, "peer_id": "-PM0202-abcdefabcdef"}))
        answer = json.loads(socket.recv(timeout=10))
    assert answer["info_hash"] == info_hash
    assert "failure reason" in answer


def test_no_client_address_in_any_log(site):
    instance, door, videos = site
    session = client()
    assert session.get(door.url + "/no-such-page-for-the-log").status_code == 404
    session.post(door.url + "/api/v1/users/token", data={"grant_type": "password", "username": "x", "password": "y"})
    path, _ = rendition(videos[1])
    assert session.get(door.url + path, headers={"Range": "bytes=0-9"}).status_code == 206
    with connect(door.url.replace("http://", "ws://") + "/tracker/socket", source_address=(CLIENT_ADDRESS, 0)):
        pass

    nginx_log, web_log = door.log(), instance.log("web")
    assert "/no-such-page-for-the-log" in nginx_log and "/no-such-page-for-the-log" in web_log
    assert CLIENT_ADDRESS not in nginx_log
    assert CLIENT_ADDRESS not in web_log


def test_docker_compose_runs_this_configuration_in_front_of_an_internal_web_server():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    nginx, web = services["nginx"], services["web"]
    template = (DEPLOY / "templates" / "sideways.conf.template").read_text()
    assert set(re.findall(r"\$\{(SIDEWAYS_\w+)\}", template)) == set(nginx["environment"])
    assert "./deploy/nginx/templates:/etc/nginx/templates:ro" in nginx["volumes"]
    assert "./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert web["environment"]["SIDEWAYS_ACCEL_REDIRECT"] == "true"
    assert not any(str(port).split("/")[0].endswith("9000") for port in web.get("ports", []))
    assert services["s3"]["profiles"] == ["s3"]
