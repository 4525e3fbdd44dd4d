"""The administrators' "Following" page: which instances we follow and which follow us, follow and unfollow.

A thin layer over federation.outbound.follows, which finds the peer, stores the Follow and sends the activity;
this module only turns the admin's input into calls and the service's errors into readable messages.
Administrators only, with the same check as the instance settings page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from federation.outbound import follows


class FollowForm(forms.Form):
    host = forms.CharField(
        label=gettext_lazy("Instance to follow"),
        max_length=255,
        help_text=gettext_lazy("Its host name, such as videos.example.org, or the address of one of its pages."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


def _require_admin(request: HttpRequest) -> None:
    if not request.user.is_admin:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def following(request: HttpRequest) -> HttpResponse:
    """The lists, and the "follow an instance" form (a refused follow is shown on the form, nothing saved)."""
    _require_admin(request)
    form = FollowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            follow = follows.follow_instance(form.cleaned_data["host"])
        except follows.FollowError as error:
            form.add_error("host", str(error))
        else:
            messages.success(
                request,
                _("Follow request sent to %(host)s. It stays pending until that instance accepts it.")
                % {"host": follow.target.host},
            )
            return redirect("federation-following")
    context = {"form": form, "following": follows.instance_following(), "followers": follows.instance_followers()}
    return render(request, "federation/following.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def unfollow(request: HttpRequest) -> HttpResponse:
    """Stops following the instance named by the button that was pressed."""
    _require_admin(request)
    host = request.POST.get("host", "")
    try:
        follows.unfollow_instance(host)
    except follows.FollowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You no longer follow %(host)s.") % {"host": host})
    return redirect("federation-following")
