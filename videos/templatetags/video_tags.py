"""Small formatting helpers for video templates (durations, thumbnail URLs, watch links)."""
from django import template
from django.templatetags.static import static

from videos.models import Video
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


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, number: int) -> str:
    """The current URL's query string with another page number (keeps search words and filters)."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"
