"""The forms of the upload and edit pages; they turn posted fields into the upload service's VideoMetadata."""

from __future__ import annotations

import unicodedata

from django import forms
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from videos.constants import (
    UPLOAD_EXTENSIONS,
    VIDEO_CATEGORIES,
    VIDEO_DESCRIPTION_MAX_LENGTH,
    VIDEO_LANGUAGES,
    VIDEO_LICENCES,
    VIDEO_MAX_TAGS,
    VIDEO_NAME_LENGTH,
    VIDEO_TAG_LENGTH,
    VideoPrivacy,
)
from videos.models import Channel, User
from videos.services.uploads import VideoMetadata

# Language names Django's own catalogue does not translate; named here so makemessages puts them in ours.
EXTRA_LANGUAGE_NAMES = [
    gettext_noop("Corsican"),
    gettext_noop("Gaelic"),
    gettext_noop("Norwegian"),
    gettext_noop("Chinese"),
    gettext_noop("No linguistic content"),
]


def _optional(choices: dict) -> list[tuple]:
    return [("", "—")] + [(key, label) for key, label in choices.items()]


def _alphabetical(label: str) -> str:
    """Sort key ignoring case and accents, so that "Écossais" sorts among the E's, not after Z."""
    return unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().casefold()


def _languages() -> list[tuple]:
    """VIDEO_LANGUAGES holds English names (the API's labels); the form lists them translated, A to Z."""
    names = {code: gettext(name) for code, name in VIDEO_LANGUAGES.items()}
    return _optional(dict(sorted(names.items(), key=lambda item: _alphabetical(item[1]))))


class VideoForm(forms.Form):
    """What an uploader says about a video (PeerTube's fields and bounds)."""

    name = forms.CharField(label=_("Title"), min_length=VIDEO_NAME_LENGTH[0], max_length=VIDEO_NAME_LENGTH[1])
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=VIDEO_DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.none(), empty_label=None)
    privacy = forms.TypedChoiceField(
        label=_("Privacy"), choices=VideoPrivacy.choices, coerce=int, initial=VideoPrivacy.PUBLIC
    )
    category = forms.TypedChoiceField(
        label=_("Category"), choices=_optional(VIDEO_CATEGORIES), coerce=int, required=False, empty_value=None
    )
    licence = forms.TypedChoiceField(
        label=_("Licence"), choices=_optional(VIDEO_LICENCES), coerce=int, required=False, empty_value=None
    )
    language = forms.ChoiceField(label=_("Language"), required=False)  # choices: in the viewer's language
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Up to 5, separated by commas."),
        widget=forms.TextInput(attrs={"placeholder": _("music, live, interview")}),
    )
    nsfw = forms.BooleanField(label=_("Sensitive content (shown blurred)"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        channel = self.fields["channel"]
        channel.queryset = Channel.objects.filter(account__user=user, host="").select_related("account")
        channel.label_from_instance = lambda choice: choice.display_name
        self.fields["language"].choices = _languages()

    def clean_tags(self) -> list[str]:
        tags = list(dict.fromkeys(tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()))
        if len(tags) > VIDEO_MAX_TAGS:
            raise forms.ValidationError(_("Give at most %(count)d tags.") % {"count": VIDEO_MAX_TAGS})
        if any(len(tag) > VIDEO_TAG_LENGTH[1] for tag in tags):
            raise forms.ValidationError(
                _("A tag may have at most %(count)d characters.") % {"count": VIDEO_TAG_LENGTH[1]}
            )
        return tags

    def metadata(self) -> VideoMetadata:
        data = self.cleaned_data
        return VideoMetadata(
            name=data["name"],
            description=data["description"],
            privacy=data["privacy"],
            category=data["category"],
            licence=data["licence"],
            language=data["language"],
            tags=data["tags"],
            nsfw=data["nsfw"],
        )


class EditForm(VideoForm):
    """The edit page: the metadata, and a thumbnail the owner may choose (PeerTube's thumbnailfile)."""

    thumbnail = forms.FileField(
        label=_("Thumbnail"),
        required=False,
        help_text=_(
            "A PNG, JPEG or WebP picture, used for the list and the player. Without one, a frame of the video."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


class UploadForm(VideoForm):
    """The upload page: the video file first, then its metadata."""

    videofile = forms.FileField(
        label=_("Video file"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(["video/*", "audio/*", *UPLOAD_EXTENSIONS])}),
    )
    field_order = ["videofile"]
