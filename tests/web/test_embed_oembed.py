"""The embed page and the oEmbed provider, with Django's test client."""

import json
from urllib.parse import quote

import pytest

from tests.factories import make_video
from videos.constants import VideoPrivacy, VideoState
from videos.models import StreamingPlaylist, VideoFile

pytestmark = pytest.mark.django_db

NAME = 'Épisode "1" <script>alert(1)</script> & co'


@pytest.fixture
def channel(user):
    return user.account.channels.get()


@pytest.fixture
def video(channel):
    video = make_video(channel, NAME, preview_filename="preview-uuid.jpg")
    playlist = StreamingPlaylist.objects.create(video=video, playlist_filename="abc-master.m3u8")
    VideoFile.objects.create(playlist=playlist, resolution=720, filename="abc-720-fragmented.mp4")
    return video


def test_embed_page_by_short_uuid_uuid_and_id(client, video):
    for key in (video.short_uuid, str(video.uuid), str(video.pk)):
        response = client.get(f"/videos/embed/{key}")
        assert response.status_code == 200, key
        html = response.content.decode()
        assert f'data-hls-src="/static/streaming-playlists/hls/{video.uuid}/abc-master.m3u8"' in html
        assert 'poster="/lazy-static/previews/preview-uuid.jpg"' in html
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_embed_title_can_be_hidden(client, video):
    assert 'class="embed-title"' in client.get(f"/videos/embed/{video.short_uuid}").content.decode()
    assert 'class="embed-title"' not in client.get(f"/videos/embed/{video.short_uuid}?title=0").content.decode()


def test_embed_is_the_only_frameable_page(client, video):
    embed = client.get(f"/videos/embed/{video.short_uuid}")
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    watch = client.get(f"/w/{video.short_uuid}")
    assert watch.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in watch.headers["Content-Security-Policy"]


@pytest.mark.parametrize("privacy", [VideoPrivacy.PRIVATE, VideoPrivacy.INTERNAL])
def test_private_and_internal_videos_are_not_embeddable(client, channel, admin_user, privacy):
    video = make_video(channel, "Secret", privacy=privacy)
    client.force_login(admin_user)  # even for those who may watch it on the site
    assert client.get(f"/videos/embed/{video.short_uuid}").status_code == 404


def test_unlisted_video_is_embeddable_and_unknown_ids_are_404(client, channel):
    unlisted = make_video(channel, "Bonus", privacy=VideoPrivacy.UNLISTED)
    assert client.get(f"/videos/embed/{unlisted.short_uuid}").status_code == 200
    assert client.get("/videos/embed/not-a-video!").status_code == 404
    assert client.get("/videos/embed/00000000-0000-4000-8000-000000000000").status_code == 404


def test_transcoding_video_embeds_the_progress_notice(client, channel):
    video = make_video(channel, "Soon", state=VideoState.TO_TRANSCODE, transcoding_progress=42)
    html = client.get(f"/videos/embed/{video.short_uuid}").content.decode()
    assert 'data-state="2"' in html and 'data-progress="42"' in html
    assert "data-hls-src" not in html


def test_watch_page_head_has_link_previews(client, video):
    html = client.get(f"/w/{video.short_uuid}").content.decode()
    watch_url = f"http://testserver/w/{video.short_uuid}"
    assert f'<link rel="canonical" href="{watch_url}">' in html
    assert (
        f'<link rel="alternate" type="application/json+oembed" '
        f'href="http://testserver/services/oembed?url={quote(watch_url, safe="")}&amp;format=json"'
    ) in html
    assert (
        f'<link rel="alternate" type="application/rss+xml" '
        f'href="http://testserver/feeds/videos.xml?videoChannelId={video.channel_id}"'
    ) in html
    assert '<meta property="og:type" content="video.other">' in html
    assert f'<meta property="og:video:url" content="http://testserver/videos/embed/{video.short_uuid}">' in html
    assert '<meta property="og:image" content="http://testserver/lazy-static/previews/preview-uuid.jpg">' in html
    assert '<meta name="twitter:card" content="player">' in html
    assert "<script>alert(1)</script>" not in html


def _oembed(client, url: str, **params):
    return client.get("/services/oembed", {"url": url, **params})


def test_oembed_json_like_peertube(client, video):
    for path in (f"/w/{video.short_uuid}", f"/videos/watch/{video.uuid}"):
        response = _oembed(client, f"http://testserver{path}")
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        body = response.json()
        assert body["type"] == "video" and body["version"] == "1.0"
        assert (body["width"], body["height"]) == (560, 315)
        assert body["title"] == NAME
        assert body["author_name"] == video.channel.display_name
        assert body["provider_url"] == "http://testserver/"
        assert body["thumbnail_url"] == "http://testserver/lazy-static/previews/preview-uuid.jpg"
        assert (body["thumbnail_width"], body["thumbnail_height"]) == (850, 480)
        assert f'src="http://testserver/videos/embed/{video.short_uuid}"' in body["html"]
        assert "<script>" not in body["html"] and "&lt;script&gt;" in body["html"]


def test_oembed_maxwidth_and_start_time(client, video):
    body = _oembed(
        client,
        f"http://testserver/w/{video.short_uuid}?start=1m30s&muted=1&tracking=1",
        maxwidth="400",
        maxheight="1000",
    ).json()
    assert (body["width"], body["height"]) == (400, 315)
    assert f'/videos/embed/{video.short_uuid}?start=1m30s&amp;muted=1"' in body["html"]
    assert "tracking" not in body["html"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"url": "http://testserver/w/{id}", "format": "xml"}, 501),
        ({"url": "http://elsewhere.example/w/{id}"}, 400),
        ({"url": "http://testserver/c/somechannel"}, 400),
        ({}, 400),
        ({"url": "http://testserver/w/{id}", "maxwidth": "-3"}, 400),
        ({"url": "http://testserver/w/{id}", "maxheight": "abc"}, 400),
        ({"url": "http://testserver/w/00000000-0000-4000-8000-000000000000"}, 404),
    ],
)
def test_oembed_bad_input(client, video, params, status):
    params = {key: value.replace("{id}", video.short_uuid) for key, value in params.items()}
    response = client.get("/services/oembed", params)
    assert response.status_code == status
    assert "error" in json.loads(response.content)


def test_oembed_hides_private_videos(client, channel):
    video = make_video(channel, "Secret", privacy=VideoPrivacy.PRIVATE)
    assert _oembed(client, f"http://testserver/w/{video.short_uuid}").status_code == 404
