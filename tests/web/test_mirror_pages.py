"""What the pages tell players about peers' mirrors of a video: the mirrors' base URLs, the privacy notice
naming their hosts, and a CSP opening exactly their origins on that page; none of it for a video that is
not public, for expired mirrors, or when the admin keeps viewers away (SIDEWAYS_REDUNDANCY_SERVE_VIEWERS)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_video
from videos.constants import VideoPrivacy
from videos.models import StreamingPlaylist, Video, VideoRedundancy

MIRROR = "https://mirror.example/static/redundancy/hls"


def mirrored_video(channel, privacy: int) -> Video:
    """A video with an HLS playlist, a live mirror on mirror.example and an expired one on old.example."""
    video = make_video(channel, f"Mirrored {privacy}", privacy=privacy)
    playlist = StreamingPlaylist.objects.create(
        video=video, playlist_filename="m-master.m3u8", segments_sha256_filename="s-segments-sha256.json"
    )
    for host, expires_at in (("mirror.example", timezone.now() + timedelta(hours=1)), ("old.example", timezone.now())):
        VideoRedundancy.objects.create(
            playlist=playlist,
            url=f"https://{host}/redundancy/streaming-playlists/hls/{video.uuid}",
            base_url=f"https://{host}/static/redundancy/hls/{video.uuid}",
            actor_url=f"https://{host}/accounts/peertube",
            expires_at=expires_at,
        )
    return video


@pytest.fixture
def channel(user):
    return user.account.channels.get()


@pytest.mark.parametrize("page", ["/w/{}", "/videos/embed/{}"])
def test_a_public_videos_page_lists_its_live_mirrors_and_lets_only_them_in(client, channel, page):
    video = mirrored_video(channel, VideoPrivacy.PUBLIC)
    response = client.get(page.format(video.short_uuid))
    html = response.content.decode()
    assert f'data-mirrors="{MIRROR}/{video.uuid}"' in html
    assert f'data-segment-hashes="/static/streaming-playlists/hls/{video.uuid}/s-segments-sha256.json"' in html
    assert "qui voient alors votre adresse IP : mirror.example." in html
    policy = response.headers["Content-Security-Policy"]
    assert "connect-src 'self' https://mirror.example" in policy
    assert "media-src 'self' blob: https://mirror.example;" in policy
    assert "old.example" not in html + policy
    assert "mirror.example" not in client.get("/").headers["Content-Security-Policy"]


def test_no_mirrors_for_a_video_that_is_not_public(client, channel):
    video = mirrored_video(channel, VideoPrivacy.UNLISTED)
    response = client.get(f"/w/{video.short_uuid}")
    assert "mirror.example" not in response.content.decode() + response.headers["Content-Security-Policy"]


def test_the_admin_may_keep_viewers_away_from_mirrors(client, channel, settings):
    settings.SIDEWAYS_REDUNDANCY_SERVE_VIEWERS = False
    video = mirrored_video(channel, VideoPrivacy.PUBLIC)
    response = client.get(f"/w/{video.short_uuid}")
    html = response.content.decode()
    assert "data-mirrors" not in html and "player-mirrors-notice" not in html
    assert "mirror.example" not in response.headers["Content-Security-Policy"]
    assert client.get(f"/api/v1/videos/{video.uuid}").json()["streamingPlaylists"][0]["redundancies"] == [
        {"baseUrl": f"{MIRROR}/{video.uuid}"}
    ]
