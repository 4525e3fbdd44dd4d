"""Remote videos play from the instance they come from: what their watch and embed pages must allow.

We keep a followed instance's thumbnails and previews (the import copies them), but not its HLS
ladders: the player fetches those from the origin, as PeerTube does. That origin is then the only
other host a page may reach, and only the page of that video (see sideways.privacy).
"""
from django.http import HttpResponse

from sideways.privacy import allow_media_origins
from videos.models import Video
from videos.storage import file_url, playlist_url


def original_page(video: Video) -> str:
    """The remote video's page on its own instance (its ActivityPub id), or "" for ours or a non-web URL."""
    return video.url if not video.is_local and video.url.startswith(("https://", "http://")) else ""


def play_from_origin(response: HttpResponse, video: Video) -> HttpResponse:
    """Opens the response's CSP (media and connections only) to where a remote video's media are served.

    Needs the video's playlists with their files, and its web videos, prefetched.
    """
    if video.is_local:
        return response
    playlists = video.streaming_playlists.all()
    urls = [playlist_url(playlist) for playlist in playlists]
    urls += [file_url(file) for playlist in playlists for file in playlist.files.all()]
    urls += [file_url(file) for file in video.files.all()]
    return allow_media_origins(response, urls)
