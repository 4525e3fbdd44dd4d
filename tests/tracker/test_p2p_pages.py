"""What the site tells players about P2P: the player's options (public videos only), the CSP, /config,
and the admin's switch (SIDEWAYS_P2P_ENABLED) turning all of it off."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from tests.factories import make_video
from videos.constants import VideoPrivacy
from videos.models import StreamingPlaylist, VideoFile
from videos.tracker.socket import tracker_socket


@pytest.fixture
def ladder(user):
    """A public and an unlisted video, each with a one-rung HLS playlist (rows only)."""
    channel = user.account.channels.get()
    videos = {}
    for privacy in (VideoPrivacy.PUBLIC, VideoPrivacy.UNLISTED):
        video = make_video(channel, f"Episode {privacy}", privacy=privacy)
        playlist = StreamingPlaylist.objects.create(
            video=video, playlist_filename="m-master.m3u8", segments_sha256_filename="s-segments-sha256.json"
        )
        VideoFile.objects.create(playlist=playlist, resolution=360, size=1, filename="r-360-fragmented.mp4")
        videos[privacy] = video
    return videos


def test_only_public_videos_get_p2p_options_and_the_csp_names_only_our_tracker(client, ladder, settings):
    settings.SIDEWAYS_STUN_URLS = ["stun:tube.example:3478"]
    public = client.get(f"/w/{ladder[VideoPrivacy.PUBLIC].short_uuid}")
    html = public.content.decode()
    uuid = ladder[VideoPrivacy.PUBLIC].uuid
    assert f'data-p2p-swarm="{settings.SIDEWAYS_URL}/static/streaming-playlists/hls/{uuid}/m-master.m3u8"' in html
    assert f'data-segment-hashes="/static/streaming-playlists/hls/{uuid}/s-segments-sha256.json"' in html
    assert 'data-p2p-stun="[&quot;stun:tube.example:3478&quot;]"' in html
    assert "leur montre votre adresse IP" in html  # the notice, in the default language (French)
    assert f"connect-src 'self' ws://{settings.INSTANCE_HOST};" in public.headers["Content-Security-Policy"]

    unlisted = client.get(f"/w/{ladder[VideoPrivacy.UNLISTED].short_uuid}").content.decode()
    assert "data-p2p-swarm" not in unlisted and "player-p2p" not in unlisted


def test_config_tells_peertube_clients(client, settings, db):
    settings.SIDEWAYS_STUN_URLS = ["stun:tube.example:3478"]
    config = client.get("/api/v1/config").json()
    assert config["tracker"] == {"enabled": True}
    assert config["webrtc"] == {"stunServers": ["stun:tube.example:3478"]}
    assert config["defaults"]["p2p"] == {"webapp": {"enabled": True}, "embed": {"enabled": True}}


def test_the_admin_switch_turns_everything_off(client, ladder, settings):
    settings.SIDEWAYS_P2P_ENABLED = False
    response = client.get(f"/w/{ladder[VideoPrivacy.PUBLIC].short_uuid}")
    assert "data-p2p-swarm" not in response.content.decode()
    assert "ws://" not in response.headers["Content-Security-Policy"]
    config = client.get("/api/v1/config").json()
    assert config["tracker"]["enabled"] is False and config["defaults"]["p2p"]["webapp"]["enabled"] is False

    sent = []

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        sent.append(message)

    async_to_sync(tracker_socket)({"type": "websocket", "path": "/tracker/socket"}, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008}]
