"""One of our published videos as PeerTube's `Video` object (docs/PROTOCOL.md §3.3).

A PeerTube peer refuses the whole video when one of its rules fails, so every field below is shaped
by those rules: a JPEG icon with integer width and height, a `PT<n>S` duration, a version-4 uuid,
`content` null or at least 3 characters, both the Person and the Group in `attributedTo`, integer
`fps`/`size`/`height` on file links. Only what we really serve is linked: the watch pages, the web-video
file (in a container peers play), the HLS ladder (master playlist, segment hashes, one fragmented MP4 per
rung, and the base URLs of peers' live mirrors of it), and the likes, dislikes,
shares and comments collections, which PeerTube reads whenever it stores or refreshes a remote video
(without them, PeerTube 6.x-7.x fails on the like counts and drops the video's Announce: docs/interop.md).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import translation

from federation.objects.actor import iso_date
from federation.protocol import ids
from federation.protocol.ld import with_context
from videos.constants import (
    PREVIEW_SIZE,
    THUMBNAIL_SIZE,
    VIDEO_CATEGORIES,
    VIDEO_LANGUAGES,
    VIDEO_LICENCES,
    CommentsPolicy,
    VideoPrivacy,
    VideoState,
)
from videos.identifiers import parse_video_id
from videos.models import StreamingPlaylist, Video, VideoFile
from videos.services.catalog import listed_videos
from videos.services.redundancy import live_mirrors
from videos.storage import absolute_url, file_url, hls_url, media_path

# PeerTube refuses a description shorter than this (then the object must carry none).
MIN_CONTENT_LENGTH = 3

# The Video object's collection properties, and the path of each under the video's URL (PeerTube's).
VIDEO_COLLECTIONS = {"likes": "likes", "dislikes": "dislikes", "shares": "announces", "comments": "comments"}


# The web-video containers PeerTube 6.x-7.x play from a Video object, by the suffix we gave the file.
PEER_WEB_VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm", "ogv": "video/ogg"}


def _peer_playable_web_videos() -> QuerySet[VideoFile]:
    return VideoFile.objects.filter(playlist=None, filename__iregex=rf"\.({'|'.join(PEER_WEB_VIDEO_TYPES)})$")


def _shown_before_transcoding() -> Q:
    """SQL of may_be_shown_before_transcoding, with a web-video file in a container peers play."""
    return (
        Q(state=VideoState.TO_TRANSCODE, wait_transcoding=False)
        & ~Q(thumbnail_filename="")
        & Exists(_peer_playable_web_videos().filter(video=OuterRef("pk")))
    )


def federated_videos() -> QuerySet[Video]:
    """Our videos peers may see: local and public, published (HLS ladder and images in place) or shown
    before transcoding (with their web-video file, as PeerTube shows a video uploaded with waitTranscoding
    false at once)."""
    return (
        listed_videos()
        .filter(Q(state=VideoState.PUBLISHED) | _shown_before_transcoding(), is_local=True)
        .select_related("channel__account")
        .prefetch_related("tags", "streaming_playlists__files", "files")
    )


def may_be_shown_before_transcoding(video: Video) -> bool:
    """Waiting for its ladder, uploaded with waitTranscoding false and its thumbnail made (peers refuse a
    video without one). Read from the row alone, so it holds for a video just deleted too."""
    return video.state == VideoState.TO_TRANSCODE and not video.wait_transcoding and bool(video.thumbnail_filename)


def has_peer_playable_web_video(video: Video) -> bool:
    return _peer_playable_web_videos().filter(video=video).exists()


def is_federated(video: Video) -> bool:
    """Whether peers may see this video now (as federated_videos selects them)."""
    if not video.is_local or video.privacy != VideoPrivacy.PUBLIC:
        return False
    if video.state == VideoState.PUBLISHED:
        return True
    return may_be_shown_before_transcoding(video) and has_peer_playable_web_video(video)


def federated_video_at(url: str | None) -> Video | None:
    """Our video whose ActivityPub id is `url`, if peers may see it (what a peer's Like or View names)."""
    prefix = ids.video_url("")
    lookup = parse_video_id(url.removeprefix(prefix)) if url and url.startswith(prefix) else None
    return federated_videos().filter(**lookup).first() if lookup else None


def audience(video: Video) -> dict:
    """Public, copied to the account's followers: how PeerTube addresses a public video."""
    return {"to": [ids.PUBLIC], "cc": [f"{ids.account_url(video.channel.account.name)}/followers"]}


def _labelled(identifier: int | str | None, labels: dict) -> dict | None:
    if identifier not in labels:
        return None
    with translation.override("en"):  # peers show their own translation; the name is a fallback
        return {"identifier": str(identifier), "name": str(labels[identifier])}


def _labels(video: Video) -> dict:
    """category, licence and language, each left out when unset (as PeerTube does)."""
    labels = {
        "category": _labelled(video.category, VIDEO_CATEGORIES),
        "licence": _labelled(video.licence, VIDEO_LICENCES),
        "language": _labelled(video.language, VIDEO_LANGUAGES),
    }
    return {key: value for key, value in labels.items() if value}


def _icons(video: Video) -> list[dict]:
    images = [
        ("thumbnails", video.thumbnail_filename, THUMBNAIL_SIZE),
        ("previews", video.preview_filename, PREVIEW_SIZE),
    ]
    return [
        {
            "type": "Image",
            "url": absolute_url(media_path(folder, filename)),
            "mediaType": "image/jpeg",
            "width": width,
            "height": height,
        }
        for folder, filename, (width, height) in images
        if filename
    ]


def _file_link(video: Video, file: VideoFile) -> dict:
    """A fragmented MP4 rung, with the hints PeerTube reads to know its streams and format."""
    link = {
        "type": "Link",
        "mediaType": "video/mp4",
        "href": hls_url(video.uuid, file.filename),
        "height": file.height or file.resolution,
        **({"width": file.width} if file.width else {}),
        "size": file.size,
        "fps": round(file.fps),  # PeerTube accepts integers only
    }
    streams = [kind for kind, present in (("audio", file.has_audio), ("video", file.has_video)) if present]
    link["attachment"] = [
        *({"type": "PropertyValue", "name": "ffprobe_codec_type", "value": kind} for kind in streams),
        {"type": "PropertyValue", "name": "peertube_format_flag", "value": "fragmented"},
    ]
    return link


def _web_video_links(video: Video) -> list[dict]:
    """The web-video file (the published copy of the original), when it is in a container peers play, while
    the video is shown before transcoding only: once its HLS ladder is published, a PeerTube 7.0 mirroring
    the video would try to copy a listed web-video file through WebTorrent, fail on one without a torrent
    link, and then copy nothing (docs/redundancy.md)."""
    if video.state == VideoState.PUBLISHED:
        return []
    links = []
    for file in video.files.all():
        media_type = PEER_WEB_VIDEO_TYPES.get(file.filename.rsplit(".", 1)[-1].lower())
        if file.playlist_id is None and media_type:
            links.append(
                {
                    "type": "Link",
                    "mediaType": media_type,
                    "href": absolute_url(file_url(file)),
                    "height": file.height or file.resolution,
                    **({"width": file.width} if file.width else {}),
                    "size": file.size,
                    "fps": round(file.fps),
                }
            )
    return links


def _hls_link(video: Video, playlist: StreamingPlaylist) -> dict:
    files = sorted(playlist.files.all(), key=lambda file: -file.resolution)
    return {
        "type": "Link",
        "mediaType": "application/x-mpegURL",
        "href": hls_url(video.uuid, playlist.playlist_filename),
        "tag": [
            {
                "type": "Link",
                "name": "sha256",
                "mediaType": "application/json",
                "href": hls_url(video.uuid, playlist.segments_sha256_filename),
            },
            *(_file_link(video, file) for file in files),
            # Peers' live mirrors of this ladder (their copies hold the same file names). PeerTube lists
            # none in its object and skips tags it does not know; a follower learns where copies are.
            *({"type": "Link", "name": "redundancy", "href": mirror.base_url} for mirror in live_mirrors(playlist)),
        ],
    }


def video_collections(url: str) -> dict:
    """The collections of the video at `url` a peer reads: its rates' counts, its shares, its comments."""
    return {name: f"{url}/{path}" for name, path in VIDEO_COLLECTIONS.items()}


def video_object(video: Video) -> dict:
    """The Video object without @context, addressed to the public (embedded in Create and Update)."""
    url = ids.video_url(str(video.uuid))
    account, channel = video.channel.account, video.channel
    description = video.description if len(video.description) >= MIN_CONTENT_LENGTH else None
    document = {
        **audience(video),
        "type": "Video",
        "id": url,
        "name": video.name,
        "duration": f"PT{video.duration}S",
        "uuid": str(video.uuid),
        **_labels(video),
        "views": video.views,
        "sensitive": video.nsfw,
        "waitTranscoding": video.wait_transcoding,
        "state": video.state,
        # Dropped by PeerTube 8 but still read by the 6.x and 7.x peers in the wild.
        "commentsEnabled": video.comments_policy != CommentsPolicy.DISABLED,
        "canReply": None if video.comments_policy == CommentsPolicy.ENABLED else ids.PUBLIC,
        "commentsPolicy": video.comments_policy,
        "downloadEnabled": video.download_enabled,
        "published": iso_date(video.published_at or video.created_at),
        "originallyPublishedAt": iso_date(video.originally_published_at) if video.originally_published_at else None,
        "updated": iso_date(video.updated_at),
        "tag": [{"type": "Hashtag", "name": tag.name} for tag in video.tags.all()],
        "mediaType": "text/markdown",
        "content": description,
        "support": video.support or None,
        "subtitleLanguage": [],
        "icon": _icons(video),
        "aspectRatio": video.aspect_ratio,
        "url": [
            # The watch page first: Mastodon embeds the first text/html link.
            {"type": "Link", "mediaType": "text/html", "href": absolute_url(f"/w/{video.short_uuid}")},
            {"type": "Link", "mediaType": "text/html", "href": url},
            *_web_video_links(video),
            *(_hls_link(video, playlist) for playlist in video.streaming_playlists.all()),
        ],
        **video_collections(url),
        "attributedTo": [
            {"type": "Person", "id": ids.account_url(account.name)},
            {"type": "Group", "id": ids.channel_url(channel.name)},
        ],
        "isLiveBroadcast": False,
        "liveSaveReplay": None,
        "permanentLive": None,
        "latencyMode": None,
    }
    return document


def video_document(video: Video) -> dict:
    """The Video object a peer GETs at /videos/watch/<uuid>, with PeerTube's Video @context."""
    return with_context(video_object(video), "Video")
