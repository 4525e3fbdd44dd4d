"""The viewer's pages: video lists, the watch page, channels, accounts, search, tags and categories.

Every list goes through videos.services.catalog (one place for privacy rules) and is paginated with
`channel__account` joined in, so a page costs the same few queries however many videos exist.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from videos.constants import VIDEO_CATEGORIES, VIDEO_LANGUAGES, VIDEO_LICENCES
from videos.identifiers import handle_lookup
from videos.models import Account, Channel, InstanceSettings, StreamingPlaylist, User, Video, VideoFile
from videos.services.catalog import cached_count, listed_videos, may_manage, may_watch
from videos.services.search import search_queryset
from videos.web.comments import comments_context
from videos.web.lookup import video_or_404
from videos.web.mirrors import render_player_page

VIDEOS_PER_PAGE = 24
MORE_FROM_CHANNEL = 4
# Search orders offered on the results page (PeerTube's sort keys, see videos.services.search).
SEARCH_SORTS = {
    "-match": gettext_lazy("Relevance"),
    "-publishedAt": gettext_lazy("Newest"),
    "-views": gettext_lazy("Most viewed"),
}
NEWEST_FIRST = ("-published_at", "-pk")

# The video lists: URL name -> (ordering, which videos, heading).
LISTINGS = {
    "home": ("-published_at", {}, gettext_lazy("Recent videos")),
    "trending": ("-views", {}, gettext_lazy("Trending")),
    "local": ("-published_at", {"is_local": True}, gettext_lazy("Local videos")),
    "followed": ("-published_at", {"is_local": False}, gettext_lazy("From instances we follow")),
}
# How many of the newest videos of followed instances the home page shows above its link to all of them.
FOLLOWED_ON_HOME = 8


class CatalogPaginator(Paginator):
    """Django's paginator, with the total counted once until the catalogue changes (a count of 100 000
    listed videos costs more than reading the page)."""

    @cached_property
    def count(self) -> int:
        return cached_count(self.object_list)


def video_page(request: HttpRequest, videos: QuerySet[Video]) -> Page:
    """One page of video cards with their channel and account joined (the rows, and a count when the
    catalogue changed)."""
    videos = videos.select_related("channel__account")
    return CatalogPaginator(videos, VIDEOS_PER_PAGE).get_page(request.GET.get("page"))


def _viewer(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else None


def _followed_for_home(request: HttpRequest, page: Page) -> list[Video]:
    """The first home page also shows the newest videos of the instances we follow (one more query)."""
    if page.number != 1:
        return []
    videos = listed_videos(_viewer(request)).filter(is_local=False).select_related("channel__account")
    return list(videos.order_by(*NEWEST_FIRST)[:FOLLOWED_ON_HOME])


def listing(request: HttpRequest, kind: str) -> HttpResponse:
    """Home (recent), trending (most viewed), local videos, and videos from the instances we follow."""
    ordering, filters, heading = LISTINGS[kind]
    videos = listed_videos(_viewer(request)).filter(**filters)
    page = video_page(request, videos.order_by(ordering, "-pk"))
    followed = _followed_for_home(request, page) if kind == "home" else []
    return render(request, "videos/listing.html", {"page": page, "heading": heading, "followed": followed})


def _download_links(video: Video) -> list[dict]:
    """One link per HLS rung (or per web video before transcoding), once the download route exists.

    None for a remote video: our download remuxes files we hold, and its files are on its origin
    (the watch page links to the original page there instead).
    """
    if not video.download_enabled or not video.is_local:
        return []
    try:
        base = reverse("video-download", args=[video.uuid])
    except NoReverseMatch:
        return []
    files = [file for playlist in video.streaming_playlists.all() for file in playlist.files.all()]
    files = files or list(video.files.all())
    return [{"url": f"{base}?videoFileIds={file.pk}", "file": file} for file in files]


def _more_from_channel(request: HttpRequest, video: Video) -> list[Video]:
    """A few other listed videos of the same channel, to keep watching."""
    videos = listed_videos(_viewer(request)).filter(channel=video.channel).exclude(pk=video.pk)
    return list(videos.select_related("channel__account").order_by(*NEWEST_FIRST)[:MORE_FROM_CHANNEL])


def _original_page(video: Video) -> str:
    """A followed instance's video's page on its own instance (its ActivityPub id), or "" for ours."""
    return video.url if not video.is_local and video.url.startswith(("https://", "http://")) else ""


def watch(request: HttpRequest, video_id: str) -> HttpResponse:
    """The watch page, under /w/<shortUUID> and /videos/watch/<uuid>; 404 for what the viewer may not see."""
    videos = Video.objects.select_related("channel__account").prefetch_related(
        "tags",
        Prefetch("files", queryset=VideoFile.objects.order_by("-resolution")),
        Prefetch("streaming_playlists", queryset=StreamingPlaylist.objects.prefetch_related("files")),
    )
    video = video_or_404(video_id, videos, lambda video: may_watch(_viewer(request), video))
    return render_player_page(
        request,
        "videos/watch.html",
        {
            "video": video,
            "original_page": _original_page(video),
            "category": VIDEO_CATEGORIES.get(video.category),
            "licence": VIDEO_LICENCES.get(video.licence),
            "language": _(VIDEO_LANGUAGES[video.language]) if video.language in VIDEO_LANGUAGES else None,
            "downloads": _download_links(video),
            "may_manage": may_manage(_viewer(request), video),
            "more_videos": _more_from_channel(request, video),
            **comments_context(request, video),
        },
    )


def channel(request: HttpRequest, handle: str) -> HttpResponse:
    """A channel with its listed videos, newest first."""
    found = get_object_or_404(Channel.objects.select_related("account"), **handle_lookup(handle))
    videos = listed_videos(_viewer(request)).filter(channel=found).order_by(*NEWEST_FIRST)
    return render(request, "videos/channel.html", {"channel": found, "page": video_page(request, videos)})


def account(request: HttpRequest, handle: str) -> HttpResponse:
    """An account with its channels and its listed videos."""
    found = get_object_or_404(Account.objects.prefetch_related("channels"), **handle_lookup(handle))
    videos = listed_videos(_viewer(request)).filter(channel__account=found).order_by(*NEWEST_FIRST)
    return render(request, "videos/account.html", {"account": found, "page": video_page(request, videos)})


def _results(request: HttpRequest, videos: QuerySet[Video], heading: str, sort: str | None = None) -> HttpResponse:
    context = {"page": video_page(request, videos), "heading": heading, "sorts": SEARCH_SORTS, "sort": sort}
    return render(request, "videos/search.html", context)


def tag(request: HttpRequest, name: str) -> HttpResponse:
    """Listed videos carrying one tag, newest first."""
    videos = listed_videos(_viewer(request)).filter(tags__name=name).order_by(*NEWEST_FIRST)
    return _results(request, videos, _("Videos tagged “%(tag)s”") % {"tag": name})


def search(request: HttpRequest) -> HttpResponse:
    """Search by words (`search`), or PeerTube's `tagsOneOf` / `categoryOneOf` filters."""
    if tag_name := request.GET.get("tagsOneOf", "").strip():
        return tag(request, tag_name)
    category = request.GET.get("categoryOneOf", "")
    if category.isdecimal() and int(category) in VIDEO_CATEGORIES:
        videos = listed_videos(_viewer(request)).filter(category=int(category)).order_by(*NEWEST_FIRST)
        return _results(request, videos, _("Category: %(category)s") % {"category": VIDEO_CATEGORIES[int(category)]})
    query = request.GET.get("search", "").strip()
    sort = request.GET.get("sort") if request.GET.get("sort") in SEARCH_SORTS else "-match"
    heading = _("Results for “%(query)s”") % {"query": query} if query else _("All videos")
    return _results(request, search_queryset(query, _viewer(request), sort), heading, sort)


def categories(request: HttpRequest) -> HttpResponse:
    """Links to each category's listing."""
    return render(request, "videos/categories.html", {"categories": sorted(VIDEO_CATEGORIES.items())})


def about(request: HttpRequest) -> HttpResponse:
    """The instance description and its administrator's contact (edited in the Django admin)."""
    context = {"about": InstanceSettings.current(), "videos_count": listed_videos(_viewer(request)).count()}
    return render(request, "about.html", context)
