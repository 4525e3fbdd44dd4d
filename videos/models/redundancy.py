from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from .files import StreamingPlaylist
from .instance import SingleRowSettings


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


class MirroredHost(models.Model):
    """A followed instance whose videos we may mirror (PeerTube's `redundancyAllowed` on a followed server)."""

    host = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.host


class MirroringSettings(SingleRowSettings):
    """How we choose followed instances' videos to mirror; a single row an admin edits in the Django admin."""

    class Strategy(models.TextChoices):
        OFF = "", _("none (only videos an administrator picks)")
        MOST_VIEWS = "most-views", _("most viewed")
        TRENDING = "trending", _("most viewed lately")
        RECENTLY_ADDED = "recently-added", _("recently added")

    strategy = models.CharField(_("strategy"), max_length=20, choices=Strategy.choices, blank=True, default="")
    size = models.PositiveBigIntegerField(
        _("disk budget (bytes)"), default=5 * 1024**3, help_text=_("What the copies of this strategy may take.")
    )
    min_lifetime = models.DurationField(
        _("minimum lifetime"),
        default=timedelta(hours=48),
        help_text=_("A copy is kept at least this long, and announced to its origin for this long at a time."),
    )
    min_views = models.PositiveIntegerField(
        _("minimum views"), default=0, help_text=_("Recently added: only videos viewed at least this often.")
    )

    class Meta:
        verbose_name = _("mirroring settings")
        verbose_name_plural = _("mirroring settings")
