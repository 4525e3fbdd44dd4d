"""Small helpers for video templates: durations, and the URLs of a video's images and media files
(built by videos.storage, the one place that knows the public layout)."""

from django import template
from django.templatetags.static import static

from videos import storage
from videos.models import StreamingPlaylist, Video, VideoFile
from videos.storage import media_path

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
def file_url(file: VideoFile) -> str:
    """A web video or HLS rendition: site-relative for ours, the origin's absolute URL for a remote video."""
    return storage.file_url(file)


@register.filter
def playlist_url(playlist: StreamingPlaylist) -> str:
    """An HLS master playlist: site-relative for ours, the origin's absolute URL for a remote video."""
    return storage.playlist_url(playlist)


@register.filter
def segments_sha256_url(playlist: StreamingPlaylist) -> str:
    """The segments' hashes every segment not fetched from us (a peer's, a mirror's) is checked against."""
    return storage.segments_sha256_url(playlist)


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, number: int) -> str:
    """The current URL's query string with another page number (keeps search words and filters)."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"
