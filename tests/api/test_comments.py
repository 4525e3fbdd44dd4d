"""PeerTube's Video Comments API: threads, replies, the thread tree, deletion, privacy and refusals."""

from __future__ import annotations

import pytest

from tests.api.conftest import bearer, check, response_schema
from tests.factories import local_account, video_of
from videos.constants import CommentsPolicy, UserRole, VideoPrivacy

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(user):
    return video_of(user.account, "Alice's episode")


def _threads(video) -> str:
    return f"/api/v1/videos/{video.uuid}/comment-threads"


def _post(api, path: str, token: str, text: str):
    return api.post(path, {"text": text}, format="json", **bearer(token))


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["detail"]
    return body


def test_a_new_thread_answers_peertubes_video_comment(api, video, bob, bob_token):
    response = _post(api, _threads(video), bob_token, "  Nice <b>episode</b>\nreally  ")
    assert response.status_code == 200, response.content
    comment = response.json()["comment"]
    assert comment["text"] == "Nice <b>episode</b>\nreally"
    assert comment["threadId"] == comment["id"] and comment["inReplyToCommentId"] is None
    assert comment["videoId"] == video.pk
    assert comment["url"] == f"http://testserver/videos/watch/{video.uuid}/comments/{comment['id']}"
    assert comment["account"]["name"] == "bob" and comment["account"]["url"] == "http://testserver/accounts/bob"
    assert (comment["isDeleted"], comment["deletedAt"], comment["totalReplies"]) == (False, None, 0)


def test_threads_list_newest_first_with_counters_and_pages(api, video, alice_token, bob_token):
    first = _post(api, _threads(video), bob_token, "First").json()["comment"]
    _post(api, _threads(video), bob_token, "Second")
    reply_path = f"/api/v1/videos/{video.uuid}/comments/{first['id']}"
    assert _post(api, reply_path, alice_token, "Thanks from the owner").status_code == 200

    body = api.get(_threads(video)).json()
    assert (body["total"], body["totalNotDeletedComments"]) == (2, 3)
    assert [thread["text"] for thread in body["data"]] == ["Second", "First"]
    assert (body["data"][1]["totalReplies"], body["data"][1]["totalRepliesFromVideoAuthor"]) == (1, 1)

    assert [t["text"] for t in api.get(_threads(video) + "?sort=createdAt").json()["data"]] == ["First", "Second"]
    assert [t["text"] for t in api.get(_threads(video) + "?sort=-totalReplies").json()["data"]][0] == "First"
    page = api.get(_threads(video) + "?start=1&count=1").json()
    assert (page["total"], [t["text"] for t in page["data"]]) == (2, ["First"])
    assert "sort" in _problem(api.get(_threads(video) + "?sort=-views"), 400)["invalid-params"]


def test_a_thread_is_a_tree_of_replies(api, video, alice_token, bob_token):
    root = _post(api, _threads(video), bob_token, "Root").json()["comment"]
    answer = _post(api, f"/api/v1/videos/{video.uuid}/comments/{root['id']}", alice_token, "Answer").json()["comment"]
    deeper = _post(api, f"/api/v1/videos/{video.short_uuid}/comments/{answer['id']}", bob_token, "Deeper").json()[
        "comment"
    ]
    assert (answer["threadId"], answer["inReplyToCommentId"]) == (root["id"], root["id"])
    assert (deeper["threadId"], deeper["inReplyToCommentId"]) == (root["id"], answer["id"])

    tree = api.get(f"{_threads(video)}/{root['id']}").json()
    assert tree["comment"]["text"] == "Root" and tree["comment"]["totalReplies"] == 2
    assert [child["comment"]["text"] for child in tree["children"]] == ["Answer"]
    assert [child["comment"]["text"] for child in tree["children"][0]["children"]] == ["Deeper"]
    assert tree["children"][0]["children"][0]["children"] == []
    assert api.get(f"{_threads(video)}/{answer['id']}").status_code == 404  # a reply is no thread
    assert api.get(f"{_threads(video)}/99999999999999999999999").status_code == 404


