"""Instances réplicantes with a real PeerTube: a PeerTube that follows us and may mirror us copies our video's
HLS files byte for byte, announces its copy (Create{CacheFile}) that our API then lists, renews it before it
expires (Update) and takes it back (Undo) when its admin stops mirroring us.

scripts/peertube runs PeerTube with the recently-added strategy (5 GB), checked every 5 s, and copies that
live 20 s before they are renewed (docs/interop.md)."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests

from tests.interop.peertube import PeerTube, follow_us_from, host_of, publish_here, wait_until
from tests.live import LiveInstance, api_session
from tests.media import make_clip

pytestmark = pytest.mark.interop


def _peertube_mirror(admin: requests.Session, peertube: PeerTube, uuid: str) -> dict | None:
    """PeerTube's own record of its copy of our video, if it has one."""
    listing = admin.get(
        f"{peertube.url}/api/v1/server/redundancy/videos", params={"target": "remote-videos"}, timeout=10
    ).json()
    for video in listing["data"]:
        if video["uuid"] == uuid and video["redundancies"]["streamingPlaylists"]:
            return video["redundancies"]["streamingPlaylists"][0]
    return None


def _our_mirrors(sideways: LiveInstance, uuid: str) -> list[str]:
    details = requests.get(f"{sideways.url}/api/v1/videos/{uuid}", timeout=10).json()
    return [mirror["baseUrl"] for mirror in details["streamingPlaylists"][0]["redundancies"]]


@pytest.fixture(scope="module")
def mirrored_by_peertube(sideways: LiveInstance, peertube: PeerTube, tmp_path_factory):
    """Our newest video, once PeerTube follows us and its admin lets it mirror us."""
    follow_us_from(peertube, sideways)
    clips = tmp_path_factory.mktemp("clips-mirrored")
    video, _ = publish_here(sideways, api_session(sideways), make_clip(clips / "Mirrored by PeerTube.mp4", duration=4))
    admin = peertube.login()
    answer = admin.put(
        f"{peertube.url}/api/v1/server/redundancy/{host_of(sideways)}", json={"redundancyAllowed": True}, timeout=10
    )
    assert answer.status_code == 204, answer.text
    yield video
    admin.put(
        f"{peertube.url}/api/v1/server/redundancy/{host_of(sideways)}", json={"redundancyAllowed": False}, timeout=10
    )


def test_peertube_mirrors_our_video_and_we_list_its_copy(sideways, peertube, mirrored_by_peertube):
    video = mirrored_by_peertube
    admin = peertube.login()
    mirror = wait_until(
        lambda: _peertube_mirror(admin, peertube, video["uuid"]), 60, "PeerTube's copy of our video", peertube, sideways
    )
    base_url = mirror["fileUrl"]
    assert base_url == f"{peertube.url}/static/redundancy/hls/{video['uuid']}"
    wait_until(lambda: _our_mirrors(sideways, video["uuid"]) == [base_url], 10, "its copy listed here", sideways)

    # Byte for byte what we serve: every fragmented MP4, under the same name.
    details = requests.get(f"{sideways.url}/api/v1/videos/{video['uuid']}", timeout=10).json()
    files = details["streamingPlaylists"][0]["files"]
    assert files
    for file in files:
        name = file["fileUrl"].rsplit("/", 1)[1]
        copy = requests.get(f"{base_url}/{name}", timeout=10)
        assert copy.status_code == 200, name
        assert copy.content == requests.get(file["fileUrl"], timeout=10).content, name

    # PeerTube renews its copy before it expires (Update{CacheFile}); we keep listing it past the first expiry.
    first_expiry = datetime.fromisoformat(mirror["expiresOn"])
    renewed = wait_until(
        lambda: (
            (m := _peertube_mirror(admin, peertube, video["uuid"]))
            and datetime.fromisoformat(m["expiresOn"]) > first_expiry
        ),
        60,
        "PeerTube to renew its copy",
        peertube,
    )
    assert renewed
    wait_until(lambda: _our_mirrors(sideways, video["uuid"]) == [base_url], 10, "the renewed copy here", sideways)

    # Its admin stops mirroring us: PeerTube drops its copy and sends Undo; we stop listing it.
    answer = admin.put(
        f"{peertube.url}/api/v1/server/redundancy/{host_of(sideways)}", json={"redundancyAllowed": False}, timeout=10
    )
    assert answer.status_code == 204
    wait_until(lambda: _our_mirrors(sideways, video["uuid"]) == [], 20, "the Undo of its copy", peertube, sideways)
    assert _peertube_mirror(admin, peertube, video["uuid"]) is None
