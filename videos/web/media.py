"""Serving media files with HTTP Range and CORS, as PeerTube's /static and /lazy-static routes do.

Players seek with Range requests and the HLS renditions are single fMP4 files addressed by byte
ranges, so partial responses are not optional. Files of private videos are only served to their owner
and to moderators.

Every file under MEDIA_ROOT belongs to a video; one that no video row owns (left behind by a deletion, a
crash or by hand) is answered 404, never served: its video may have been private.

What users upload must never run on our origin. So a request's path is checked for the shape of the
names we give files (letters, digits, "-", "_", "." within a segment; one segment, or <video uuid>/<file>
for HLS) before anything else: "..", "." and every encoding of them, backslashes, NUL, empty segments
and percent signs (a second decoding) are a 404, so the video whose privacy is checked is the one
whose folder is read. And a file is only ever sent as one of the media types of
storage.MEDIA_CONTENT_TYPES (by the suffix we chose), anything else as an attachment of no type, always
with `nosniff` and a sandboxing Content-Security-Policy, so no browser runs it as a page or a script.
"""

import re
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.views.decorators.http import require_http_methods

from videos import object_storage, storage
from videos.constants import VideoPrivacy
from videos.models import Video
from videos.responses import open_media_to_any_origin
from videos.services.catalog import may_watch
from videos.storage import MEDIA_CONTENT_TYPES, MediaFile

CHUNK_SIZE = 256 * 1024
UNKNOWN_CONTENT_TYPE = "application/octet-stream"
MEDIA_CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CACHE_SECONDS = 2 * 3600
MUTABLE_SUFFIXES = frozenset({".m3u8", ".json"})


# A name we give a file (random UUIDs, "-<resolution>", suffixes, master.m3u8...): nothing else is served.
FILE_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}"
HLS_PATH = re.compile(f"{FILE_NAME}/{FILE_NAME}")
FLAT_PATH = re.compile(FILE_NAME)
# Folders of <video uuid>/<file>: our videos' HLS, and our copies of followed instances' (docs/redundancy.md).
HLS_FOLDERS = frozenset({"streaming-playlists/hls", "redundancy/hls"})


def _checked(folder: str, relative: str) -> str:
    """`relative` if it has the shape of our files' paths in this folder; 404 otherwise (".." included)."""
    shape = HLS_PATH if folder in HLS_FOLDERS else FLAT_PATH
    if not shape.fullmatch(relative) or ".." in relative:
        raise Http404("No such file.")
    return relative


def _resolve(folder: str, relative: str) -> Path:
    """The file on disk; it must lie under the folder (a symbolic link out of it is not followed)."""
    root = (Path(settings.MEDIA_ROOT) / folder).resolve()
    path = root / relative
    if path.resolve() != path or not path.is_file():
        raise Http404("No such file.")
    return path


# The videos' playable files follow the video's privacy. Images and torrents are public as in PeerTube:
# clients show a private video's thumbnail to its owner with a plain <img>, which carries no token.
PRIVACY_CHECKED_FOLDERS = HLS_FOLDERS | {"web-videos"}


def _owning_video(folder: str, relative: str) -> Video | None:
    """The video the file at `relative` in this public folder belongs to, or None if no row claims it."""
    videos = Video.objects.select_related("channel__account")
    if folder in HLS_FOLDERS:
        folder_name = relative.split("/", 1)[0]
        try:
            video_uuid = uuid.UUID(folder_name)
        except ValueError:
            return None
        return videos.filter(uuid=video_uuid).first() if str(video_uuid) == folder_name else None
    if folder == "thumbnails":
        return videos.filter(thumbnail_filename=relative).first()
    if folder == "previews":
        return videos.filter(preview_filename=relative).first()
    if folder == "web-videos":
        return videos.filter(files__filename=relative).first()
    if folder == "torrents":
        return videos.filter(
            Q(files__torrent_filename=relative) | Q(streaming_playlists__files__torrent_filename=relative)
        ).first()
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
    """The file, if its path is one of ours, a video owns it and the viewer may have it; 404 otherwise."""
    relative = _checked(folder, relative)
    video = _owning_video(folder, relative)
    if video is None or (folder in PRIVACY_CHECKED_FOLDERS and not may_watch(request.user, video)):
        raise Http404("No such file.")
    file = MediaFile(folder, relative)
    public_url = storage.bucket_url(video, file)
    if public_url:  # an old link to a file that moved to a public bucket
        return HttpResponseRedirect(public_url)
    response = stored_file_response(request, video, file)
    response["Cache-Control"] = _cache_control(folder, relative, video)
    return response


