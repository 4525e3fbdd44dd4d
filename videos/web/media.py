"""Serving media files with HTTP Range and CORS, as PeerTube's /static and /lazy-static routes do.

Players seek with Range requests and the HLS renditions are single fMP4 files addressed by byte
ranges, so partial responses are not optional. Files of private videos are only served to their owner
and to moderators.

Every file under MEDIA_ROOT belongs to a video; one that no video row owns (left behind by a deletion, a
crash or by hand) is answered 404, never served: its video may have been private.
"""
import mimetypes
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_http_methods

from videos.models import Video
from videos.services.catalog import may_watch
from videos.storage import MEDIA_CONTENT_TYPES

CHUNK_SIZE = 256 * 1024
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _resolve(folder: str, relative: str) -> Path:
    root = (Path(settings.MEDIA_ROOT) / folder).resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        raise Http404("No such file.")
    return path


# The videos' playable files follow the video's privacy. Images and torrents are public as in PeerTube:
# clients show a private video's thumbnail to its owner with a plain <img>, which carries no token.
PRIVACY_CHECKED_FOLDERS = frozenset({"streaming-playlists/hls", "web-videos"})


def _owning_video(folder: str, relative: str) -> Video | None:
    """The video the file at `relative` in this public folder belongs to, or None if no row claims it."""
    videos = Video.objects.select_related("channel__account")
    if folder == "streaming-playlists/hls":
        try:
            video_uuid = uuid.UUID(relative.split("/", 1)[0])
        except ValueError:
            return None
        return videos.filter(uuid=video_uuid).first()
    if folder == "thumbnails":
        return videos.filter(thumbnail_filename=relative).first()
    if folder == "previews":
        return videos.filter(preview_filename=relative).first()
    if folder == "web-videos":
        return videos.filter(files__filename=relative).first()
    if folder == "torrents":
        return videos.filter(Q(files__torrent_filename=relative)
                             | Q(streaming_playlists__files__torrent_filename=relative)).first()
    return None


def _read_range(path: Path, start: int, length: int):
    with path.open("rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK_SIZE, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single-range header; None to send the whole file. ValueError if unsatisfiable."""
    match = RANGE_RE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        suffix = int(last)
        if suffix == 0:
            raise ValueError("empty suffix range")
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise ValueError("range outside the file")
    return start, end


@require_http_methods(["GET", "HEAD"])
def serve_media(request: HttpRequest, folder: str, relative: str) -> HttpResponse:
    path = _resolve(folder, relative)
    video = _owning_video(folder, relative)
    if video is None or (folder in PRIVACY_CHECKED_FOLDERS and not may_watch(request.user, video)):
        raise Http404("No such file.")
    return ranged_file_response(request, path)


def ranged_file_response(request: HttpRequest, path: Path) -> HttpResponse:
    """The file whole, or the single byte range the request asks for (206, or 416 outside the file).

    Every route that hands out a stored media file answers through here (the player's /static routes
    and the /download attachments), so seeking, resuming a download and CORS behave the same on all.
    The caller has already decided that this viewer may have the file.
    """
    size = path.stat().st_size
    content_type = MEDIA_CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    try:
        byte_range = _parse_range(request.headers.get("Range", ""), size)
    except ValueError:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        if byte_range is None:
            response = FileResponse(path.open("rb"), content_type=content_type)
        else:
            start, end = byte_range
            response = StreamingHttpResponse(_read_range(path, start, end - start + 1), status=206, content_type=content_type)
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
            response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Content-Range, Content-Length, Accept-Ranges"
    return response
