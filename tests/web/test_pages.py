"""The server-rendered pages with Django's test client: privacy of lists, 404s, escaping, query counts."""

import subprocess

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import make_user, make_video
from videos.constants import VideoPrivacy, VideoState
from videos.models import Channel, InstanceSettings, Tag, Video

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(user) -> Channel:
    return user.account.channels.get()


@pytest.fixture
def videos(channel):
    return {
        "public": make_video(channel, "Public episode", views=12),
        "private": make_video(channel, "Private rushes", privacy=VideoPrivacy.PRIVATE),
        "unlisted": make_video(channel, "Unlisted bonus", privacy=VideoPrivacy.UNLISTED),
        "transcoding": make_video(channel, "Still transcoding", state=VideoState.TO_TRANSCODE, published_at=None),
    }


def test_home_lists_public_published_videos_only(client, videos):
    html = client.get("/").content.decode()
    assert "Public episode" in html
    assert "1:05" in html  # duration on the card
    for hidden in ("Private rushes", "Unlisted bonus", "Still transcoding"):
        assert hidden not in html


def test_trending_and_local_tabs(client, channel, videos):
    make_video(channel, "Most watched", views=999)
    trending = client.get("/videos/trending").content.decode()
    assert trending.index("Most watched") < trending.index("Public episode")
    assert "Public episode" in client.get("/videos/local").content.decode()


