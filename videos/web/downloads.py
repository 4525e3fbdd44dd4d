"""PeerTube's /download routes: a file of the video handed to the browser as an attachment.

- /download/videos/generate/<video>?videoFileIds=<file id> remuxes one HLS rendition into a temporary
  progressive MP4, which is unlinked as soon as it is open: the response streams from the open handle
  and nothing is left on disk.
- /download/web-videos/<video>-<resolution>.<ext>, /download/streaming-playlists/hls/videos/
  <video>-<resolution>-fragmented.<ext> and /download/torrents/<torrent file> (the `fileDownloadUrl`
  and `torrentDownloadUrl` of the API's video files) send a stored file as it is, with byte ranges,
  under a name a person can read ("<video name>-<resolution>p.mp4").

All of them answer a video the viewer may not watch like a missing one (404), as every page does.
"""

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from videos import object_storage, storage
from videos.constants import StreamingPlaylistType
from videos.downloads import RemuxError, remux_to_mp4
from videos.models import Video, VideoFile
from videos.services.catalog import may_watch
from videos.storage import MEDIA_CONTENT_TYPES, MediaFile
from videos.web.lookup import video_or_404
from videos.web.media import inert, stored_file_response


def _refuse_if_disabled(video: Video) -> None:
    """403 when the owner disabled downloads.

    PeerTube only hides its download button then, and still serves these routes; we refuse on every
    download route, so the owner's choice means the same on all of them.
    """
    if not video.download_enabled:
        raise PermissionDenied("The owner of this video disabled downloads.")


def _video(request: HttpRequest, video_id: str) -> Video:
    """The video a download URL names: 404 unless the viewer may watch it, 403 if downloads are off."""
    videos = Video.objects.select_related("channel__account")
    video = video_or_404(video_id, videos, lambda video: may_watch(request.user, video))
    _refuse_if_disabled(video)
    return video


def _download_filename(video: Video, file: VideoFile, suffix: str) -> str:
    """PeerTube's attachment name: the video's name, the resolution, "-hls" for an HLS rendition, then
    the extension (slashes replaced, so the name cannot be read as a folder)."""
    name = video.name.replace("/", "_").replace("\\", "_")
    kind = "-hls" if file.playlist_id is not None else ""
    return f"{name}-{file.resolution}p{kind}{suffix}"


def _attachment(request: HttpRequest, video: Video, file: MediaFile, filename: str) -> HttpResponse:
    response = stored_file_response(request, video, file)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _stored_file(request: HttpRequest, video: Video, file: VideoFile | None) -> HttpResponse:
    """A web video or HLS rendition of ours; a followed instance's files are on its origin, not here."""
    if file is None or not video.is_local:
        raise Http404("No such file.")
    stored = storage.stored_media_file(file)
    suffix = Path(stored.relative).suffix
    suffix = suffix if suffix in MEDIA_CONTENT_TYPES else ".bin"  # never a name a desktop would run
    return _attachment(request, video, stored, _download_filename(video, file, suffix))


@require_http_methods(["GET", "HEAD"])
def download_web_video(request: HttpRequest, video_id: str, resolution: str) -> HttpResponse:
    video = _video(request, video_id)
    return _stored_file(request, video, video.files.filter(resolution=int(resolution)).first())


@require_http_methods(["GET", "HEAD"])
def download_hls_file(request: HttpRequest, video_id: str, resolution: str) -> HttpResponse:
    video = _video(request, video_id)
    renditions = VideoFile.objects.filter(
        playlist__video=video, playlist__type=StreamingPlaylistType.HLS, resolution=int(resolution)
    ).select_related("playlist__video")
    return _stored_file(request, video, renditions.first())


@require_http_methods(["GET", "HEAD"])
def download_torrent(request: HttpRequest, filename: str) -> HttpResponse:
    """A web video's .torrent, named like the video; only torrents we wrote (ours have one per web video)."""
    files = VideoFile.objects.filter(torrent_filename=filename, video__isnull=False)
    file = files.select_related("video__channel__account").first()
    if file is None or not may_watch(request.user, file.video):
        raise Http404("No such torrent.")
    _refuse_if_disabled(file.video)
    torrent = MediaFile("torrents", filename)
    return _attachment(request, file.video, torrent, _download_filename(file.video, file, ".torrent"))


@require_http_methods(["GET", "HEAD"])
def download_video(request: HttpRequest, video_id: str) -> HttpResponse:
    video = _video(request, video_id)
    if not video.is_local:  # a followed instance's files are on its origin, not here (nor in our buckets)
        raise Http404("No such file.")
    file_id = request.GET.get("videoFileIds", "")
    if not file_id.isdecimal():
        return HttpResponseBadRequest("videoFileIds must name one file of the video.")
    renditions = VideoFile.objects.select_related("playlist__video")
    file = get_object_or_404(renditions, pk=int(file_id), playlist__video=video)
    with tempfile.TemporaryDirectory(prefix="download-", dir=settings.UPLOAD_TMP_DIR) as work:
        try:
            target = remux_to_mp4(storage.fetch(video, storage.stored_media_file(file), Path(work)))
        except (RemuxError, object_storage.ObjectMissing) as error:
            raise Http404("The video file could not be prepared for download.") from error
    handle = target.open("rb")
    target.unlink()
    label = f"{file.resolution}p" if file.resolution else "audio"
    response = FileResponse(handle, as_attachment=True, filename=f"{video.name}-{label}.mp4", content_type="video/mp4")
    return inert(response)
