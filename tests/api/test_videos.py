"""Upload, read, update and delete videos through the API in PeerTube's shapes, with privacy and permissions."""

import datetime
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.conftest import bearer
from tests.factories import api_upload, make_video, mark_published
from videos.constants import VideoPrivacy, VideoState
from videos.models import Video
from videos.services.catalog import VIDEO_SORTS
from videos.services.search import SEARCH_SORTS
from videos.services.view_counting import batched_views, flush_views

pytestmark = pytest.mark.django_db


def bdecode(data: bytes, index: int = 0):
    """Minimal bencode reader, to check the .torrent we serve is real."""
    char = data[index : index + 1]
    if char == b"i":
        end = data.index(b"e", index)
        return int(data[index + 1 : end]), end + 1
    if char in (b"l", b"d"):
        index += 1
        items = []
        while data[index : index + 1] != b"e":
            item, index = bdecode(data, index)
            items.append(item)
        return (dict(zip(items[::2], items[1::2], strict=False)) if char == b"d" else items), index + 1
    colon = data.index(b":", index)
    length = int(data[index:colon])
    return data[colon + 1 : colon + 1 + length], colon + 1 + length


def test_legacy_upload_exposes_the_original_with_a_real_torrent(api, alice_token, small_clip, isolated_media):
    response = api_upload(
        api,
        alice_token,
        small_clip,
        **{
            "tags[0]": "alpha",
            "tags[1]": "beta",
            "nsfw": "false",
            "privacy": "1",
            "category": "15",
            "description": "A test",
        },
    )
    assert response.status_code == 200, response.content
    ids = response.json()["video"]
    assert set(ids) == {"id", "uuid", "shortUUID"}

    details = api.get(f"/api/v1/videos/{ids['shortUUID']}", **bearer(alice_token)).json()
    assert details["uuid"] == ids["uuid"] and details["tags"] == ["alpha", "beta"]
    assert details["category"] == {"id": 15, "label": "Science & Technology"}
    assert details["state"]["id"] == VideoState.TO_TRANSCODE
    file = details["files"][0]
    # The web video is served: the original's streams rewritten without its metadata (not the original).
    served = api.get(file["fileUrl"].replace("http://testserver", ""))
    assert served.status_code == 200
    published = b"".join(served.streaming_content)
    assert file["resolution"] == {"id": 240, "label": "240p"} and file["size"] == len(published)
    assert "/lazy-static/torrents/" in file["torrentUrl"] and "/static/web-videos/" in file["fileUrl"]
    assert details["streamingPlaylists"] == []

    torrent_path = isolated_media / "media" / "torrents" / file["torrentUrl"].rsplit("/", 1)[1]
    metainfo, _ = bdecode(torrent_path.read_bytes())
    info = metainfo[b"info"]
    assert info[b"length"] == len(published)
    first_piece = published[: info[b"piece length"]]
    assert info[b"pieces"][:20] == hashlib.sha1(first_piece).digest()
    assert metainfo[b"url-list"] == [file["fileUrl"].encode()]


def test_an_api_upload_is_watchable_before_transcoding_unless_it_asks_to_wait(api, alice_token, small_clip):
    """PeerTube's API default: waitTranscoding is false, so the uploaded file plays at once."""
    at_once = api_upload(api, alice_token, small_clip, name="At once").json()["video"]
    waiting = api_upload(api, alice_token, small_clip, name="Waits", waitTranscoding="true").json()["video"]
    assert api.get(f"/api/v1/videos/{at_once['uuid']}").json()["waitTranscoding"] is False
    assert api.get(f"/api/v1/videos/{waiting['uuid']}").json()["waitTranscoding"] is True
    assert [video["name"] for video in api.get("/api/v1/videos").json()["data"]] == ["At once"]


def test_streaming_playlists_come_from_rows(api, alice_token, small_clip):
    from videos.models import StreamingPlaylist, VideoFile

    ids = api_upload(api, alice_token, small_clip).json()["video"]
    video = Video.objects.get(pk=ids["id"])
    playlist = StreamingPlaylist.objects.create(
        video=video, playlist_filename="abc-master.m3u8", segments_sha256_filename="abc-segments-sha256.json"
    )
    VideoFile.objects.create(
        playlist=playlist,
        resolution=240,
        width=320,
        height=240,
        fps=25,
        size=10,
        filename="def-240-fragmented.mp4",
        playlist_filename="def-240.m3u8",
    )
    hls = api.get(f"/api/v1/videos/{ids['uuid']}", **bearer(alice_token)).json()["streamingPlaylists"][0]
    assert hls["type"] == 1
    assert hls["playlistUrl"].endswith(f"/static/streaming-playlists/hls/{ids['uuid']}/abc-master.m3u8")
    assert hls["segmentsSha256Url"].endswith("/abc-segments-sha256.json")
    assert hls["files"][0]["playlistUrl"].endswith("/def-240.m3u8")
    assert hls["files"][0]["fileUrl"].endswith(f"/{ids['uuid']}/def-240-fragmented.mp4")


