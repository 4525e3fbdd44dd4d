from django.db import models

from videos.constants import StreamingPlaylistType

from .video import Video


class VideoSource(models.Model):
    """The original upload, kept as it came so a failed or new transcode can start again from it."""

    video = models.OneToOneField(Video, on_delete=models.CASCADE, related_name="source")
    # The name the uploader's file had (shown to the owner, used for the extension).
    filename = models.CharField(max_length=255)
    # Path relative to ORIGINALS_DIR.
    path = models.CharField(max_length=500)
    size = models.PositiveBigIntegerField()
    # ffprobe's JSON output for the file, kept for the metadata API and re-planning.
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class StreamingPlaylist(models.Model):
    """An HLS master playlist with its renditions (VideoFile rows) and its segments-sha256 file."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="streaming_playlists")
    type = models.PositiveSmallIntegerField(choices=StreamingPlaylistType.choices, default=StreamingPlaylistType.HLS)
    playlist_filename = models.CharField(max_length=100, blank=True, default="")
    segments_sha256_filename = models.CharField(max_length=100, blank=True, default="")
    # Absolute URLs for remote videos (local URLs are built from the file names).
    playlist_url = models.URLField(max_length=2000, blank=True, default="")
    segments_sha256_url = models.URLField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class VideoFile(models.Model):
    """One rendition: a web video (video set) or an HLS fragmented MP4 (playlist set)."""

    video = models.ForeignKey(Video, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    playlist = models.ForeignKey(
        StreamingPlaylist, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    # The short side in pixels ("720p"); 0 for audio only.
    resolution = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    fps = models.FloatField(default=0)
    size = models.PositiveBigIntegerField(default=0)
    filename = models.CharField(max_length=255, blank=True, default="")
    # Per-rendition .m3u8 of an HLS file.
    playlist_filename = models.CharField(max_length=255, blank=True, default="")
    torrent_filename = models.CharField(max_length=255, blank=True, default="")
    has_audio = models.BooleanField(default=True)
    has_video = models.BooleanField(default=True)
    # RFC 6381 codecs string ("avc1.64001f,mp4a.40.2") and peak bits/s, for the master playlist.
    codecs = models.CharField(max_length=100, blank=True, default="")
    bandwidth = models.PositiveBigIntegerField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Absolute URLs for remote files.
    file_url = models.URLField(max_length=2000, blank=True, default="")
    torrent_url = models.URLField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(video__isnull=False, playlist__isnull=True)
                | models.Q(video__isnull=True, playlist__isnull=False),
                name="video_file_has_one_owner",
            )
        ]
        ordering = ["-resolution"]
        indexes = [
            # Serving a web video or a torrent looks up the video that owns the file (videos.web.media).
            models.Index(fields=["filename"], name="video_file_filename"),
            models.Index(fields=["torrent_filename"], name="video_file_torrent_filename"),
        ]
