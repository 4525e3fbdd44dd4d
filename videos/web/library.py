"""The owner's side: "my videos" with their transcoding state, and editing or deleting one video."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from videos.images import ImageError
from videos.models import Video
from videos.services.catalog import may_manage
from videos.services.editing import EDITABLE_FIELDS, delete_video, drawn_from_uploads, set_chosen_images, update_video
from videos.web.forms import EditForm
from videos.web.lookup import video_or_404
from videos.web.pages import video_page


@login_required
def my_videos(request: HttpRequest) -> HttpResponse:
    """All the user's videos, whatever their state or privacy, newest first."""
    videos = Video.objects.filter(channel__account__user=request.user).order_by("-created_at", "-pk")
    return render(request, "videos/my_videos.html", {"page": video_page(request, videos)})


def _managed_video(request: HttpRequest, video_id: str) -> Video:
    videos = Video.objects.select_related("channel__account__user")
    return video_or_404(video_id, videos, lambda video: may_manage(request.user, video))


def _initial(video: Video) -> dict:
    fields = {name: getattr(video, name) for name in EDITABLE_FIELDS}
    return {**fields, "channel": video.channel_id, "tags": ", ".join(tag.name for tag in video.tags.all())}


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, video_id: str) -> HttpResponse:
    """Edit title, description, channel, privacy... (the owner's channels are the choices)."""
    video = _managed_video(request, video_id)
    owner = video.channel.account.user
    form = EditForm(request.POST or None, request.FILES or None, user=owner, initial=_initial(video))
    if request.method == "POST" and form.is_valid():
        try:
            with drawn_from_uploads(form.cleaned_data["thumbnail"], None) as images:
                if images:
                    set_chosen_images(video, *images)
        except ImageError:
            form.add_error("thumbnail", _("The thumbnail must be a PNG, JPEG or WebP picture of at most 8 MB."))
        else:
            update_video(video, channel=form.cleaned_data["channel"], metadata=form.metadata())
            messages.success(request, _("Your changes are saved."))
            return redirect("watch", video.short_uuid)
    return render(request, "videos/edit.html", {"form": form, "video": video})


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, video_id: str) -> HttpResponse:
    """Ask for confirmation (GET), then delete (POST)."""
    video = _managed_video(request, video_id)
    if request.method == "POST":
        delete_video(video)
        messages.success(request, _("The video “%(name)s” was deleted.") % {"name": video.name})
        return redirect("my-videos")
    return render(request, "videos/delete.html", {"video": video})