def test_upload_validation_errors_are_problem_json(api, alice_token, bob, small_clip):
    missing = api_upload(api, alice_token, small_clip, name="")
    assert missing.status_code == 400
    assert missing["Content-Type"].startswith("application/problem+json")
    assert "name" in missing.json()["invalid-params"] and missing.json()["detail"].startswith("Incorrect request")

    wrong_type = api_upload(api, alice_token, small_clip, privacy="public")
    assert wrong_type.status_code == 400 and "privacy" in wrong_type.json()["invalid-params"]

    unknown_channel = api_upload(api, alice_token, small_clip, channelId=999999)
    assert unknown_channel.status_code == 400 and "channelId" in unknown_channel.json()["invalid-params"]

    other_channel = api_upload(api, alice_token, small_clip, channelId=bob.account.channels.get().pk)
    assert other_channel.status_code == 403

    no_file = api.post("/api/v1/videos/upload", {"name": "x"}, format="multipart", **bearer(alice_token))
    assert no_file.status_code == 400 and "videofile" in no_file.json()["invalid-params"]
    assert api.post("/api/v1/videos/upload", {"name": "xyz"}, format="multipart").status_code == 401
    assert Video.objects.count() == 0


def test_over_quota_upload_is_413_quota_reached(api, user, alice_token, small_clip):
    user.video_quota = 1000
    user.save()
    response = api_upload(api, alice_token, small_clip)
    assert response.status_code == 413 and response.json()["code"] == "quota_reached"


