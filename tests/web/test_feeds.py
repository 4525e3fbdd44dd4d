"""RSS, Atom and podcast feeds: parsed as XML, filtered like PeerTube's, private videos absent, text escaped."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_user, make_video
from videos.constants import VideoPrivacy, VideoState
from videos.models import Channel, StreamingPlaylist, VideoFile
from videos.services.catalog import VIDEO_SORTS

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
HOSTILE = 'Fish & "chips" <script>alert(1)</script>]]>'


@pytest.fixture
def alice_channel(user) -> Channel:
    return user.account.channels.get()


@pytest.fixture
def bob_channel(db) -> Channel:
    return make_user("bob").account.channels.get()


@pytest.fixture
def catalogue(alice_channel, bob_channel):
    now = timezone.now()
    return {
        "old": make_video(alice_channel, "Alice old", views=500, published_at=now - datetime.timedelta(days=2)),
        "new": make_video(alice_channel, HOSTILE, description=HOSTILE, views=3, published_at=now),
        "bob": make_video(bob_channel, "Bob show", views=50, published_at=now - datetime.timedelta(days=1)),
        "private": make_video(alice_channel, "Alice private", privacy=VideoPrivacy.PRIVATE),
        "unlisted": make_video(alice_channel, "Alice unlisted", privacy=VideoPrivacy.UNLISTED),
        "transcoding": make_video(alice_channel, "Alice transcoding", state=VideoState.TO_TRANSCODE),
    }


def _rss_titles(client, query: str = "") -> list[str]:
    response = client.get(f"/feeds/videos.xml{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    return [item.findtext("title") for item in channel.findall("item")]


def test_rss_lists_public_videos_newest_first(client, catalogue):
    assert _rss_titles(client) == [HOSTILE, "Bob show", "Alice old"]


def test_rss_items_carry_link_guid_date_and_escaped_description(client, catalogue):
    video = catalogue["new"]
    body = client.get("/feeds/videos.xml").content
    assert b"<script>" not in body  # the hostile text only ever appears escaped
    item = ET.fromstring(body).find("channel/item")
    assert item.findtext("link") == f"http://testserver/w/{video.short_uuid}"
    assert item.findtext("guid") == f"http://testserver/videos/watch/{video.uuid}"
    assert item.findtext("pubDate")
    # Readers get HTML; the user's text inside it is escaped once more.
    assert "&lt;script&gt;" in item.findtext("description")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?accountName=alice", [HOSTILE, "Alice old"]),
        ("?accountName=bob", ["Bob show"]),
        ("?videoChannelName=bob_channel", ["Bob show"]),
        ("?sort=-views", ["Alice old", "Bob show", HOSTILE]),
        ("?sort=-trending&accountName=alice", ["Alice old", HOSTILE]),
    ],
)
def test_rss_filters(client, catalogue, query, expected):
    assert _rss_titles(client, query) == expected


def test_rss_filters_by_ids(client, catalogue, alice_channel, bob_channel):
    assert _rss_titles(client, f"?videoChannelId={bob_channel.pk}") == ["Bob show"]
    assert _rss_titles(client, f"?accountId={alice_channel.account_id}") == [HOSTILE, "Alice old"]


def test_channel_feed_is_titled_after_the_channel(client, catalogue, bob_channel):
    channel = ET.fromstring(client.get(f"/feeds/videos.xml?videoChannelId={bob_channel.pk}").content).find("channel")
    assert channel.findtext("title") == bob_channel.display_name
    assert channel.findtext("link") == f"http://testserver/c/{bob_channel.handle}"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?accountName=nobody", 404),
        ("?videoChannelId=999999", 404),
        ("?videoChannelId=abc", 400),
        ("?sort=random", 400),
        ("?format=yaml", 400),
    ],
)
def test_rss_bad_filters(client, catalogue, query, status):
    assert client.get(f"/feeds/videos.xml{query}").status_code == status


@pytest.mark.parametrize("sort", [*VIDEO_SORTS, *(f"-{key}" for key in VIDEO_SORTS)])
def test_rss_accepts_every_sort_of_peertube_video_lists(client, catalogue, sort):
    assert len(_rss_titles(client, f"?sort={sort}")) == 3


def test_rss_sorts_through_the_shared_map_and_refuses_unknown_keys(client, catalogue):
    for key, seconds in (("bob", 10), ("new", 20), ("old", 30)):
        catalogue[key].duration = seconds
        catalogue[key].save(update_fields=["duration"])
    assert _rss_titles(client, "?sort=duration") == ["Bob show", HOSTILE, "Alice old"]
    assert _rss_titles(client, "?sort=-duration") == ["Alice old", HOSTILE, "Bob show"]
    for refused in ("duration2", "--views", ""):
        response = client.get("/feeds/videos.xml", {"sort": refused})
        assert response.status_code == 400
        assert response.content.decode().startswith("Unknown sort: should be one of name, duration,")


def test_atom_format(client, catalogue):
    response = client.get("/feeds/videos.xml?format=atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    assert titles == [HOSTILE, "Bob show", "Alice old"]


def test_feed_queries_do_not_grow_with_the_number_of_videos(client, alice_channel):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get("/feeds/videos.xml")
            client.get(f"/feeds/podcast/videos.xml?videoChannelId={alice_channel.pk}")
        return len(captured)

    _with_ladder(make_video(alice_channel, "First"))
    few = queries()
    for index in range(10):
        _with_ladder(make_video(alice_channel, f"More {index}"))
    assert queries() == few


def _with_ladder(video):
    playlist = StreamingPlaylist.objects.create(video=video, playlist_filename="m-master.m3u8")
    for resolution, size in ((1080, 9000), (720, 5000), (240, 1000)):
        VideoFile.objects.create(
            playlist=playlist, resolution=resolution, size=size, filename=f"f-{resolution}-fragmented.mp4"
        )
    return video


def test_podcast_feed_has_enclosures_and_itunes_tags(client, catalogue, alice_channel):
    video = _with_ladder(catalogue["new"])
    web_only = catalogue["old"]
    VideoFile.objects.create(video=web_only, resolution=480, size=777, filename="web-480.mp4")
    response = client.get(f"/feeds/podcast/videos.xml?videoChannelId={alice_channel.pk}")
    assert response.status_code == 200
    channel = ET.fromstring(response.content).find("channel")
    assert channel.findtext("title") == alice_channel.display_name
    assert channel.findtext(f"{ITUNES}author") == alice_channel.account.display_name
    items = {item.findtext("title"): item for item in channel.findall("item")}
    assert set(items) == {HOSTILE, "Alice old"}  # public videos of this channel only

    enclosure = items[HOSTILE].find("enclosure")
    file_720 = VideoFile.objects.get(playlist__video=video, resolution=720)
    assert enclosure.get("url") == (
        f"http://testserver/download/videos/generate/{video.uuid}?videoFileIds={file_720.pk}"
    )
    assert (enclosure.get("type"), enclosure.get("length")) == ("video/mp4", "5000")
    assert items[HOSTILE].findtext(f"{ITUNES}duration") == str(video.duration)
    web = items["Alice old"].find("enclosure")
    assert web.get("url") == "http://testserver/static/web-videos/web-480.mp4"


def test_podcast_without_downloads_points_at_the_hls_master(client, alice_channel):
    video = _with_ladder(make_video(alice_channel, "No download", download_enabled=False))
    channel = ET.fromstring(client.get(f"/feeds/podcast/videos.xml?videoChannelId={alice_channel.pk}").content)
    enclosure = channel.find("channel/item/enclosure")
    assert enclosure.get("url") == f"http://testserver/static/streaming-playlists/hls/{video.uuid}/m-master.m3u8"
    assert enclosure.get("type") == "application/x-mpegURL"


def test_podcast_needs_a_known_channel(client, catalogue):
    assert client.get("/feeds/podcast/videos.xml").status_code == 400
    assert client.get("/feeds/podcast/videos.xml?videoChannelId=999999").status_code == 404
