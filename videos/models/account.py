from django.conf import settings
from django.db import models

from videos.constants import DESCRIPTION_MAX_LENGTH, DISPLAY_NAME_MAX_LENGTH, HANDLE_NAME_MAX_LENGTH


class Publisher(models.Model):
    """What accounts and channels share: a name unique on its host, local (no host) or remote (known by its
    ActivityPub url), and the counts federation keeps."""

    name = models.CharField(max_length=HANDLE_NAME_MAX_LENGTH)
    display_name = models.CharField(max_length=DISPLAY_NAME_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    # Empty for local ones; "host[:port]" of the origin instance for remote ones.
    host = models.CharField(max_length=255, blank=True, default="")
    # ActivityPub id of a remote one; local ids are built from SIDEWAYS_URL.
    url = models.URLField(max_length=2000, blank=True, default="")
    # Kept by federation: how many peers' actors follow this local account or channel (0 for remote ones).
    followers_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.handle

    @property
    def is_local(self) -> bool:
        return not self.host

    @property
    def handle(self) -> str:
        return self.name if self.is_local else f"{self.name}@{self.host}"


class Account(Publisher):
    """A person publishing videos: local (has a user) or remote."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="account"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "host"], name="unique_account_handle")]


class Channel(Publisher):
    """A video channel (an ActivityPub Group). Every account has at least its default channel."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="channels")
    support = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "host"], name="unique_channel_handle")]


class RetiredHandle(models.Model):
    """The name of a deleted local account or channel, which no new one may take: its actor outlives it
    (federation keeps its URL and key, which signed its Delete), and peers were told that actor is gone;
    a namesake would speak under them. PeerTube refuses such names too (409)."""

    name = models.CharField(max_length=HANDLE_NAME_MAX_LENGTH, unique=True)
    retired_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
