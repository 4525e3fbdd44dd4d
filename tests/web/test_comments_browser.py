"""Comments and likes in a real headless Chromium against a live instance (gunicorn): the administrator
comments, replies and likes a video through the watch page; an anonymous viewer then reads the thread and
the count, with no cookie and nothing loaded from another origin."""

from __future__ import annotations

import pytest
import requests

from tests.browser import logged_in_page
from tests.live import start_instance

pytestmark = pytest.mark.browser

CREATE_VIDEO = """
from django.utils import timezone
from videos.constants import VideoPrivacy, VideoState
from videos.models import Channel, Video
video = Video.objects.create(channel=Channel.objects.get(name="root_channel"), name="Talk about it", duration=30,
                             state=VideoState.PUBLISHED, privacy=VideoPrivacy.PUBLIC, published_at=timezone.now())
print(video.uuid, video.short_uuid)
"""


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    live = start_instance(tmp_path_factory.mktemp("comments-instance"), worker=False)
    yield live
    live.stop()


def test_comment_reply_and_like_through_the_watch_page(open_page, instance):
    video_uuid, short_uuid = instance.manage("shell", "-c", CREATE_VIDEO).stdout.split()[-2:]
    watch = f"{instance.url}/w/{short_uuid}"
    recorded = logged_in_page(open_page, instance)
    page = recorded.page
    page.goto(watch)

    page.fill("#new-comment", "Premier commentaire <b>pas gras</b>\nsur deux lignes")
    page.click(".comments > .comment-form button[type=submit]")
    page.wait_for_url(f"{watch}#comment-*")
    comment = page.locator(".comment-list > .comment").first
    assert (
        comment.locator(".comment-text").inner_html()
        == "Premier commentaire &lt;b&gt;pas gras&lt;/b&gt;<br>sur deux lignes"
    )

    comment.locator(".comment-reply summary").click()
    comment.locator(".comment-reply textarea").fill("Une réponse")
    comment.locator(".comment-reply button[type=submit]").click()
    page.wait_for_selector(".comment-replies .comment-text:has-text('Une réponse')")

    like = page.locator(".rate-button[data-kind=like]")
    assert like.get_attribute("aria-pressed") == "false"
    with page.expect_response(lambda response: response.url.endswith("/rate")) as rated:
        like.click()
    assert rated.value.status == 200  # sent with fetch: the page stays, the count changes in place
    page.wait_for_function("() => document.querySelector('[data-count=likes]').textContent === '1'")
    assert like.get_attribute("aria-pressed") == "true" and page.url.startswith(watch)
    recorded.screenshot("comments-watch-desktop")

    api = requests.get(f"{instance.url}/api/v1/videos/{video_uuid}/comment-threads", timeout=5).json()
    assert api["total"] == 1 and api["totalNotDeletedComments"] == 2
    assert requests.get(f"{instance.url}/api/v1/videos/{video_uuid}", timeout=5).json()["likes"] == 1

    viewer = open_page(locale="en-US")
    viewer.page.goto(watch)
    assert "1 like" in viewer.page.locator(".rating").inner_text()
    assert viewer.page.locator(".comment-replies .comment-text").inner_text() == "Une réponse"
    assert viewer.foreign_requests(instance.url) == []
    assert viewer.context.cookies() == []
