from django.contrib.auth import views as auth_views
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from videos.storage import PUBLIC_FOLDERS
from videos.web import comments, downloads, embed, feeds, instance, library, media, oembed, pages, upload

urlpatterns = [
    path(f"{prefix.lstrip('/')}/<path:relative>", media.serve_media, {"folder": folder}, name=f"media-{folder}")
    for folder, prefix in PUBLIC_FOLDERS.items()
]

# Player, sharing and feeds (embed page, oEmbed, RSS/Atom and podcast feeds).
urlpatterns += [
    path("videos/embed/<str:video_id>", embed.embed, name="video-embed"),
    path("services/oembed", oembed.oembed, name="oembed"),
    path("feeds/videos.xml", feeds.videos_feed, name="videos-feed"),
    path("feeds/podcast/videos.xml", feeds.podcast_feed, name="podcast-feed"),
]

# The viewer's and the uploader's pages (videos.web.pages, upload, library).
urlpatterns += [
    path("", pages.listing, {"kind": "home"}, name="home"),
    path("videos/trending", pages.listing, {"kind": "trending"}, name="trending"),
    path("videos/local", pages.listing, {"kind": "local"}, name="local"),
    path("videos/followed", pages.listing, {"kind": "followed"}, name="followed"),
    path("w/<str:video_id>", pages.watch, name="watch"),
    path("videos/watch/<str:video_id>", pages.watch, name="watch-uuid"),
    # The watch page's forms (videos.web.comments); /videos/watch/<uuid>/comments/<id> is the comments' AP id.
    path("w/<str:video_id>/comments", comments.comment, name="video-comment"),
    path("w/<str:video_id>/comments/<int:comment_id>/delete", comments.delete, name="video-comment-delete"),
    path("w/<str:video_id>/rate", comments.rate, name="video-rate"),
    path("c/<str:handle>", pages.channel, name="channel"),
    path("c/<str:handle>/videos", pages.channel),
    path("a/<str:handle>", pages.account, name="account"),
    path("a/<str:handle>/videos", pages.account),
    path("search", pages.search, name="search"),
    path("videos/tags/<path:name>", pages.tag, name="tag"),  # tags may hold a "/" (AC/DC)
    path("videos/categories", pages.categories, name="categories"),
    path("about", pages.about, name="about"),
    path("login", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout", auth_views.LogoutView.as_view(next_page="home"), name="logout"),
    # Only a language cookie, set on an explicit click: no CSRF token, so no cookie before it.
    path("language", csrf_exempt(set_language), name="set_language"),
    path("videos/upload", upload.upload, name="upload"),
    path("my-library/videos", library.my_videos, name="my-videos"),
    path("videos/update/<str:video_id>", library.edit, name="video-edit"),
    path("videos/delete/<str:video_id>", library.delete, name="video-delete"),
    path("admin/settings", instance.instance_settings, name="instance-settings"),
]

# PeerTube's download routes (videos.web.downloads): one rendition remuxed into an MP4, and the stored
# files as attachments, at the `fileDownloadUrl` and `torrentDownloadUrl` the API gives each file.
urlpatterns += [
    path("download/videos/generate/<str:video_id>", downloads.download_video, name="video-download"),
    re_path(
        r"^download/web-videos/(?P<video_id>[^/]+)-(?P<resolution>\d+)\.\w+$",
        downloads.download_web_video,
        name="web-video-download",
    ),
    re_path(
        r"^download/streaming-playlists/hls/videos/(?P<video_id>[^/]+)-(?P<resolution>\d+)-fragmented\.\w+$",
        downloads.download_hls_file,
        name="hls-file-download",
    ),
    path("download/torrents/<str:filename>", downloads.download_torrent, name="torrent-download"),
]
