from django.db import models

from .files import StreamingPlaylist


class VideoRedundancy(models.Model):
    """A mirror of a video's HLS files on another instance ("instance réplicante", docs/redundancy.md).

    Either a peer mirrors one of our videos or a video we hold (announced to us by a CacheFile, `actor_url`
    set), or we mirror a followed instance's video (`actor_url` empty, `strategy` set, files on our disk).
    """

    playlist = models.ForeignKey(StreamingPlaylist, on_delete=models.CASCADE, related_name="redundancies")
    # The CacheFile's ActivityPub id: what Update and Undo name.
    url = models.URLField(max_length=2000, unique=True)
    # Where the mirror serves the playlist's files (same file names as at the origin).
    base_url = models.URLField(max_length=2000)
    # The actor that announced a peer's mirror (only it may update or undo it); empty for our own mirrors.
    actor_url = models.URLField(max_length=2000, blank=True, default="")
    # Our mirrors: the strategy that chose the video ("manual" by an admin) and the bytes it takes on disk.
    strategy = models.CharField(max_length=20, blank=True, default="")
    size = models.PositiveBigIntegerField(default=0)
    # Null: kept until undone (PeerTube's manual mirrors).
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "video redundancies"
        indexes = [models.Index(fields=["expires_at"], name="video_redundancy_expiry")]

    def __str__(self) -> str:
        return self.base_url

    @property
    def is_ours(self) -> bool:
        return not self.actor_url
