"""The upload page (issue 2 §4): a plain multipart form that upload.js enhances with a progress bar.

An over-size upload, or one whose Content-Length is not a number, is refused from that header before
any byte of the body is read, so the size check runs before CSRF (the CSRF middleware would read the
body to find the token). Django spools the file to FILE_UPLOAD_TEMP_DIR;
videos.services.uploads.accept_upload probes it, stores it or deletes it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from videos.identifiers import ascii_number
from videos.services.uploads import UploadRejected, accept_upload, check_upload_allowed, keep_uploaded_file, may_upload
from videos.web.forms import UploadForm


def _too_large() -> str:
    return _("The file is too large: the limit is %(size)s.") % {
        "size": filesizeformat(settings.SIDEWAYS_MAX_UPLOAD_SIZE)
    }


def _rejection_message(error: UploadRejected) -> str:
    """A translated reason; the probe's technical detail (English) is kept in brackets for the curious."""
    if error.code == "max_file_size_reached":
        return _too_large()
    if error.code == "quota_reached":
        return _("This video would exceed your video quota.")
    if error.status == 422:
        return _("This file cannot be used as a video (%(reason)s).") % {"reason": error.message.split(": ", 1)[-1]}
    return error.message


def _page(request: HttpRequest, form: UploadForm, status: int = 200, error: str = "") -> HttpResponse:
    context = {"form": form, "max_size": settings.SIDEWAYS_MAX_UPLOAD_SIZE, "upload_error": error}
    return render(request, "videos/upload.html", context, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Login first, then the declared size, then CSRF: each check happens before the body is read."""
    if not may_upload(request.user):
        if request.user.is_authenticated:
            return render(request, "videos/upload_denied.html", status=403)
        return redirect_to_login(request.get_full_path())
    if request.method == "POST":
        declared = _declared_size(request)
        if declared is None:
            # A body of unknown size is no usable upload: say what upload.js says when a transfer breaks.
            error = _("The upload was interrupted. Check your connection and try again.")
            return _page(request, UploadForm(user=request.user), status=400, error=error)
        if declared > settings.SIDEWAYS_MAX_UPLOAD_SIZE:
            return _page(request, UploadForm(user=request.user), status=413, error=_too_large())
    return _upload_form(request)


def _declared_size(request: HttpRequest) -> int | None:
    """The body size the client announces (0 if none), or None when Content-Length is not a byte count."""
    value = request.META.get("CONTENT_LENGTH") or "0"
    return ascii_number(value)


@csrf_protect
def _upload_form(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, UploadForm(user=request.user))
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload_file = form.cleaned_data["videofile"]
    try:
        check_upload_allowed(request.user, upload_file.size)
        video = accept_upload(
            user=request.user,
            channel=form.cleaned_data["channel"],
            metadata=form.metadata(),
            temp_path=keep_uploaded_file(upload_file),
            original_filename=upload_file.name,
        )
    except UploadRejected as error:
        return _page(request, form, status=error.status, error=_rejection_message(error))
    return redirect("watch", video.short_uuid)