def test_unreadable_file_is_422(api, alice_token, tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video" * 1000)
    assert api_upload(api, alice_token, junk).status_code == 422


def test_list_shapes_filters_and_privacy(api, alice_token, bob_token, small_clip):
    public = api_upload(api, alice_token, small_clip, name="Public one", category="1", **{"tags[]": "music"}).json()[
        "video"
    ]
    private = api_upload(api, alice_token, small_clip, name="Private one", privacy=str(VideoPrivacy.PRIVATE)).json()[
        "video"
    ]
    unlisted = api_upload(api, alice_token, small_clip, name="Unlisted one", privacy="2").json()["video"]
    for ids in (public, private, unlisted):
        mark_published(ids["id"])

    listing = api.get("/api/v1/videos?count=25&sort=-publishedAt").json()
    assert listing["total"] == 1
    item = listing["data"][0]
    assert item["uuid"] == public["uuid"] and item["privacy"] == {"id": 1, "label": "Public"}
    assert item["account"]["name"] == "alice" and item["channel"]["name"] == "alice_channel"
    assert "files" not in item and item["embedPath"] == f"/videos/embed/{public['shortUUID']}"
    assert api.get("/api/v1/videos?categoryOneOf=2").json()["total"] == 0
    assert api.get("/api/v1/videos?tagsOneOf=music").json()["total"] == 1
    assert api.get("/api/v1/videos?isLocal=false").json()["total"] == 0

    assert api.get("/api/v1/videos?count=500").status_code == 400
    assert api.get("/api/v1/videos?sort=-bogus").status_code == 400
    assert api.get("/api/v1/videos?include=1").status_code == 401

    assert api.get(f"/api/v1/videos/{unlisted['uuid']}").status_code == 200
    assert api.get(f"/api/v1/videos/{private['uuid']}").status_code == 401
    assert api.get(f"/api/v1/videos/{private['uuid']}", **bearer(bob_token)).status_code == 403
    assert api.get(f"/api/v1/videos/{private['id']}", **bearer(alice_token)).status_code == 200
    assert api.get("/api/v1/videos/not-an-id!").status_code == 400
    assert api.get("/api/v1/videos/9999999").status_code == 404


@pytest.fixture
def sortable(user) -> None:
    """Three public videos whose durations and original dates order them unlike their publication."""
    channel = user.account.channels.get()
    now = timezone.now()
    for name, seconds, days_ago in (("Gardening b", 30, 1), ("Gardening a", 10, 3), ("Gardening c", 20, 2)):
        make_video(channel, name, duration=seconds, originally_published_at=now - datetime.timedelta(days=days_ago))


def _names(api, path: str) -> list[str]:
    response = api.get(path)
    assert response.status_code == 200, response.content
    return [video["name"] for video in response.json()["data"]]


def _refused_sort(api, path: str) -> bool:
    response = api.get(path)
    return response.status_code == 400 and "sort" in response.json()["invalid-params"]


@pytest.mark.parametrize("sort", [*VIDEO_SORTS, *(f"-{key}" for key in VIDEO_SORTS)])
def test_list_accepts_every_sort_of_the_shared_map(api, sortable, sort):
    assert len(_names(api, f"/api/v1/videos?sort={sort}")) == 3


def test_list_sorts_through_the_shared_map_and_refuses_unknown_keys(api, sortable):
    assert _names(api, "/api/v1/videos") == ["Gardening c", "Gardening a", "Gardening b"]  # newest first
    assert _names(api, "/api/v1/videos?sort=duration") == ["Gardening a", "Gardening c", "Gardening b"]
    assert _names(api, "/api/v1/videos?sort=-duration") == ["Gardening b", "Gardening c", "Gardening a"]
    assert _refused_sort(api, "/api/v1/videos?sort=-match")  # relevance only ranks search results
    assert _refused_sort(api, "/api/v1/videos?sort=-bogus")


@pytest.mark.parametrize("sort", [*SEARCH_SORTS, *(f"-{key}" for key in SEARCH_SORTS)])
def test_search_accepts_every_search_sort(api, sortable, sort):
    assert len(_names(api, f"/api/v1/search/videos?search=gardening&sort={sort}")) == 3


def test_search_sorts_through_the_shared_map_and_refuses_list_only_keys(api, sortable):
    search = "/api/v1/search/videos?search=gardening"
    assert _names(api, f"{search}&sort=originallyPublishedAt") == ["Gardening a", "Gardening c", "Gardening b"]
    assert _names(api, f"{search}&sort=-duration") == ["Gardening b", "Gardening c", "Gardening a"]
    for refused in ("-trending", "-bogus", "--match"):
        assert _refused_sort(api, f"{search}&sort={refused}"), refused


def test_owner_updates_and_deletes_but_others_cannot(api, alice_token, bob_token, small_clip):
    ids = api_upload(api, alice_token, small_clip).json()["video"]
    path = f"/api/v1/videos/{ids['uuid']}"
    assert api.put(path, {"name": "Stolen"}, format="multipart", **bearer(bob_token)).status_code == 403
    assert api.delete(path, **bearer(bob_token)).status_code == 403
    assert api.put(path, {"name": "x"}, format="multipart", **bearer(alice_token)).status_code == 400
    response = api.put(
        path,
        {"name": "Renamed", "tags[0]": "new", "description": "Long text"},
        format="multipart",
        **bearer(alice_token),
    )
    assert response.status_code == 204
    details = api.get(path, **bearer(alice_token)).json()
    assert details["name"] == "Renamed" and details["tags"] == ["new"]
    assert api.get(f"{path}/description", **bearer(alice_token)).json() == {"description": "Long text"}
    assert api.delete(path, **bearer(alice_token)).status_code == 204
    assert api.get(path, **bearer(alice_token)).status_code == 404


def test_an_edit_never_undoes_a_publication_made_meanwhile(api, alice_token, small_clip, monkeypatch):
    """The worker may publish a video while its owner edits it: the edit must not write the old state back."""
    from videos.api import videos as video_views

    ids = api_upload(api, alice_token, small_clip).json()["video"]
    loaded_before_publication = Video.objects.get(pk=ids["id"])
    mark_published(ids["id"])
    monkeypatch.setattr(video_views, "get_video", lambda *args, **kwargs: loaded_before_publication)
    response = api.put(
        f"/api/v1/videos/{ids['uuid']}", {"name": "Renamed meanwhile"}, format="multipart", **bearer(alice_token)
    )
    assert response.status_code == 204
    video = Video.objects.get(pk=ids["id"])
    assert video.name == "Renamed meanwhile" and video.state == VideoState.PUBLISHED


def test_views_count_once_per_viewer(api, alice_token, small_clip):
    ids = api_upload(api, alice_token, small_clip).json()["video"]
    mark_published(ids["id"])
    path = f"/api/v1/videos/{ids['id']}/views"
    with batched_views():  # as in the web server (sideways.asgi)
        assert api.post(path, {"currentTime": 1}, format="json").status_code == 204
        assert api.post(path, {"currentTime": 2}, format="json").status_code == 204
        assert api.post(path, {"currentTime": 2}, format="json", HTTP_USER_AGENT="other").status_code == 204
        assert api.post(path, {"currentTime": 999}, format="json").status_code == 400
        assert Video.objects.get(pk=ids["id"]).views == 0  # no database write per view
        assert flush_views() == 2
    assert Video.objects.get(pk=ids["id"]).views == 2
    assert flush_views() == 0
    assert api.post(path, {"currentTime": 1}, format="json", HTTP_USER_AGENT="third").status_code == 204
    assert Video.objects.get(pk=ids["id"]).views == 3  # outside the web server: written at once


def test_query_count_does_not_grow_with_page_size(api, alice_token, small_clip):
    ids = api_upload(api, alice_token, small_clip).json()["video"]
    video = Video.objects.get(pk=ids["id"])
    for index in range(30):
        Video.objects.create(channel=video.channel, name=f"Copy {index}", state=VideoState.PUBLISHED)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as context:
            assert api.get(url).status_code == 200
        return len(context)

    api.get("/api/v1/videos?count=2")  # the total is counted once, then kept until the catalogue changes
    assert queries("/api/v1/videos?count=2") == queries("/api/v1/videos?count=25")
    mark_published(ids["id"])
    assert queries(f"/api/v1/videos/{ids['id']}") <= 6


def test_unknown_api_route_is_404_problem(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/problem+json")
