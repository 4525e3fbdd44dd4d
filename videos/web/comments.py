"""Comments and likes on the watch page: what the page shows (`comments_context`), and the forms it posts.

The forms work without JavaScript (POST, then back to the watch page); static/js/rating.js sends the
rating form with fetch and updates the counts in place, for which `rate` answers JSON.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from videos.identifiers import ascii_number
from videos.models import Comment, User, Video
from videos.services.catalog import may_watch
from videos.services.comments import (
    CommentNode,
    CommentRefused,
    can_delete_comment,
    comment_threads,
    comment_trees,
    comments_open,
    comments_shown,
    delete_comment,
    live_comment_count,
    post_comment,
)
from videos.services.ratings import KINDS, rate_video, rating_of
from videos.web.lookup import video_or_404

THREADS_PER_PAGE = 20


def _deletable(user: User, nodes: list[CommentNode]) -> set[int]:
    """Ids of the comments in these trees that `user` may delete (for the delete buttons)."""
    ids: set[int] = set()
    for node in nodes:
        if can_delete_comment(user, node.comment):
            ids.add(node.comment.pk)
        ids |= _deletable(user, node.children)
    return ids


def comments_context(request: HttpRequest, video: Video) -> dict:
    """What the watch page needs for its likes and comments: one page of threads, newest first, with
    their replies (three queries whatever their number), the viewer's rating and what they may do."""
    account = request.user.account if request.user.is_authenticated else None
    context = {"comments_shown": comments_shown(video), "my_rating": rating_of(video, account) if account else None}
    if not context["comments_shown"]:
        return context
    threads = comment_threads(video).order_by("-created_at", "-pk")
    page = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("comments_page"))
    trees = comment_trees(list(page.object_list))
    return {
        **context,
        "comment_page": page,
        "comment_trees": trees,
        "comment_count": live_comment_count(video),
        "comments_open": comments_open(video, account),
        "deletable_comments": _deletable(request.user, trees) if account else set(),
    }


def _watched_video(request: HttpRequest, video_id: str) -> Video:
    videos = Video.objects.select_related("channel__account")
    return video_or_404(video_id, videos, lambda video: may_watch(request.user, video))


def _back_to_video(video: Video, anchor: str = "") -> HttpResponse:
    return redirect(reverse("watch", args=[video.short_uuid]) + anchor)


@login_required
@require_POST
def comment(request: HttpRequest, video_id: str) -> HttpResponse:
    """Post a comment, or a reply when the form names `in_reply_to`; back to it on the watch page."""
    video = _watched_video(request, video_id)
    parent = None
    if parent_id := request.POST.get("in_reply_to", ""):
        if ascii_number(parent_id) is None:
            raise BadRequest("in_reply_to is not a comment id")
        parent = get_object_or_404(Comment, pk=parent_id, video=video)
    try:
        posted = post_comment(video, request.user.account, request.POST.get("text", ""), in_reply_to=parent)
    except CommentRefused as error:
        messages.error(request, error.message)
        return _back_to_video(video)
    return _back_to_video(video, f"#comment-{posted.pk}")


@login_required
@require_POST
def delete(request: HttpRequest, video_id: str, comment_id: int) -> HttpResponse:
    """Delete a comment (its author, the video's owner, moderators); for others it is a 404, as a missing one."""
    video = _watched_video(request, video_id)
    found = get_object_or_404(Comment.objects.select_related("account"), pk=comment_id, video=video)
    found.video = video
    if not found.is_deleted:  # deleted already (a second click): back to where it was
        if not can_delete_comment(request.user, found):
            raise Http404(_("No such comment."))
        delete_comment(found)
    return _back_to_video(video, f"#comment-{found.pk}")


@login_required
@require_POST
def rate(request: HttpRequest, video_id: str) -> HttpResponse:
    """Like, dislike or take the rating back ("none"); JSON with the new counts for fetch."""
    video = _watched_video(request, video_id)
    choice = request.POST.get("rating", "")
    if choice not in (*KINDS, "none"):
        raise BadRequest("rating must be like, dislike or none")
    rate_video(video, request.user.account, None if choice == "none" else choice)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"likes": video.likes, "dislikes": video.dislikes, "rating": choice})
    return _back_to_video(video, "#rating")
