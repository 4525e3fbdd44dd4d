"""PeerTube's enumerations (states, privacies, categories, licences, languages), with the same ids."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Sizes of the images made for every video, as PeerTube makes them: the card thumbnail and the player's
# poster (preview). Pages, feeds, oEmbed and the ActivityPub object all announce these dimensions.
THUMBNAIL_SIZE = (280, 157)
PREVIEW_SIZE = (850, 480)
IMAGE_MAX_SIZE = 8 * 1024 * 1024  # an owner's thumbnail or preview picture (PeerTube's limit)

# What PeerTube's clients offer to upload (its list with "additional extensions" and "audio files"
# allowed). Any file ffmpeg decodes is accepted whatever its name: ffprobe decides, not the extension.
UPLOAD_EXTENSIONS = [
    ".mp4",
    ".webm",
    ".ogv",
    ".ogg",
    ".mkv",
    ".mov",
    ".qt",
    ".mqv",
    ".m4v",
    ".flv",
    ".f4v",
    ".wmv",
    ".avi",
    ".3gp",
    ".3gpp",
    ".3g2",
    ".3gpp2",
    ".nut",
    ".mts",
    ".ts",
    ".m2ts",
    ".mpv",
    ".m2v",
    ".m1v",
    ".mpg",
    ".mpe",
    ".mpeg",
    ".vob",
    ".mxf",
    ".mp3",
    ".wma",
    ".wav",
    ".flac",
    ".aac",
    ".m4a",
    ".ac3",
]


# Bounds of a video's fields, PeerTube's (CONSTRAINTS_FIELDS.VIDEOS in its server constants): the upload and
# edit forms, the API's serializers and remote imports all check these, so a video valid here is valid there.
VIDEO_NAME_LENGTH = (3, 120)
VIDEO_DESCRIPTION_MAX_LENGTH = 10000
VIDEO_SUPPORT_MAX_LENGTH = 1000
VIDEO_MAX_TAGS = 5
# PeerTube wants 2-30 characters per tag; we accept 1 so that `peertube-cli upload -t a,b` works.
VIDEO_TAG_LENGTH = (1, 30)

# Bounds of an account's or channel's fields, PeerTube's (CONSTRAINTS_FIELDS.USERS and VIDEO_CHANNELS): the
# columns, the API and the actors federation imports all hold to them.
HANDLE_NAME_MAX_LENGTH = 50
# A channel's name, and any actor's name a peer sends us (PeerTube's actor name characters).
ACTOR_NAME_PATTERN = rf"^[a-zA-Z0-9\-_.:]{{1,{HANDLE_NAME_MAX_LENGTH}}}$"
DISPLAY_NAME_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 1000  # an account's or channel's description, a channel's support text

# The name of the instance's own ActivityPub actor (/accounts/peertube, peertube@host), which peers look up
# by that name: no local account or channel may take it.
INSTANCE_ACTOR_NAME = "peertube"


class VideoState(models.IntegerChoices):
    PUBLISHED = 1, _("Published")
    TO_TRANSCODE = 2, _("To transcode")
    TO_IMPORT = 3, _("To import")
    # A published video whose files are being copied to object storage or back (it stays watchable from
    # where its files were until the copy is complete), and the states a failed move leaves it in.
    TO_MOVE_TO_EXTERNAL_STORAGE = 6, _("To move to an external storage")
    TRANSCODING_FAILED = 7, _("Transcoding failed")
    TO_MOVE_TO_EXTERNAL_STORAGE_FAILED = 8, _("External storage move failed")
    TO_MOVE_TO_FILE_SYSTEM = 10, _("To move to file system")
    TO_MOVE_TO_FILE_SYSTEM_FAILED = 11, _("Move to file system failed")


class FileStorage(models.IntegerChoices):
    """Where a local video's files are (PeerTube's FileStorage ids)."""

    FILE_SYSTEM = 0, _("File system")
    OBJECT_STORAGE = 1, _("Object storage")


class VideoPrivacy(models.IntegerChoices):
    PUBLIC = 1, _("Public")
    UNLISTED = 2, _("Unlisted")
    PRIVATE = 3, _("Private")
    INTERNAL = 4, _("Internal")


class CommentsPolicy(models.IntegerChoices):
    ENABLED = 1, _("Enabled")
    DISABLED = 2, _("Disabled")
    REQUIRES_APPROVAL = 3, _("Requires approval")


class UserRole(models.IntegerChoices):
    ADMINISTRATOR = 0, _("Administrator")
    MODERATOR = 1, _("Moderator")
    USER = 2, _("User")


class StreamingPlaylistType(models.IntegerChoices):
    HLS = 1, "HLS"


VIDEO_CATEGORIES = {
    1: _("Music"),
    2: _("Films"),
    3: _("Vehicles"),
    4: _("Art"),
    5: _("Sports"),
    6: _("Travels"),
    7: _("Gaming"),
    8: _("People"),
    9: _("Comedy"),
    10: _("Entertainment"),
    11: _("News & Politics"),
    12: _("How To"),
    13: _("Education"),
    14: _("Activism"),
    15: _("Science & Technology"),
    16: _("Animals"),
    17: _("Kids"),
    18: _("Food"),
}

VIDEO_LICENCES = {
    1: _("Attribution"),
    2: _("Attribution - Share Alike"),
    3: _("Attribution - No Derivatives"),
    4: _("Attribution - Non Commercial"),
    5: _("Attribution - Non Commercial - Share Alike"),
    6: _("Attribution - Non Commercial - No Derivatives"),
    7: _("Public Domain Dedication"),
}

# ISO 639 codes PeerTube offers most often; the label is the language's English name.
VIDEO_LANGUAGES = {
    "ar": "Arabic",
    "br": "Breton",
    "ca": "Catalan",
    "co": "Corsican",
    "cs": "Czech",
    "cy": "Welsh",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "eo": "Esperanto",
    "es": "Spanish",
    "eu": "Basque",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "ga": "Irish",
    "gd": "Gaelic",
    "gl": "Galician",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "id": "Indonesian",
    "is": "Icelandic",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "lb": "Luxembourgish",
    "nl": "Dutch",
    "no": "Norwegian",
    "oc": "Occitan",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sq": "Albanian",
    "sr": "Serbian",
    "sv": "Swedish",
    "sw": "Swahili",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "vi": "Vietnamese",
    "wo": "Wolof",
    "zh": "Chinese",
    "zxx": "No linguistic content",
}
