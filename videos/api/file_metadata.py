"""GET /api/v1/videos/{id}/metadata/{fileId}: what ffprobe found in one file of a video (its `metadataUrl`).

PeerTube keeps ffprobe's output for every file, as read by fluent-ffmpeg, and answers it with the
server's own path (`format.filename`) left out. We keep ffprobe's JSON for every file too (the upload
and each transcoded rendition are probed anyway); `peertube_file_metadata` gives it fluent-ffmpeg's
shape, so typed clients read numbers where PeerTube sends numbers.

Only technical facts are answered: of the tags (the free-form metadata of the container, its streams
and chapters), only the language and rotation are kept. The others are where phones and editors put
the place of recording (GPS), the author, comments, the recording time and the device, none of which
anyone asked us to publish. The files we publish are written without them anyway; this also covers
files probed before that.
"""

from __future__ import annotations

import re

from django.db.models import Q
from rest_framework.request import Request
from rest_framework.response import Response

from videos.api.errors import ApiError
from videos.api.views import ApiView, get_video
from videos.models import VideoFile

# fluent-ffmpeg turns a value made only of digits (with a decimal part or not) into a number.
NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
TECHNICAL_TAGS = frozenset({"language", "rotate"})


def _as_number(value: object) -> object:
    if isinstance(value, str) and NUMBER.match(value):
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def _section(values: dict) -> dict:
    """One ffprobe section (the format or a stream) with its number-like strings as numbers, and only
    its technical tags; other nested dictionaries (disposition) stay as they are, as fluent-ffmpeg
    leaves tags as text."""
    section = {key: _as_number(value) for key, value in values.items() if key != "tags"}
    tags = {key: value for key, value in (values.get("tags") or {}).items() if key.lower() in TECHNICAL_TAGS}
    return {**section, "tags": tags} if tags else section


def peertube_file_metadata(probe_output: dict) -> dict:
    """ffprobe's JSON as PeerTube answers it: streams, format without the file's path, chapters."""
    file_format = {key: value for key, value in (probe_output.get("format") or {}).items() if key != "filename"}
    return {
        "streams": [_section(stream) for stream in probe_output.get("streams") or []],
        "format": _section(file_format),
        "chapters": [_section(chapter) for chapter in probe_output.get("chapters") or []],
    }


class VideoFileMetadataView(ApiView):
    """Readable by whoever may see the video (401/403 otherwise, as GET /videos/{id}); a file of another
    video is a 404. A followed instance's files were not probed here, so they have no metadata: 404."""

    def get(self, request: Request, video_id: str, file_id: int) -> Response:
        video = get_video(request, video_id)
        file = VideoFile.objects.filter(Q(video=video) | Q(playlist__video=video), pk=file_id).first()
        if file is None:
            raise ApiError(404, "VideoFile matching Video not found")
        if not file.metadata:
            raise ApiError(404, "No metadata is known for this file.")
        return Response(peertube_file_metadata(file.metadata))