def _cache_control(folder: str, relative: str, video: Video) -> str:
    """Files of public videos (and the images and torrents, public anyway) may be kept by any cache for PeerTube's
    two hours: their names change when they are replaced. The playlists and segment hashes keep theirs as the
    ladder grows, so they are checked again each time. Other videos' files only in the viewer's own browser."""
    shared = folder not in PRIVACY_CHECKED_FOLDERS or video.privacy == VideoPrivacy.PUBLIC
    freshness = "no-cache" if Path(relative).suffix in MUTABLE_SUFFIXES else f"max-age={CACHE_SECONDS}"
    return f"{'public' if shared else 'private'}, {freshness}"


def stored_file_response(request: HttpRequest, video: Video, file: MediaFile) -> HttpResponse:
    """One of a local video's files, from the disk or passed through from its bucket, with byte ranges.
    The caller has already decided that this viewer may have it."""
    if storage.file_in_buckets(video, file):
        return ranged_object_response(request, file)
    return ranged_file_response(request, _resolve(file.folder, file.relative))


def ranged_object_response(request: HttpRequest, file: MediaFile) -> HttpResponse:
    """Like ranged_file_response for a file in a private bucket: the Range header is passed on to the bucket
    and the answer streamed through without being held whole, so viewers never get a bucket URL."""
    content_type = MEDIA_CONTENT_TYPES.get(Path(file.relative).suffix, UNKNOWN_CONTENT_TYPE)
    requested = request.headers.get("Range", "").strip()
    try:
        download = object_storage.read(file.kind, file.key, requested if RANGE_RE.match(requested) else "")
    except object_storage.ObjectMissing as error:
        raise Http404("No such file.") from error
    except object_storage.RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{object_storage.size(file.kind, file.key)}"
        return _media_headers(response, content_type)
    status = 206 if download.content_range else 200
    response = StreamingHttpResponse(download.chunks, status=status, content_type=content_type)
    response["Content-Length"] = str(download.length)
    if download.content_range:
        response["Content-Range"] = download.content_range
    return _media_headers(response, content_type)


def ranged_file_response(request: HttpRequest, path: Path) -> HttpResponse:
    """The file whole, or the single byte range the request asks for (206, or 416 outside the file).

    Every route that hands out a stored media file answers through here (the player's /static routes
    and the /download attachments), so seeking, resuming a download and CORS behave the same on all.
    The caller has already decided that this viewer may have the file.
    """
    content_type = MEDIA_CONTENT_TYPES.get(path.suffix, UNKNOWN_CONTENT_TYPE)
    if settings.SIDEWAYS_ACCEL_REDIRECT:
        response = _accel_redirect(path, content_type)
    else:
        response = _ranged(request, path, content_type)
    response["Cache-Control"] = "private"  # a download of a private video: no shared cache keeps it
    return _media_headers(response, content_type)


def _ranged(request: HttpRequest, path: Path, content_type: str) -> HttpResponse:
    size = path.stat().st_size
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
            response = StreamingHttpResponse(
                _read_range(path, start, end - start + 1), status=206, content_type=content_type
            )
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
            response["Content-Length"] = str(end - start + 1)
    return response


def _accel_redirect(path: Path, content_type: str) -> HttpResponse:
    """An empty answer telling nginx (deploy/nginx/) to send this file itself from its internal location over
    MEDIA_ROOT: nginx does the byte ranges, conditional requests and sendfile, and keeps the Content-Type and
    Content-Disposition chosen here. Only files under MEDIA_ROOT can be named (never an original)."""
    relative = path.relative_to(Path(settings.MEDIA_ROOT))
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = settings.ACCEL_REDIRECT_PREFIX + quote(relative.as_posix())
    return response


def _media_headers(response: HttpResponse, content_type: str) -> HttpResponse:
    """What every served media file carries: ranges accepted, CORS for players on other sites, inertness."""
    open_media_to_any_origin(response)
    return inert(response, attachment=content_type == UNKNOWN_CONTENT_TYPE)


def inert(response: HttpResponse, *, attachment: bool = False) -> HttpResponse:
    """Headers that keep a served file from running in the browser: the type as sent (`nosniff`), no
    script, plugin or same-origin access should it be opened as a page (CSP sandbox), and, for a file
    of no known media type, a download rather than a page."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CONTENT_SECURITY_POLICY
    if attachment:
        response["Content-Disposition"] = "attachment"
    return response
