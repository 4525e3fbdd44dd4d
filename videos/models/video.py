import uuid

from django.db import models

from videos.constants import CommentsPolicy, FileStorage, VideoPrivacy, VideoState
from videos.identifiers import to_short_uuid

from .account import Channel


class Tag(models.Model):
    name = models.CharField(max_length=30, unique=True)

    def __str__(self) -> str:
        return self.name


class Video(models.Model):
    """A video, local or mirrored from a remote instance, with PeerTube's metadata fields."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=10000)
    support = models.TextField(blank=True, max_length=1000)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="videos")

    state = models.PositiveSmallIntegerField(choices=VideoState.choices, default=VideoState.TO_TRANSCODE)
    # Why transcoding failed, in words an admin can act on (empty otherwise).
    state_error = models.TextField(blank=True, default="")
    # 0-100 while the worker encodes; None when no transcoding is running.
    transcoding_progress = models.PositiveSmallIntegerField(null=True, blank=True)

    privacy = models.PositiveSmallIntegerField(choices=VideoPrivacy.choices, default=VideoPrivacy.PUBLIC)
    category = models.PositiveSmallIntegerField(null=True, blank=True)
    licence = models.PositiveSmallIntegerField(null=True, blank=True)
    language = models.CharField(max_length=10, blank=True, default="")
    tags = models.ManyToManyField(Tag, blank=True, related_name="videos")
    nsfw = models.BooleanField(default=False)
    comments_policy = models.PositiveSmallIntegerField(choices=CommentsPolicy.choices, default=CommentsPolicy.ENABLED)
    download_enabled = models.BooleanField(default=True)
    wait_transcoding = models.BooleanField(default=True)

    duration = models.PositiveIntegerField(default=0, help_text="Seconds, rounded like PeerTube.")
    aspect_ratio = models.FloatField(null=True, blank=True)
    views = models.PositiveBigIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    dislikes = models.PositiveIntegerField(default=0)

    is_local = models.BooleanField(default=True)
    # ActivityPub id of a remote video; local ids are built from SIDEWAYS_URL.
    url = models.URLField(max_length=2000, blank=True, default="")
    # Random file names under media/thumbnails and media/previews (PeerTube's lazy-static layout).
    thumbnail_filename = models.CharField(max_length=100, blank=True, default="")
    preview_filename = models.CharField(max_length=100, blank=True, default="")
    # The owner sent their own images (PeerTube's thumbnailfile/previewfile): transcoding keeps them.
    images_chosen = models.BooleanField(default=False)
    # Where all of a local video's files are: the local disk or the buckets (videos.storage).
    storage = models.PositiveSmallIntegerField(choices=FileStorage.choices, default=FileStorage.FILE_SYSTEM)

    published_at = models.DateTimeField(null=True, blank=True)
    originally_published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Lists walk this index newest-first and stop after one page (no sort of every listed row)...
            models.Index(fields=["-published_at"], name="video_published"),
            # ...and count the listed rows with an index-only scan of the visibility columns.
            models.Index(fields=["privacy", "state", "wait_transcoding"], name="video_visibility"),
            models.Index(fields=["-views"], name="video_views"),
            # The newest videos of our own or of followed instances (home, /videos/local, /videos/followed),
            # without walking every video of the other origin first.
            models.Index(fields=["is_local", "-published_at"], name="video_origin_published"),
            # Federation finds a remote video by its ActivityPub id on every Update, Delete and Announce.
            models.Index(fields=["url"], name="video_url"),
            # Every image request looks up the video that owns the file (videos.web.media).
            models.Index(fields=["thumbnail_filename"], name="video_thumbnail_filename"),
            models.Index(fields=["preview_filename"], name="video_preview_filename"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def short_uuid(self) -> str:
        return to_short_uuid(self.uuid)
