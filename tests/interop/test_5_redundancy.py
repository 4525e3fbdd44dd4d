"""Instances réplicantes with a real PeerTube: a PeerTube that follows us and may mirror us copies our video's
HLS files byte for byte, announces its copy (Create{CacheFile}) that our API then lists, renews it before it
expires (Update) and takes it back (Undo) when its admin stops mirroring us. And the other way: we copy a
PeerTube video (by hand, then by strategy within a budget) and PeerTube lists our copy until our Undo.

scripts/peertube runs PeerTube with the recently-added strategy (5 GB), checked every 5 s, and copies that
live 20 s before they are renewed (docs/interop.md)."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests

from tests.interop.peertube import (
    PeerTube,
    follow_peertube_from,
    follow_us_from,
    host_of,
    listed_here,
    publish_here,
    upload_to_peertube,
    wait_until,
)
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


def _peertube_lists_us(peertube: PeerTube, sideways: LiveInstance, uuid: str) -> bool:
    """Whether PeerTube's API lists our copy among the video's mirrors."""
    video = peertube.video(uuid) or {"streamingPlaylists": [{"redundancies": []}]}
    mirrors = [m["baseUrl"] for m in video["streamingPlaylists"][0]["redundancies"]]
    return f"{sideways.url}/static/redundancy/hls/{uuid}" in mirrors


def _configure_mirroring(sideways: LiveInstance, **fields) -> None:
    """The admin's mirroring settings (min_lifetime in seconds)."""
    values = {**fields, "min_lifetime": f"datetime.timedelta(seconds={fields.get('min_lifetime', 3600)})"}
    defaults = ", ".join(
        f"{key}={value!r}" if key != "min_lifetime" else f"{key}={value}" for key, value in values.items()
    )
    _shell(
        sideways,
        f"import datetime; from videos.models import MirroringSettings; "
        f"MirroringSettings.objects.update_or_create(pk=1, defaults=dict({defaults}))",
    )


def _shell(sideways: LiveInstance, code: str) -> None:
    sideways.manage("shell", "-c", code)


def _run_mirroring(sideways: LiveInstance) -> None:
    """One round of our mirroring, as the beat runs it."""
    _shell(sideways, "from federation.outbound.mirroring import run; run()")


@pytest.fixture(scope="module")
def peertube_videos(sideways: LiveInstance, peertube: PeerTube, tmp_path_factory) -> list[dict]:
    """Two PeerTube videos we hold, once we follow PeerTube and may mirror it."""
    follow_peertube_from(sideways, peertube)
    clips = tmp_path_factory.mktemp("clips-we-mirror")
    admin = peertube.login()
    videos = [upload_to_peertube(peertube, admin, make_clip(clips / f"We mirror {n}.mp4"))[0] for n in (1, 2)]
    for video in videos:
        wait_until(lambda v=video: listed_here(sideways, v["uuid"]), 30, "PeerTube's video here", peertube, sideways)
    ours = api_session(sideways)
    answer = ours.put(f"{sideways.url}/api/v1/server/redundancy/{peertube.host}", json={"redundancyAllowed": True})
    assert answer.status_code == 204, answer.text
    return videos


def test_we_mirror_a_peertube_video_and_peertube_lists_our_copy(sideways, peertube, peertube_videos):
    video = peertube_videos[0]
    ours = api_session(sideways)
    answer = ours.post(f"{sideways.url}/api/v1/server/redundancy/videos", json={"videoId": video["uuid"]})
    assert answer.status_code == 204, answer.text
    wait_until(lambda: _peertube_lists_us(peertube, sideways, video["uuid"]), 60, "our copy on PeerTube", sideways)
    again = ours.post(f"{sideways.url}/api/v1/server/redundancy/videos", json={"videoId": video["uuid"]})
    assert again.status_code == 409

    # Byte for byte PeerTube's files, served from our domain under PeerTube's layout.
    for file in peertube.video(video["uuid"])["streamingPlaylists"][0]["files"]:
        name = file["fileUrl"].rsplit("/", 1)[1]
        copy = requests.get(f"{sideways.url}/static/redundancy/hls/{video['uuid']}/{name}", timeout=10)
        assert copy.status_code == 200 and copy.content == requests.get(file["fileUrl"], timeout=10).content

    listing = ours.get(f"{sideways.url}/api/v1/server/redundancy/videos", params={"target": "remote-videos"}).json()
    [listed] = [v for v in listing["data"] if v["uuid"] == video["uuid"]]
    [copy] = listed["redundancies"]["streamingPlaylists"]
    assert copy["strategy"] == "manual" and copy["expiresOn"] is None and copy["size"] > 0

    # Dropped by our admin: the files go and PeerTube hears the Undo.
    assert ours.delete(f"{sideways.url}/api/v1/server/redundancy/videos/{copy['id']}").status_code == 204
    wait_until(lambda: not _peertube_lists_us(peertube, sideways, video["uuid"]), 30, "the Undo on PeerTube", sideways)
    assert requests.get(f"{sideways.url}/static/redundancy/hls/{video['uuid']}/{name}", timeout=10).status_code == 404


def test_our_budget_drops_the_older_copy_and_expiry_removes_it_on_peertube(sideways, peertube, peertube_videos):
    older, newer = peertube_videos
    sizes = [
        sum(f["size"] for f in peertube.video(v["uuid"])["streamingPlaylists"][0]["files"]) for v in (older, newer)
    ]
    budget = int(max(sizes) * 1.2)
    assert budget < sum(sizes)  # room for one copy, not two
    _configure_mirroring(sideways, strategy="recently-added", size=budget, min_lifetime=3600)
    _run_mirroring(sideways)  # copies the most recently added: the newer video
    wait_until(lambda: _peertube_lists_us(peertube, sideways, newer["uuid"]), 30, "our copy of the newer", sideways)

    # Once the copy has lived its minimum lifetime, the older video (next by the strategy) takes its room.
    _shell(
        sideways,
        "import datetime; from videos.models import VideoRedundancy as R; "
        "R.objects.update(created_at=R.objects.get().created_at - datetime.timedelta(hours=2))",
    )
    _run_mirroring(sideways)
    wait_until(lambda: _peertube_lists_us(peertube, sideways, older["uuid"]), 30, "our copy of the older", sideways)
    wait_until(lambda: not _peertube_lists_us(peertube, sideways, newer["uuid"]), 30, "the Undo of the newer", sideways)

    # Announced for 3 s only and not renewed: PeerTube forgets our copy once it expires.
    _configure_mirroring(sideways, strategy="recently-added", size=budget, min_lifetime=3)
    _shell(
        sideways,
        "from federation.outbound import mirroring; from videos.models import MirroringSettings, VideoRedundancy; "
        "mirroring.renew(VideoRedundancy.objects.get(), MirroringSettings.current())",
    )
    wait_until(lambda: not _peertube_lists_us(peertube, sideways, older["uuid"]), 30, "PeerTube's expiry", sideways)

    # The strategy turned off: our copy goes too.
    name = peertube.video(older["uuid"])["streamingPlaylists"][0]["files"][0]["fileUrl"].rsplit("/", 1)[1]
    copy_url = f"{sideways.url}/static/redundancy/hls/{older['uuid']}/{name}"
    assert requests.get(copy_url, timeout=10).status_code == 200
    _configure_mirroring(sideways, strategy="")
    _run_mirroring(sideways)
    wait_until(lambda: requests.get(copy_url, timeout=10).status_code == 404, 30, "our copy removed", sideways)
