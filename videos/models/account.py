from django.conf import settings
from django.db import models


class Account(models.Model):
    """A person publishing videos: local (has a user) or remote (host set, known by its ActivityPub url)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="account"
    )
    name = models.CharField(max_length=50)
    display_name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=1000)
    # Empty for local accounts; "host[:port]" of the origin instance for remote ones.
    host = models.CharField(max_length=255, blank=True, default="")
    # ActivityPub id of a remote account; local ids are built from SIDEWAYS_URL.
    url = models.URLField(max_length=2000, blank=True, default="")
    # Kept by federation: how many peers' actors follow this local account (0 for remote ones).
    followers_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "host"], name="unique_account_handle")]

    def __str__(self) -> str:
        return self.handle

    @property
    def is_local(self) -> bool:
        return not self.host

    @property
    def handle(self) -> str:
        return self.name if self.is_local else f"{self.name}@{self.host}"


class Channel(models.Model):
    """A video channel (an ActivityPub Group). Every account has at least its default channel."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=50)
    display_name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=1000)
    support = models.TextField(blank=True, max_length=1000)
    host = models.CharField(max_length=255, blank=True, default="")
    url = models.URLField(max_length=2000, blank=True, default="")
    # Kept by federation: how many peers' actors follow this local channel (0 for remote ones).
    followers_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "host"], name="unique_channel_handle")]

    def __str__(self) -> str:
        return self.handle

    @property
    def is_local(self) -> bool:
        return not self.host

    @property
    def handle(self) -> str:
        return self.name if self.is_local else f"{self.name}@{self.host}"


class RetiredHandle(models.Model):
    """The name of a deleted local account or channel, which no new one may take: its actor outlives it
    (federation keeps its URL and key, which signed its Delete), and peers were told that actor is gone;
    a namesake would speak under them. PeerTube refuses such names too (409)."""

    name = models.CharField(max_length=50, unique=True)
    retired_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
