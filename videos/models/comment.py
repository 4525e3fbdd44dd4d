from django.db import models
from django.db.models import Q
from django.utils import timezone

from .account import Account
from .video import Video


class Comment(models.Model):
    """A comment on a video, by a local or remote account; a reply names its parent and its thread's root.

    A deleted comment stays as a tombstone (text emptied, deleted_at set), as PeerTube keeps it, so the
    replies under it keep their place and peers can be answered with a Tombstone.
    """

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="comments")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="comments")
    in_reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    # The root comment of the thread (null on a root): a whole thread is read with one query.
    thread = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="thread_comments")
    text = models.TextField(blank=True)
    # ActivityPub id of a remote comment; ours are built by videos.links.comment_url.
    url = models.URLField(max_length=2000, blank=True, default="")
    # A remote comment keeps the date its origin published it.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["video", "thread", "created_at"], name="comment_video_thread")]
        constraints = [
            models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="unique_comment_url"),
        ]

    def __str__(self) -> str:
        return f"{self.account} on {self.video}: {self.text[:40]}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
