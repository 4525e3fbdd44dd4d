"""PeerTube's "download" action: /download/videos/generate/<video>?videoFileIds=<file id> gives an MP4.

The chosen HLS rendition is remuxed into a temporary progressive MP4, which is unlinked as soon as
it is open: the response streams from the open handle and nothing is left on disk.
"""
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from videos.downloads import RemuxError, remux_to_mp4
from videos.models import Video, VideoFile
from videos.services.catalog import may_watch
from videos.storage import stored_file_path
from videos.web.lookup import video_or_404


@require_http_methods(["GET", "HEAD"])
def download_video(request: HttpRequest, video_id: str) -> HttpResponse:
    videos = Video.objects.select_related("channel__account")
    video = video_or_404(video_id, videos, lambda video: may_watch(request.user, video))
    if not video.download_enabled:
        return HttpResponseForbidden("The owner of this video disabled downloads.")
    file_id = request.GET.get("videoFileIds", "")
    if not file_id.isdecimal():
        return HttpResponseBadRequest("videoFileIds must name one file of the video.")
    renditions = VideoFile.objects.select_related("playlist__video")
    file = get_object_or_404(renditions, pk=int(file_id), playlist__video=video)
    try:
        target = remux_to_mp4(stored_file_path(file))
    except RemuxError as error:
        raise Http404(str(error)) from error
    handle = target.open("rb")
    target.unlink()
    label = f"{file.resolution}p" if file.resolution else "audio"
    return FileResponse(handle, as_attachment=True, filename=f"{video.name}-{label}.mp4", content_type="video/mp4")
