"""Every public address, fed odd values in its path and query, answers without a server error."""

import pytest
from django.test import Client

from tests.factories import ODD_VALUES, make_video

pytestmark = pytest.mark.django_db

IN_PATH = [
    "/videos/embed/{}",
    "/w/{}",
    "/videos/watch/{}",
    "/c/{}",
    "/c/{}/videos",
    "/a/{}",
    "/a/{}/videos",
    "/videos/tags/{}",
    "/videos/update/{}",
    "/videos/delete/{}",
    "/download/videos/generate/{}",
    "/accounts/{}",
    "/video-channels/{}",
    "/videos/watch/{}/activity",
    "/api/v1/videos/{}",
    "/api/v1/videos/{}/description",
    "/api/v1/accounts/{}",
    "/api/v1/video-channels/{}/videos",
    "/remote/streaming-playlists/hls/{}/x.m3u8",
    "/static/web-videos/{}",
]
IN_QUERY = [
    "/search?search={}",
    "/search?sort={}",
    "/search?categoryOneOf={}",
    "/search?page={}",
    "/?page={}",
    "/videos/trending?page={}",
    "/feeds/videos.xml?videoChannelId={}",
    "/feeds/videos.xml?accountName={}",
    "/feeds/videos.xml?sort={}",
    "/feeds/podcast/videos.xml?videoChannelId={}",
    "/services/oembed?url={}",
    "/services/oembed?url=http://testserver/w/{}",
    "/services/oembed?url=http://testserver/w/x&maxwidth={}",
    "/.well-known/webfinger?resource={}",
    "/.well-known/webfinger?resource=acct:{}@testserver",
    "/api/v1/videos?count={}",
    "/api/v1/videos?nsfw={}",
    "/api/v1/videos?categoryOneOf={}",
    "/api/v1/videos?sort={}",
    "/api/v1/search/videos?search={}&start={}",
    "/api/v1/server/followers?count={}",
    "/videos/embed/x?start={}",
]


def test_no_address_answers_a_server_error(user):
    channel = user.account.channels.get()
    make_video(channel, "Episode", duration=5)
    client = Client(raise_request_exception=False)
    failures = [
        (url, status)
        for template in IN_PATH + IN_QUERY
        for value in ODD_VALUES
        if (status := client.get(url := template.replace("{}", value)).status_code) >= 500
    ]
    assert failures == []
