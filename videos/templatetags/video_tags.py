"""Small helpers for video templates: durations, and the URLs of a video's images and media files
(built by videos.storage, the one place that knows the public layout)."""
from django import template
from django.templatetags.static import static

from videos.models import Video, VideoFile
from videos.storage import hls_path, media_path

register = template.Library()


@register.filter
def duration(seconds: int) -> str:
    """PeerTube shows durations as m:ss or h:mm:ss on thumbnails."""
    minutes, secs = divmod(int(seconds or 0), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def thumbnail_url(video: Video) -> str:
    """The video's thumbnail, or our placeholder while the worker has not made one yet."""
    if video.thumbnail_filename:
        return media_path("thumbnails", video.thumbnail_filename)
    return static("img/placeholder.svg")


@register.filter
def preview_url(video: Video) -> str:
    """Site-relative URL of the video's preview image ("" before the worker made one)."""
    return media_path("previews", video.preview_filename) if video.preview_filename else ""


@register.filter
def web_video_url(file: VideoFile) -> str:
    """Site-relative URL of a web video (the progressive MP4 served before HLS exists)."""
    return media_path("web-videos", file.filename)


@register.simple_tag
def hls_file_url(video: Video, filename: str) -> str:
    """Site-relative URL of a file in the video's HLS folder (its master playlist, say)."""
    return hls_path(video.uuid, filename)


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, number: int) -> str:
    """The current URL's query string with another page number (keeps search words and filters)."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"
