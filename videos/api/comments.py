"""PeerTube's Video Comments API: comment threads of a video, one thread as a tree, replies, deletion.

The video is found and its privacy enforced by `get_video`, as on every video endpoint; the rules of
posting and deleting are videos.services.comments'.
"""

from __future__ import annotations

from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from videos.api.errors import ApiError
from videos.api.pagination import page_params, paginate
from videos.api.serializers import CommentInput, comment_body
from videos.api.views import ApiView, get_video
from videos.models import Comment, User, Video
from videos.services.comments import (
    CommentNode,
    CommentRefused,
    can_delete_comment,
    comment_threads,
    comment_tree,
    comments_shown,
    delete_comment,
    live_comment_count,
    post_comment,
)

# PeerTube's sort keys for comment threads -> the column (or annotation) that orders them.
THREAD_SORTS = {"createdAt": "created_at", "totalReplies": "total_replies"}


def logged_in(request: Request) -> User:
    """The caller, or 401 as PeerTube answers a missing token on the endpoints that need one."""
    if not request.user.is_authenticated:
        raise ApiError(401, "Authentication required.")
    return request.user


def _post(request: Request, video: Video, in_reply_to: Comment | None = None) -> Response:
    account = logged_in(request).account
    data = CommentInput(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        comment = post_comment(video, account, data.validated_data["text"], in_reply_to=in_reply_to)
    except CommentRefused as error:
        raise ApiError(error.status, error.message) from error
    return Response({"comment": comment_body(comment)})


def _comment(video: Video, comment_id: int) -> Comment:
    comment = (
        Comment.objects.select_related("account", "video__channel__account").filter(pk=comment_id, video=video).first()
    )
    if comment is None:
        raise NotFound("Video comment not found")
    return comment


def _tree(node: CommentNode) -> dict:
    return {"comment": comment_body(node.comment), "children": [_tree(child) for child in node.children]}


class CommentThreadsView(ApiView):
    """`GET|POST /videos/{id}/comment-threads`: the threads (none when comments are disabled), a new thread."""

    def get(self, request: Request, video_id: str) -> Response:
        video = get_video(request, video_id)
        start, count, ordering = page_params(request, THREAD_SORTS)
        if not comments_shown(video):
            return Response({"total": 0, "totalNotDeletedComments": 0, "data": []})
        threads = comment_threads(video).order_by(ordering or "-created_at", "-pk")
        total, page = paginate(threads, start, count)
        return Response(
            {
                "total": total,
                "totalNotDeletedComments": live_comment_count(video),
                "data": [comment_body(comment) for comment in page],
            }
        )

    def post(self, request: Request, video_id: str) -> Response:
        return _post(request, get_video(request, video_id))


class CommentThreadView(ApiView):
    """`GET /videos/{id}/comment-threads/{threadId}`: the thread as a tree of `{comment, children}`."""

    def get(self, request: Request, video_id: str, thread_id: int) -> Response:
        video = get_video(request, video_id)
        root = None
        if comments_shown(video):
            root = comment_threads(video).filter(pk=thread_id).first()
        if root is None:
            raise NotFound("No comments were found")
        return Response(_tree(comment_tree(root)))


class CommentView(ApiView):
    """`POST /videos/{id}/comments/{commentId}` replies; `DELETE` makes it a tombstone."""

    def post(self, request: Request, video_id: str, comment_id: int) -> Response:
        video = get_video(request, video_id)
        return _post(request, video, in_reply_to=_comment(video, comment_id))

    def delete(self, request: Request, video_id: str, comment_id: int) -> Response:
        video = get_video(request, video_id)
        user = logged_in(request)
        comment = _comment(video, comment_id)
        if comment.is_deleted:
            raise ApiError(409, "This comment is already deleted.")
        if not can_delete_comment(user, comment):
            raise PermissionDenied("Cannot remove a comment of another user.")
        delete_comment(comment)
        return Response(status=204)
