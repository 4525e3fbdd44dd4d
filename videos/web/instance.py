"""The instance administration page: what the about page says, edited by administrators."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from videos.models import InstanceSettings


class InstanceSettingsForm(forms.ModelForm):
    class Meta:
        model = InstanceSettings
        fields = ["short_description", "description", "admin_email"]
        widgets = {"description": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def instance_settings(request: HttpRequest) -> HttpResponse:
    """Administrators only; the Django admin stays available for everything else."""
    if not request.user.is_admin:
        raise PermissionDenied
    form = InstanceSettingsForm(request.POST or None, instance=InstanceSettings.current())
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The instance settings are saved."))
        return redirect("instance-settings")
    return render(request, "videos/instance_settings.html", {"form": form})
