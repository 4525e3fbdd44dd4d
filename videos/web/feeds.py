"""RSS/Atom feeds of public videos, on PeerTube's URLs, so feed readers and podcast apps can follow us.

- `/feeds/videos.xml`: the newest public videos, RSS 2.0 (or Atom with `?format=atom`), narrowed with
  PeerTube's query parameters `accountId`, `accountName`, `videoChannelId`, `videoChannelName` and
  `sort` (`-publishedAt` by default; any key of PeerTube's video lists, catalog.VIDEO_SORTS, as its feeds).
- `/feeds/podcast/videos.xml?videoChannelId=<id>`: one channel as a podcast (iTunes and Podcasting 2.0
  tags), each episode with an MP4 enclosure (the download route remuxes one HLS rung), or the HLS
  master when downloads are off.

Only what an anonymous visitor may list appears (catalog.listed_videos). Django's feed generator
writes the XML, so every user-provided text is escaped by construction.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed, SyndicationFeed
from django.utils.html import format_html, linebreaks
from django.views.decorators.http import require_safe

from videos.constants import PREVIEW_SIZE
from videos.identifiers import handle_lookup
from videos.models import Account, Channel, StreamingPlaylist, Video, VideoFile
from videos.services.catalog import listed_videos, sort_ordering
from videos.storage import media_path, playlist_url

FEED_SIZE = 50
FORMATS = {"xml": Rss201rev2Feed, "rss": Rss201rev2Feed, "rss2": Rss201rev2Feed, "atom": Atom1Feed, "atom1": Atom1Feed}
# Podcast apps download the episode; a middle rung keeps it small yet watchable.
PODCAST_RESOLUTION = 720


class PodcastFeed(Rss201rev2Feed):
    """RSS 2.0 plus the iTunes and Podcasting 2.0 tags that podcast apps read."""

    def rss_attributes(self) -> dict[str, str]:
        return {
            **super().rss_attributes(),
            "xmlns:itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
            "xmlns:podcast": "https://podcastindex.org/namespace/1.0",
        }

    def add_root_elements(self, handler) -> None:
        super().add_root_elements(handler)
        handler.addQuickElement("itunes:author", self.feed["author_name"])
        handler.addQuickElement("itunes:explicit", "false")
        handler.addQuickElement("podcast:medium", "video")
        if self.feed.get("image"):
            handler.addQuickElement("itunes:image", None, {"href": self.feed["image"]})

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("itunes:duration", str(item["duration"]))
        handler.addQuickElement("itunes:explicit", "true" if item["nsfw"] else "false")
        if item.get("image"):
            handler.addQuickElement("itunes:image", None, {"href": item["image"]})


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if value is None:
        return None
    if not value.isdecimal():
        raise ValueError(f"{name} must be an integer.")
    return int(value)


def _scope(request: HttpRequest) -> tuple[Channel | Account | None, dict]:
    """The channel or account the query names (404 when unknown) and the matching video filter."""
    if (channel_id := _int_param(request, "videoChannelId")) is not None:
        channel = get_object_or_404(Channel.objects.select_related("account"), pk=channel_id)
    elif name := request.GET.get("videoChannelName"):
        channel = get_object_or_404(Channel.objects.select_related("account"), **handle_lookup(name))
    else:
        channel = None
    if channel is not None:
        return channel, {"channel": channel}
    if (account_id := _int_param(request, "accountId")) is not None:
        account = get_object_or_404(Account, pk=account_id)
    elif name := request.GET.get("accountName"):
        account = get_object_or_404(Account, **handle_lookup(name))
    else:
        return None, {}
    return account, {"channel__account": account}


def _scope_path(scope: Channel | Account) -> str:
    return f"/c/{scope.handle}" if isinstance(scope, Channel) else f"/a/{scope.handle}"


def _listed(filters: dict, ordering: str) -> QuerySet[Video]:
    return (
        listed_videos(None).filter(**filters).select_related("channel__account").order_by(ordering, "-pk")[:FEED_SIZE]
    )


def _preview_url(request: HttpRequest, video: Video) -> str | None:
    if not video.preview_filename:
        return None
    return request.build_absolute_uri(media_path("previews", video.preview_filename))


def _item_description(request: HttpRequest, video: Video) -> str:
    """HTML for readers: the preview image then the description (both escaped here, then as XML)."""
    image = (
        format_html('<p><img src="{}" width="{}" height="{}" alt=""></p>', _preview_url(request, video), *PREVIEW_SIZE)
        if video.preview_filename
        else ""
    )
    return image + linebreaks(video.description, autoescape=True)


def _watch_url(request: HttpRequest, video: Video) -> str:
    return request.build_absolute_uri(f"/w/{video.short_uuid}")


def _item(request: HttpRequest, video: Video) -> dict:
    """What every feed says about a video."""
    return {
        "title": video.name,
        "link": _watch_url(request, video),
        "unique_id": request.build_absolute_uri(f"/videos/watch/{video.uuid}"),
        "unique_id_is_permalink": False,
        "description": _item_description(request, video),
        "pubdate": video.published_at or video.created_at,
        "updateddate": video.updated_at,
        "author_name": video.channel.display_name,
        "author_link": request.build_absolute_uri(f"/c/{video.channel.handle}"),
    }


def _response(feed: SyndicationFeed) -> HttpResponse:
    return HttpResponse(feed.writeString("utf-8"), content_type=feed.content_type)


@require_safe
def videos_feed(request: HttpRequest) -> HttpResponse:
    """The newest public videos (of an account or channel when asked), as RSS 2.0 or Atom."""
    feed_class = FORMATS.get(request.GET.get("format", "rss"))
    if feed_class is None:
        return HttpResponseBadRequest("Unknown format.")
    try:
        ordering = sort_ordering(request.GET.get("sort", "-publishedAt"))
        scope, filters = _scope(request)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    instance_url = request.build_absolute_uri("/")
    feed = feed_class(
        title=scope.display_name if scope else settings.INSTANCE_NAME,
        link=request.build_absolute_uri(_scope_path(scope)) if scope else instance_url,
        description=(scope.description if scope else "") or settings.INSTANCE_NAME,
        feed_url=request.build_absolute_uri(),
        language=request.LANGUAGE_CODE,
    )
    for video in _listed(filters, ordering):
        feed.add_item(**_item(request, video))
    return _response(feed)


def _enclosure(request: HttpRequest, video: Video) -> Enclosure | None:
    """An MP4 of one HLS rung through the download route; the web video before transcoding; else the master.

    A followed instance's video has neither of ours: its master playlist on the origin is the enclosure.
    """
    if video.is_local and video.download_enabled:
        rungs = sorted(
            (file for playlist in video.streaming_playlists.all() for file in playlist.files.all() if file.has_video),
            key=lambda file: file.resolution,
        )
        if rungs:
            file = ([file for file in rungs if file.resolution <= PODCAST_RESOLUTION] or rungs[:1])[-1]
            url = f"{reverse('video-download', args=[video.uuid])}?videoFileIds={file.pk}"
            return Enclosure(request.build_absolute_uri(url), str(file.size), "video/mp4")
        web_videos = list(video.files.all())
        if web_videos:
            url = media_path("web-videos", web_videos[0].filename)
            return Enclosure(request.build_absolute_uri(url), str(web_videos[0].size), "video/mp4")
    playlist = next(iter(video.streaming_playlists.all()), None)
    if playlist is None:
        return None
    return Enclosure(request.build_absolute_uri(playlist_url(playlist)), "0", "application/x-mpegURL")


@require_safe
def podcast_feed(request: HttpRequest) -> HttpResponse:
    """One channel as a podcast: `videoChannelId` is required, episodes carry their media as enclosures."""
    try:
        channel_id = _int_param(request, "videoChannelId")
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    if channel_id is None:
        return HttpResponseBadRequest("videoChannelId is required.")
    channel = get_object_or_404(Channel.objects.select_related("account"), pk=channel_id)
    videos = _listed({"channel": channel}, "-published_at").prefetch_related(
        Prefetch("files", queryset=VideoFile.objects.order_by("-resolution")),
        Prefetch("streaming_playlists", queryset=StreamingPlaylist.objects.prefetch_related("files")),
    )
    videos = list(videos)
    feed = PodcastFeed(
        title=channel.display_name,
        link=request.build_absolute_uri(_scope_path(channel)),
        description=channel.description or channel.display_name,
        feed_url=request.build_absolute_uri(),
        language=request.LANGUAGE_CODE,
        author_name=channel.account.display_name,
        image=next((_preview_url(request, video) for video in videos if video.preview_filename), None),
    )
    for video in videos:
        enclosure = _enclosure(request, video)
        feed.add_item(
            **_item(request, video),
            enclosures=[enclosure] if enclosure else [],
            duration=video.duration,
            nsfw=video.nsfw,
            image=_preview_url(request, video),
        )
    return _response(feed)
