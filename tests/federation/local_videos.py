"""Published local videos as the transcoding pipeline leaves them: rows plus the files they name.

The files hold placeholder bytes (the documents only link them; the tests check each link is served),
laid out with videos.storage like the pipeline's output.
"""
from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from videos.constants import VideoPrivacy, VideoState
from videos.models import Channel, StreamingPlaylist, Tag, Video, VideoFile
from videos.storage import hls_dir, media_dir, random_filename

RUNGS = ((720, 1280), (360, 640))  # (height, width)
SITE = "https://videos.example.org"


@pytest.fixture
def public_site(isolated_media, settings):
    """A production-like public URL, so our documents face PeerTube's "host needs a TLD" rule."""
    settings.SIDEWAYS_URL = SITE


def publish_video(channel: Channel, name: str = "A published episode", **fields) -> Video:
    """A public, published video with a 2-rung HLS ladder, thumbnail and preview, all on disk."""
    values = {
        "state": VideoState.PUBLISHED, "privacy": VideoPrivacy.PUBLIC, "published_at": timezone.now(),
        "duration": 125, "aspect_ratio": 1.7778, "description": "Notes about **this** episode.",
        "category": 15, "licence": 2, "language": "fr",
        "thumbnail_filename": random_filename(".jpg"), "preview_filename": random_filename(".jpg"),
    }
    video = Video.objects.create(channel=channel, name=name, **{**values, **fields})
    (media_dir("thumbnails") / video.thumbnail_filename).write_bytes(b"\xff\xd8thumbnail")
    (media_dir("previews") / video.preview_filename).write_bytes(b"\xff\xd8preview")
    folder = hls_dir(video.uuid)
    folder.mkdir(parents=True)
    playlist = StreamingPlaylist.objects.create(
        video=video, playlist_filename=f"{uuid.uuid4()}-master.m3u8",
        segments_sha256_filename=f"{uuid.uuid4()}-segments-sha256.json",
    )
    (folder / playlist.playlist_filename).write_text("#EXTM3U\n")
    (folder / playlist.segments_sha256_filename).write_text("{}")
    for height, width in RUNGS:
        stem = f"{uuid.uuid4()}-{height}"
        file = VideoFile.objects.create(
            playlist=playlist, resolution=height, height=height, width=width, fps=29.97, size=1000 + height,
            filename=f"{stem}-fragmented.mp4", playlist_filename=f"{stem}.m3u8",
        )
        (folder / file.filename).write_bytes(b"\0" * file.size)
    video.tags.add(Tag.objects.get_or_create(name="federation")[0])
    return video
