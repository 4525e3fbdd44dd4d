"""Test data builders, one home for the whole suite: users, videos in each state, remote videos, files.

Plain functions over the ORM and the real services (no factory library): each says what it makes, and
a test passes only the fields it cares about. Files are written under the test's isolated media folders.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.utils import timezone

from videos.constants import VideoPrivacy, VideoState
from videos.models import Account, Channel, StreamingPlaylist, Tag, User, Video, VideoFile
from videos.services.accounts import create_local_user
from videos.services.uploads import VideoMetadata, accept_upload, temp_upload_path
from videos.storage import PUBLIC_FOLDERS, hls_dir, media_dir, original_dir, random_filename

HLS_PREFIX = "/static/streaming-playlists/hls"
RUNGS = ((720, 1280), (360, 640))  # (height, width) of publish_video's ladder
SITE = "https://videos.example.org"  # a production-like public URL (PeerTube wants a host with a TLD)


# --- users ------------------------------------------------------------------------------------


def make_user(username: str = "alice", password: str | None = None) -> User:
    """A local user with its account and default channel `<username>_channel`."""
    return create_local_user(username, password or f"{username}-password-1")


def root_password() -> str:
    """Give the root admin (made at first start) a known password; returns it."""
    root = get_user_model().objects.get(username="root")
    root.set_password("root-password-1")
    root.save()
    return "root-password-1"


# --- local videos -----------------------------------------------------------------------------


def make_video(channel: Channel, name: str, **fields) -> Video:
    """A row only (no file): public and published unless `fields` say otherwise."""
    values = {
        "state": VideoState.PUBLISHED,
        "privacy": VideoPrivacy.PUBLIC,
        "published_at": timezone.now(),
        "duration": 65,
    }
    return Video.objects.create(channel=channel, name=name, **{**values, **fields})


def publish_video(channel: Channel, name: str = "A published episode", **fields) -> Video:
    """A public video as the transcoding pipeline leaves it: a 2-rung HLS ladder, thumbnail and preview,
    all on disk. The files hold placeholder bytes (documents only link them; tests check each link is served)."""
    values = {
        "state": VideoState.PUBLISHED,
        "privacy": VideoPrivacy.PUBLIC,
        "published_at": timezone.now(),
        "duration": 125,
        "aspect_ratio": 1.7778,
        "description": "Notes about **this** episode.",
        "category": 15,
        "licence": 2,
        "language": "fr",
        "thumbnail_filename": random_filename(".jpg"),
        "preview_filename": random_filename(".jpg"),
    }
    video = Video.objects.create(channel=channel, name=name, **{**values, **fields})
    (media_dir("thumbnails") / video.thumbnail_filename).write_bytes(b"\xff\xd8thumbnail")
    (media_dir("previews") / video.preview_filename).write_bytes(b"\xff\xd8preview")
    folder = hls_dir(video.uuid)
    folder.mkdir(parents=True)
    playlist = StreamingPlaylist.objects.create(
        video=video,
        playlist_filename=f"{uuid.uuid4()}-master.m3u8",
        segments_sha256_filename=f"{uuid.uuid4()}-segments-sha256.json",
    )
    (folder / playlist.playlist_filename).write_text("#EXTM3U\n")
    (folder / playlist.segments_sha256_filename).write_text("{}")
    for height, width in RUNGS:
        stem = f"{uuid.uuid4()}-{height}"
        file = VideoFile.objects.create(
            playlist=playlist,
            resolution=height,
            height=height,
            width=width,
            fps=29.97,
            size=1000 + height,
            filename=f"{stem}-fragmented.mp4",
            playlist_filename=f"{stem}.m3u8",
        )
        (folder / file.filename).write_bytes(b"\0" * file.size)
        (folder / file.playlist_filename).write_text(f'#EXTM3U\n#EXT-X-MAP:URI="{file.filename}"\n')
    video.tags.add(Tag.objects.get_or_create(name="federation")[0])
    return video


def stored_video(channel: Channel, privacy: int) -> tuple[Video, list[str], list[Path]]:
    """A published video with every kind of file it may own: (video, its media URLs, its paths on disk)."""
    video = publish_video(channel, privacy=privacy)
    web = VideoFile.objects.create(
        video=video, resolution=240, filename=f"{video.uuid}-240.mp4", torrent_filename=f"{video.uuid}-240.torrent"
    )
    (media_dir("web-videos") / web.filename).write_bytes(b"web video")
    (media_dir("torrents") / web.torrent_filename).write_bytes(b"torrent")
    original_dir(video.uuid).mkdir(parents=True)
    (original_dir(video.uuid) / "original.mp4").write_bytes(b"original")
    hls = hls_dir(video.uuid)
    urls = [f"{PUBLIC_FOLDERS['streaming-playlists/hls']}/{video.uuid}/{path.name}" for path in hls.iterdir()]
    urls += [
        f"{PUBLIC_FOLDERS[folder]}/{name}"
        for folder, name in (
            ("web-videos", web.filename),
            ("torrents", web.torrent_filename),
            ("thumbnails", video.thumbnail_filename),
            ("previews", video.preview_filename),
        )
    ]
    paths = [
        hls,
        original_dir(video.uuid),
        media_dir("web-videos") / web.filename,
        media_dir("torrents") / web.torrent_filename,
        media_dir("thumbnails") / video.thumbnail_filename,
        media_dir("previews") / video.preview_filename,
    ]
    return video, urls, paths


def upload_video(user: User, clip: Path, original_filename: str | None = None) -> Video:
    """Store a real clip through the upload service (state: to transcode), which queues its transcoding job;
    `original_filename` is the name the uploader gave (default: the clip's)."""
    temp = temp_upload_path()
    shutil.copy(clip, temp)
    return accept_upload(
        user=user,
        channel=user.account.channels.get(),
        metadata=VideoMetadata(name="Clip"),
        temp_path=temp,
        original_filename=original_filename or clip.name,
    )


def response_body(response) -> bytes:
    """The whole body of a test client's response, streamed or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def run_queued_job(video: Video):
    """Run the video's newest transcoding job the way the worker does; returns the job."""
    from transcoding import tasks

    job = video.transcoding_jobs.first()
    tasks.transcode_video(job.pk)
    job.refresh_from_db()
    return job


def upload_and_transcode(user: User, clip: Path) -> Video:
    """A real clip uploaded and transcoded in-process (the caller keeps transcode_video.delay from a broker)."""
    video = upload_video(user, clip)
    run_queued_job(video)
    video.refresh_from_db()
    return video


# Values a user or a client may put in any path or query field: empty, huge, negative, other scripts'
# digits, encoded slashes and NULs, markup, emoji.
ODD_VALUES = [
    "",
    "-1",
    "0",
    "99999999999999999999999",
    "²",
    "%FF%FE",
    "a%2Fb",
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "<script>",
    "a" * 3000,
    "1e30",
    "--name",
    "💥",
]


# --- through the REST API ---------------------------------------------------------------------


def api_upload(api, token: str, clip: Path, **fields):
    """`POST /api/v1/videos/upload` of `clip` into the token owner's first channel; the response."""
    channel_id = fields.pop("channelId", None)
    if channel_id is None:
        channel_id = api.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()["videoChannels"][0]["id"]
    with clip.open("rb") as stream:
        data = {"name": "My clip", "channelId": str(channel_id), "videofile": stream, **fields}
        return api.post("/api/v1/videos/upload", data, format="multipart", HTTP_AUTHORIZATION=f"Bearer {token}")


RESUMABLE_PATH = "/api/v1/videos/upload-resumable"


def resumable_init(api, token, size: int, body_format: str = "json", **fields):
    """Open a resumable upload session of `size` bytes (PeerTube's protocol); the response."""
    channel_id = api.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()["videoChannels"][0]["id"]
    body = {"name": "Resumed", "channelId": channel_id, "filename": "clip.mp4", "tags": ["a", "b"], **fields}
    return api.post(
        RESUMABLE_PATH,
        body,
        format=body_format,
        HTTP_X_UPLOAD_CONTENT_LENGTH=str(size),
        HTTP_X_UPLOAD_CONTENT_TYPE="video/mp4",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def resumable_start(api, token, size: int, body_format: str = "json", **fields) -> str:
    """Open a session; its `upload_id=…` query."""
    response = resumable_init(api, token, size, body_format, **fields)
    assert response.status_code == 201, response.content
    return response["Location"].split("?", 1)[1]


def resumable_put(api, token, query: str, content: bytes, content_range: str):
    """Send one chunk of a session."""
    return api.generic(
        "PUT",
        f"{RESUMABLE_PATH}?{query}",
        content,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=content_range,
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def mark_published(video_id: int) -> None:
    """Skip transcoding: the video counts as published."""
    Video.objects.filter(pk=video_id).update(state=VideoState.PUBLISHED)


# --- remote videos ----------------------------------------------------------------------------


def create_remote_video(
    origin: str,
    *,
    name: str,
    video_uuid: str | None = None,
    master: str = "master.m3u8",
    rungs: list[dict] | None = None,
    preview: str = "",
    duration: int = 12,
) -> Video:
    """A published public video of the instance at `origin` ("http://host:port"), as the federation import
    leaves it, with its HLS playlist and rungs (dicts with resolution, width, height, fps, size, filename)
    served from `origin`'s HLS folder. Plain ORM code, so it also runs in a live instance (`manage.py shell`)."""
    host = urlsplit(origin).netloc
    account, _ = Account.objects.get_or_create(
        name="peer_user", host=host, defaults={"display_name": "Peer user", "url": f"{origin}/accounts/peer_user"}
    )
    channel, _ = Channel.objects.get_or_create(
        name="peer_channel",
        host=host,
        defaults={"account": account, "display_name": "Peer channel", "url": f"{origin}/video-channels/peer_channel"},
    )
    video_uuid = video_uuid or str(uuid.uuid4())
    video = Video.objects.create(
        uuid=video_uuid,
        channel=channel,
        name=name,
        is_local=False,
        url=f"{origin}/videos/watch/{video_uuid}",
        state=VideoState.PUBLISHED,
        privacy=VideoPrivacy.PUBLIC,
        published_at=timezone.now(),
        duration=duration,
        thumbnail_filename=preview,
        preview_filename=preview,
    )
    folder = f"{origin}{HLS_PREFIX}/{video_uuid}"
    playlist = StreamingPlaylist.objects.create(
        video=video, playlist_url=f"{folder}/{master}", segments_sha256_url=f"{folder}/segments-sha256.json"
    )
    VideoFile.objects.bulk_create(
        VideoFile(
            playlist=playlist,
            resolution=rung["resolution"],
            width=rung["width"],
            height=rung["height"],
            fps=rung["fps"],
            size=rung["size"],
            file_url=f"{folder}/{rung['filename']}",
        )
        for rung in rungs or []
    )
    return Video.objects.get(pk=video.pk)


# --- people and videos for the comments and ratings tests -------------------------------------------

COMMENTER_PASSWORD = "a-long-password-1"


def local_account(name: str, **user_fields) -> Account:
    """A user of this instance (password COMMENTER_PASSWORD) and its account."""
    return create_local_user(name, COMMENTER_PASSWORD, **user_fields).account


def remote_account(name: str = "carol", host: str = "peer.example") -> Account:
    return Account.objects.create(
        name=name, display_name=name.title(), host=host, url=f"https://{host}/accounts/{name}"
    )


def remote_video(owner: Account, name: str = "Their episode", **fields) -> Video:
    """A followed instance's public video, as federation stores it."""
    channel = Channel.objects.create(
        account=owner,
        name=f"{owner.name}_channel",
        display_name=owner.display_name,
        host=owner.host,
        url=f"https://{owner.host}/video-channels/{owner.name}_channel",
    )
    video = make_video(channel, name, is_local=False, **fields)
    video.url = f"https://{owner.host}/videos/watch/{video.uuid}"
    video.save(update_fields=["url"])
    return video


def video_of(account: Account, name: str = "An episode", **fields) -> Video:
    """A public, published local video in the account's first channel."""
    return make_video(account.channels.first(), name, **fields)
