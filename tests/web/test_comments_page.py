"""Likes and comments on the watch page, with Django's test client: what anonymous viewers and logged-in
users see, the forms (CSRF-protected, working without JavaScript), escaping, pages of threads, French."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import COMMENTER_PASSWORD, ODD_VALUES, local_account, video_of
from videos.constants import CommentsPolicy, UserRole, VideoPrivacy
from videos.models import Comment
from videos.services.comments import delete_comment, post_comment
from videos.services.ratings import rate_video
from videos.web.comments import THREADS_PER_PAGE

pytestmark = pytest.mark.django_db


def _logged_in(account, **client_options) -> Client:
    client = Client(**client_options)
    assert client.login(username=account.user.username, password=COMMENTER_PASSWORD)
    return client


def _page(client: Client, video, query: str = "", language: str = "en") -> str:
    response = client.get(f"/w/{video.short_uuid}{query}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str) -> str:
    return html[html.index('id="comments"') :]


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_anonymous_viewers_read_counts_and_comments_without_forms_or_cookies(client, video, alice, bob):
    rate_video(video, bob, "like")
    root = post_comment(video, bob, "<script>alert(1)</script> first\nsecond line")
    post_comment(video, alice, "Thanks!", in_reply_to=root)

    response = client.get(f"/w/{video.short_uuid}", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert not response.cookies
    assert "1 like" in html and "0 dislikes" in html
    assert f'href="/login?next=/w/{video.short_uuid}"' in html and "Log in to rate" in html
    section = _section(html)
    assert "2 comments" in section and "Log in to comment" in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt; first<br>second line" in section
    assert "<script>alert" not in html
    assert "csrfmiddlewaretoken" not in html and "<textarea" not in section
    replies = section[section.index('class="comment-replies"') :]
    assert "Thanks!" in replies  # the reply sits under its comment


def test_a_logged_in_user_comments_and_replies_through_the_forms(video, bob):
    client = _logged_in(bob, enforce_csrf_checks=True)
    html = _page(client, video)
    action = f"/w/{video.short_uuid}/comments"
    assert f'action="{action}"' in _section(html)

    response = client.post(action, {"text": "  My comment  ", "csrfmiddlewaretoken": _csrf(html)})
    comment = Comment.objects.get()
    assert (comment.text, comment.account, comment.video) == ("My comment", bob, video)
    assert response.status_code == 302 and response["Location"] == f"/w/{video.short_uuid}#comment-{comment.pk}"

    html = _page(client, video)
    assert f'name="in_reply_to" value="{comment.pk}"' in html
    client.post(action, {"text": "My reply", "in_reply_to": str(comment.pk), "csrfmiddlewaretoken": _csrf(html)})
    reply = Comment.objects.get(text="My reply")
    assert (reply.in_reply_to, reply.thread) == (comment, comment)
    assert client.post(action, {"text": "No token"}).status_code == 403
    assert Comment.objects.count() == 2


def test_a_refused_comment_comes_back_with_the_reason(video, bob):
    client = _logged_in(bob)
    response = client.post(f"/w/{video.short_uuid}/comments", {"text": "   "}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "A comment cannot be empty." in response.content.decode()
    assert not Comment.objects.exists()
    assert client.post(f"/w/{video.short_uuid}/comments", {"text": "Hi", "in_reply_to": "x"}).status_code == 400
    assert client.post(f"/w/{video.short_uuid}/comments", {"text": "Hi", "in_reply_to": "4242"}).status_code == 404


def test_forms_need_a_login_and_a_video_one_may_see(client, alice, bob):
    private = video_of(alice, "Private rushes", privacy=VideoPrivacy.PRIVATE)
    response = client.post(f"/w/{private.short_uuid}/comments", {"text": "Hi"})
    assert response.status_code == 302 and response["Location"].startswith("/login?next=")
    assert _logged_in(bob).post(f"/w/{private.short_uuid}/comments", {"text": "Hi"}).status_code == 404
    assert _logged_in(bob).post(f"/w/{private.short_uuid}/rate", {"rating": "like"}).status_code == 404
    assert _logged_in(bob).get(f"/w/{private.short_uuid}/comments").status_code == 405
    assert not Comment.objects.exists()


def test_delete_buttons_for_the_author_the_owner_and_moderators_only(video, alice, bob):
    comment = post_comment(video, bob, "Deletable")
    delete_path = f"/w/{video.short_uuid}/comments/{comment.pk}/delete"
    eve = local_account("eve")
    moderator = local_account("mod", role=UserRole.MODERATOR)
    for account, shown in ((bob, True), (alice, True), (moderator, True), (eve, False)):
        assert (f'action="{delete_path}"' in _page(_logged_in(account), video)) is shown, account

    assert _logged_in(eve).post(delete_path).status_code == 404
    response = _logged_in(alice).post(delete_path)
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_deleted
    html = _page(Client(), video)
    assert "Deletable" not in html and "This comment was deleted." in html and "0 comments" in html


def test_a_tombstone_keeps_its_replies_in_place(client, video, alice, bob):
    root = post_comment(video, bob, "Soon gone")
    post_comment(video, alice, "Still here", in_reply_to=root)
    delete_comment(root)
    section = _section(_page(client, video))
    assert section.index("This comment was deleted.") < section.index("Still here")


def test_disabled_comments_are_said_so_and_hidden(client, video, bob):
    post_comment(video, bob, "Before the owner closed them")
    video.comments_policy = CommentsPolicy.DISABLED
    video.save()
    for viewer in (client, _logged_in(bob)):
        section = _section(_page(viewer, video))
        assert "Comments are disabled for this video." in section
        assert "Before the owner" not in section and "<textarea" not in section


def test_threads_come_newest_first_twenty_a_page(client, video, bob):
    for number in range(THREADS_PER_PAGE + 2):
        post_comment(video, bob, f"Thread number {number:02d}")
    first = _section(_page(client, video))
    assert first.index("Thread number 21") < first.index("Thread number 02")
    assert "Thread number 01" not in first and "Thread number 00" not in first
    assert 'href="?comments_page=2#comments"' in first and "More comments" in first
    second = _section(_page(client, video, "?comments_page=2"))
    assert "Thread number 01" in second and "Thread number 00" in second and "Thread number 21" not in second
    assert "Newer comments" in second


def test_the_watch_page_reads_comments_in_a_constant_number_of_queries(video, alice, bob):
    owner = _logged_in(alice)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            _page(owner, video)
        return len(queries)

    root = post_comment(video, bob, "Root")
    post_comment(video, alice, "Reply", in_reply_to=root)
    few = count_queries()
    for number in range(5):
        thread = post_comment(video, bob, f"Thread {number}")
        post_comment(video, alice, "Reply", in_reply_to=post_comment(video, bob, "Reply", in_reply_to=thread))
    assert count_queries() == few


def test_rating_form_without_javascript_and_with_fetch(video, bob):
    client = _logged_in(bob, enforce_csrf_checks=True)
    html = _page(client, video)
    assert 'value="like"' in html and 'aria-pressed="false"' in html
    response = client.post(f"/w/{video.short_uuid}/rate", {"rating": "like", "csrfmiddlewaretoken": _csrf(html)})
    assert response.status_code == 302 and response["Location"] == f"/w/{video.short_uuid}#rating"
    html = _page(client, video)
    like_button = re.search(r'<button[^>]*data-kind="like"[^>]*>', html, re.S).group(0)
    assert 'value="none"' in like_button and 'aria-pressed="true"' in like_button
    assert re.search(r'data-count="likes">1<', html)

    response = client.post(
        f"/w/{video.short_uuid}/rate",
        {"rating": "dislike", "csrfmiddlewaretoken": _csrf(html)},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"likes": 0, "dislikes": 1, "rating": "dislike"}
    assert (
        client.post(f"/w/{video.short_uuid}/rate", {"rating": "love", "csrfmiddlewaretoken": _csrf(html)}).status_code
        == 400
    )
    assert client.post(f"/w/{video.short_uuid}/rate", {"rating": "like"}).status_code == 403  # no CSRF token


def test_french_page(client, video, bob):
    rate_video(video, bob, "like")
    post_comment(video, bob, "Bravo")
    html = _page(client, video, language="fr")
    assert "1 j’aime" in html and "0 je n’aime pas" in html and "Connectez-vous pour donner votre avis" in html
    assert "Connectez-vous pour commenter" in html and "1 commentaire" in html
    refused = _logged_in(bob).post(
        f"/w/{video.short_uuid}/comments", {"text": ""}, follow=True, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert "Un commentaire ne peut pas être vide." in refused.content.decode()


def test_odd_addresses_and_fields_answer_without_a_server_error(video, bob):
    client = _logged_in(bob)
    client.raise_request_exception = False
    posts = [
        ("/w/{}/comments", {"text": "Hi"}),
        ("/w/{}/rate", {"rating": "like"}),
        (f"/w/{video.short_uuid}/comments", {"text": "Hi", "in_reply_to": "{}"}),
        (f"/w/{video.short_uuid}/comments", {"text": "{}"}),
        (f"/w/{video.short_uuid}/rate", {"rating": "{}"}),
        (f"/w/{video.short_uuid}/comments/{{}}/delete", {}),
    ]
    gets = [
        "/api/v1/videos/{}/comment-threads",
        f"/api/v1/videos/{video.uuid}/comment-threads/{{}}",
        f"/api/v1/videos/{video.uuid}/comment-threads?sort={{}}",
        f"/api/v1/videos/{video.uuid}/comment-threads?count={{}}",
        "/api/v1/users/me/videos/{}/rating",
    ]
    failures = [
        (path, value)
        for path, fields in posts
        for value in ODD_VALUES
        if client.post(
            path.replace("{}", value), {key: field.replace("{}", value) for key, field in fields.items()}
        ).status_code
        >= 500
    ]
    failures += [
        (path, value)
        for path in gets
        for value in ODD_VALUES
        if client.get(path.replace("{}", value)).status_code >= 500
    ]
    assert failures == []