def test_watch_page_by_short_uuid_and_uuid(client, videos):
    video = videos["public"]
    for url in (f"/w/{video.short_uuid}", f"/videos/watch/{video.uuid}"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Public episode" in response.content.decode()
        assert response.context["video"] == video


def test_watch_page_suggests_more_listed_videos_of_the_channel(client, channel, videos):
    html = client.get(f"/w/{videos['unlisted'].short_uuid}").content.decode()
    more = html[html.index('class="more"') :]
    assert "Public episode" in more
    assert "Private rushes" not in more and "Still transcoding" not in more


def test_unlisted_video_is_watchable_by_link(client, videos):
    assert client.get(f"/w/{videos['unlisted'].short_uuid}").status_code == 200


def test_unknown_and_private_videos_are_404(client, videos, user):
    assert client.get("/w/notAshortUuid0OIl").status_code == 404
    assert client.get("/videos/watch/00000000-0000-0000-0000-000000000000").status_code == 404
    private = f"/w/{videos['private'].short_uuid}"
    assert client.get(private).status_code == 404
    make_user("bob")
    client.login(username="bob", password="bob-password-1")
    assert client.get(private).status_code == 404
    client.login(username="alice", password="alice-password-1")
    assert client.get(private).status_code == 200


def test_user_text_is_escaped_and_links_are_safe(client, channel):
    video = make_video(
        channel,
        "<script>alert(1)</script>",
        description="Line one\nSee https://example.org/page <img src=x onerror=alert(2)>",
    )
    html = client.get(f"/w/{video.short_uuid}").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert '<a href="https://example.org/page" rel="nofollow">' in html
    assert "Line one<br>" in html
    assert "&lt;script&gt;" in client.get("/").content.decode()
    searched = client.get("/search", {"search": "<script>x"}).content.decode()
    assert "<script>x" not in searched and "&lt;script&gt;x" in searched


def test_watch_page_shows_tags_category_and_channel(client, channel):
    video = make_video(channel, "Tagged", category=13)
    video.tags.add(Tag.objects.create(name="jazz"), Tag.objects.create(name="AC/DC"))
    html = client.get(f"/w/{video.short_uuid}").content.decode()
    assert 'href="/videos/tags/jazz"' in html and 'href="/videos/tags/AC/DC"' in html
    assert "Tagged" in client.get("/videos/tags/AC/DC").content.decode()
    assert 'href="/search?categoryOneOf=13"' in html
    assert f'href="/c/{channel.name}"' in html


def test_channel_and_account_pages(client, channel, videos):
    for url in (f"/c/{channel.name}", f"/c/{channel.name}/videos", "/a/alice"):
        html = client.get(url).content.decode()
        assert "Public episode" in html
        assert "Private rushes" not in html
    assert client.get("/c/nobody").status_code == 404
    assert client.get("/a/nobody").status_code == 404


def test_search_tag_and_category_pages(client, channel, videos):
    tagged = make_video(channel, "Jazz night", category=1)
    tagged.tags.add(Tag.objects.create(name="jazz"))
    popular = make_video(channel, "Popular episode", views=500)
    by_views = client.get("/search", {"search": "episode", "sort": "-views"}).content.decode()
    assert by_views.index("Popular episode") < by_views.index("Public episode")
    assert client.get("/search", {"search": "episode", "sort": "bogus"}).status_code == 200
    popular.delete()
    found = client.get("/search", {"search": "episode"}).content.decode()
    assert "Public episode" in found and "Jazz night" not in found
    assert "Private rushes" not in client.get("/search", {"search": "rushes"}).content.decode()
    for url, params in (
        ("/videos/tags/jazz", {}),
        ("/search", {"tagsOneOf": "jazz"}),
        ("/search", {"categoryOneOf": "1"}),
    ):
        html = client.get(url, params).content.decode()
        assert "Jazz night" in html and "Public episode" not in html
    assert "Music" in client.get("/videos/categories", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_about_page_shows_instance_description_and_contact(client, db):
    InstanceSettings.objects.create(pk=1, description="We film <b>rivers</b>.", admin_email="team@example.org")
    html = client.get("/about").content.decode()
    assert "We film &lt;b&gt;rivers&lt;/b&gt;." in html
    assert 'href="mailto:team@example.org"' in html


def test_my_videos_requires_login_and_shows_every_state(client, videos):
    response = client.get("/my-library/videos")
    assert response.status_code == 302 and response["Location"].startswith("/login?next=")
    client.login(username="alice", password="alice-password-1")
    html = client.get("/my-library/videos").content.decode()
    for name in ("Public episode", "Private rushes", "Unlisted bonus", "Still transcoding"):
        assert name in html


def test_owner_edits_and_deletes_a_video(client, channel, videos):
    video = videos["public"]
    client.login(username="alice", password="alice-password-1")
    response = client.post(
        f"/videos/update/{video.short_uuid}",
        {
            "name": "Renamed episode",
            "description": "",
            "channel": channel.pk,
            "privacy": VideoPrivacy.UNLISTED,
            "category": "",
            "licence": "",
            "language": "fr",
            "tags": "river, night",
        },
    )
    assert response.status_code == 302
    video.refresh_from_db()
    assert (video.name, video.privacy, video.language) == ("Renamed episode", VideoPrivacy.UNLISTED, "fr")
    assert sorted(video.tags.values_list("name", flat=True)) == ["night", "river"]
    assert client.post(f"/videos/delete/{video.short_uuid}").status_code == 302
    assert not Video.objects.filter(pk=video.pk).exists()


def test_owner_chooses_a_thumbnail_and_gets_a_readable_error_for_a_non_picture(client, channel, videos, tmp_path):
    video = videos["public"]
    client.login(username="alice", password="alice-password-1")
    fields = {
        "name": "With a cover",
        "description": "",
        "channel": channel.pk,
        "privacy": VideoPrivacy.PUBLIC,
        "category": "",
        "licence": "",
        "language": "",
        "tags": "",
    }
    not_a_picture = tmp_path / "notes.png"
    not_a_picture.write_text("shopping list")
    with not_a_picture.open("rb") as upload:
        refused = client.post(
            f"/videos/update/{video.short_uuid}", {**fields, "thumbnail": upload}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert refused.status_code == 200 and "must be a PNG, JPEG or WebP picture" in refused.content.decode()
    video.refresh_from_db()
    assert video.name == "Public episode" and not video.images_chosen
    cover = tmp_path / "cover.jpg"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=red:size=640x360", "-frames:v", "1", str(cover)],
        check=True,
    )
    with cover.open("rb") as upload:
        assert client.post(f"/videos/update/{video.short_uuid}", {**fields, "thumbnail": upload}).status_code == 302
    video.refresh_from_db()
    assert video.name == "With a cover" and video.images_chosen
    assert f"/lazy-static/thumbnails/{video.thumbnail_filename}" in client.get("/").content.decode()


def test_editing_keeps_a_publication_made_meanwhile(channel, videos):
    from videos.services.editing import update_video
    from videos.services.uploads import VideoMetadata

    stale = Video.objects.get(pk=videos["transcoding"].pk)  # loaded by the edit page
    Video.objects.filter(pk=stale.pk).update(state=VideoState.PUBLISHED)  # the worker publishes it meanwhile
    update_video(stale, channel=channel, metadata=VideoMetadata(name="Edited while published"))
    stale.refresh_from_db()
    assert (stale.name, stale.state) == ("Edited while published", VideoState.PUBLISHED)


def test_others_cannot_edit_or_delete(client, videos):
    make_user("bob")
    client.login(username="bob", password="bob-password-1")
    video = videos["public"]
    assert client.get(f"/videos/update/{video.short_uuid}").status_code == 404
    assert client.post(f"/videos/delete/{video.short_uuid}").status_code == 404
    assert Video.objects.filter(pk=video.pk).exists()


def test_login_and_logout(client, user):
    response = client.post("/login", {"username": "alice", "password": "alice-password-1"})
    assert response.status_code == 302
    assert "My videos" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert client.get("/logout").status_code == 405  # logout is a POST with CSRF
    assert client.post("/logout").status_code == 302
    assert "My videos" not in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_home_renders_in_a_constant_number_of_queries(client, user, channel):
    others = [make_user(f"user{number}").account.channels.get() for number in range(5)]
    for number in range(5):
        make_video(others[number], f"Video {number}")
    few = _home_queries(client)
    for number in range(45):
        make_video(others[number % 5], f"More {number}")
    assert _home_queries(client) == few
    assert few <= 3


def test_error_pages_render_without_a_request_and_in_french():
    from django.template.loader import render_to_string
    from django.utils import translation

    for template, english, french in (
        ("500.html", "Something went wrong", "Une erreur s’est produite"),
        ("400.html", "Request not understood", "Requête incomprise"),
    ):
        with translation.override("en"):
            assert english in render_to_string(template)
        with translation.override("fr"):
            assert french in render_to_string(template)
    assert "Page introuvable" in Client(HTTP_ACCEPT_LANGUAGE="fr").get("/w/notAshortUuid0OIl").content.decode()


def test_admin_edits_the_about_page_and_others_may_not(client, user, admin_user):
    client.login(username="alice", password="alice-password-1")
    assert client.get("/admin/settings").status_code == 403
    admin_user.set_password("root-pw-123")
    admin_user.save()
    client.login(username="root", password="root-pw-123")
    assert 'href="/admin/settings"' in client.get("/").content.decode()
    response = client.post(
        "/admin/settings",
        {"short_description": "Vidéos de SideWays", "description": "", "admin_email": "team@example.org"},
    )
    assert response.status_code == 302
    about = client.get("/about").content.decode()
    assert "Vidéos de SideWays" in about and "mailto:team@example.org" in about


def test_channel_and_account_pages_link_their_feeds(client, channel):
    html = client.get(f"/c/{channel.name}").content.decode()
    assert f'href="/feeds/videos.xml?videoChannelId={channel.pk}"' in html
    assert f'href="/feeds/podcast/videos.xml?videoChannelId={channel.pk}"' in html
    assert 'href="/feeds/videos.xml?accountName=alice"' in client.get("/a/alice").content.decode()
    assert client.get(f"/feeds/videos.xml?videoChannelId={channel.pk}").status_code == 200
