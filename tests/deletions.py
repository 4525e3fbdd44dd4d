"""A video with every kind of file it may own, and the deletion signals a test receives (shared by the API and
admin deletion tests)."""
from pathlib import Path

import pytest

from tests.federation.local_videos import publish_video
from videos.models import Channel, Video, VideoFile
from videos.signals import account_deleted, channel_deleted, video_deleted
from videos.storage import PUBLIC_FOLDERS, hls_dir, media_dir, original_dir


def stored_video(channel: Channel, privacy: int) -> tuple[Video, list[str], list[Path]]:
    """A published video with every kind of file it may own: (video, its media URLs, its paths on disk)."""
    video = publish_video(channel, privacy=privacy)
    web = VideoFile.objects.create(video=video, resolution=240, filename=f"{video.uuid}-240.mp4",
                                   torrent_filename=f"{video.uuid}-240.torrent")
    (media_dir("web-videos") / web.filename).write_bytes(b"web video")
    (media_dir("torrents") / web.torrent_filename).write_bytes(b"torrent")
    original_dir(video.uuid).mkdir(parents=True)
    (original_dir(video.uuid) / "original.mp4").write_bytes(b"original")
    hls = hls_dir(video.uuid)
    urls = [f"{PUBLIC_FOLDERS['streaming-playlists/hls']}/{video.uuid}/{path.name}" for path in hls.iterdir()]
    urls += [f"{PUBLIC_FOLDERS[folder]}/{name}" for folder, name in (
        ("web-videos", web.filename), ("torrents", web.torrent_filename),
        ("thumbnails", video.thumbnail_filename), ("previews", video.preview_filename))]
    paths = [hls, original_dir(video.uuid), media_dir("web-videos") / web.filename,
             media_dir("torrents") / web.torrent_filename, media_dir("thumbnails") / video.thumbnail_filename,
             media_dir("previews") / video.preview_filename]
    return video, urls, paths


@pytest.fixture
def received():
    """The domain signals sent, in order, as (signal name, deleted object's name)."""
    events = []
    receivers = {
        "video_deleted": lambda sender, video, url, **kwargs: events.append(("video_deleted", video.name)),
        "channel_deleted": lambda sender, channel, **kwargs: events.append(("channel_deleted", channel.name)),
        "account_deleted": lambda sender, account, **kwargs: events.append(("account_deleted", account.name)),
    }
    signals = {"video_deleted": video_deleted, "channel_deleted": channel_deleted, "account_deleted": account_deleted}
    for name, function in receivers.items():
        signals[name].connect(function, weak=False)
    yield events
    for name, function in receivers.items():
        signals[name].disconnect(function)
