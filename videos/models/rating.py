from django.db import models

from .account import Account
from .video import Video


class Rating(models.Model):
    """One account's like or dislike of a video (Video.likes / Video.dislikes count them)."""

    class Kind(models.TextChoices):
        LIKE = "like"
        DISLIKE = "dislike"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="ratings")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ratings")
    kind = models.CharField(max_length=7, choices=Kind.choices)
    # ActivityPub id of a remote Like/Dislike; ours are built by federation.
    url = models.URLField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["video", "account"], name="unique_rating")]

    def __str__(self) -> str:
        return f"{self.account} {self.kind}s {self.video}"