def test_answers_match_peertubes_schemas(api, video, alice_token, bob_token):
    posted = _post(api, _threads(video), bob_token, "Root").json()
    _post(api, f"/api/v1/videos/{video.uuid}/comments/{posted['comment']['id']}", alice_token, "Reply")
    answers = [
        (posted, "/api/v1/videos/{id}/comment-threads", "post"),
        (api.get(_threads(video)).json(), "/api/v1/videos/{id}/comment-threads", "get"),
        (
            api.get(f"{_threads(video)}/{posted['comment']['id']}").json(),
            "/api/v1/videos/{id}/comment-threads/{threadId}",
            "get",
        ),
    ]
    problems: list[str] = []
    for body, path, method in answers:
        check(body, response_schema(path, method), f"{method} {path}", problems)
    assert problems == []


def test_refusals_are_problem_json(api, video, bob_token):
    assert _problem(api.post(_threads(video), {"text": "Hi"}, format="json"), 401)
    assert "empty" in _problem(_post(api, _threads(video), bob_token, "   "), 400)["detail"]
    assert "10000" in _problem(_post(api, _threads(video), bob_token, "x" * 10001), 400)["detail"]
    assert "text" in _problem(api.post(_threads(video), {}, format="json", **bearer(bob_token)), 400)["invalid-params"]
    assert _problem(_post(api, f"/api/v1/videos/{video.uuid}/comments/424242", bob_token, "Hi"), 404)
    assert _problem(
        _post(api, "/api/v1/videos/00000000-0000-0000-0000-000000000000/comment-threads", bob_token, "Hi"), 404
    )


def test_disabled_comments_are_hidden_and_refused(api, video, bob_token):
    root = _post(api, _threads(video), bob_token, "Before").json()["comment"]
    video.comments_policy = CommentsPolicy.DISABLED
    video.save()
    assert api.get(_threads(video)).json() == {"total": 0, "totalNotDeletedComments": 0, "data": []}
    assert api.get(f"{_threads(video)}/{root['id']}").status_code == 404
    assert "disabled" in _problem(_post(api, _threads(video), bob_token, "After"), 409)["detail"]


def test_a_video_one_may_not_see_hides_its_comments_like_the_video(api, user, alice_token, bob_token):
    private = video_of(user.account, "Private rushes", privacy=VideoPrivacy.PRIVATE)
    assert _post(api, _threads(private), alice_token, "Note to self").status_code == 200
    assert _problem(api.get(_threads(private)), 401)
    assert _problem(api.get(_threads(private), **bearer(bob_token)), 403)
    assert _problem(_post(api, _threads(private), bob_token, "Sneaky"), 403)
    assert api.get(_threads(private), **bearer(alice_token)).json()["total"] == 1


def test_deletion_by_author_owner_or_moderator_leaves_a_tombstone(api, login, video, alice_token, bob_token):
    local_account("eve")
    local_account("mod", role=UserRole.MODERATOR)
    eve_token, mod_token = login("eve", "a-long-password-1"), login("mod", "a-long-password-1")
    ids = [_post(api, _threads(video), bob_token, f"Comment {n}").json()["comment"]["id"] for n in range(3)]
    _post(api, f"/api/v1/videos/{video.uuid}/comments/{ids[0]}", alice_token, "A reply keeps the tombstone")
    path = f"/api/v1/videos/{video.uuid}/comments/{{}}"

    assert _problem(api.delete(path.format(ids[0])), 401)
    assert _problem(api.delete(path.format(ids[0]), **bearer(eve_token)), 403)
    assert api.delete(path.format(ids[0]), **bearer(bob_token)).status_code == 204  # its author
    assert api.delete(path.format(ids[1]), **bearer(alice_token)).status_code == 204  # the video's owner
    assert api.delete(path.format(ids[2]), **bearer(mod_token)).status_code == 204
    assert "already deleted" in _problem(api.delete(path.format(ids[0]), **bearer(bob_token)), 409)["detail"]

    body = api.get(_threads(video)).json()
    assert (body["total"], body["totalNotDeletedComments"]) == (3, 1)
    tombstone = next(thread for thread in body["data"] if thread["id"] == ids[0])
    assert tombstone["isDeleted"] and tombstone["deletedAt"]
    assert (tombstone["text"], tombstone["account"], tombstone["totalReplies"]) == ("", None, 1)
    assert _problem(_post(api, path.format(ids[0]), alice_token, "Too late"), 409)
