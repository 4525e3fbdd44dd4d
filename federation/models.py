from django.db import models


class Actor(models.Model):
    """An ActivityPub actor with its RSA key pair; the private key is only kept for local actors."""

    class Type(models.TextChoices):
        APPLICATION = "Application"
        PERSON = "Person"
        GROUP = "Group"
        SERVICE = "Service"
        ORGANIZATION = "Organization"

    type = models.CharField(max_length=20, choices=Type.choices)
    preferred_username = models.CharField(max_length=255)
    # Empty for local actors; "host[:port]" of a remote actor's instance.
    host = models.CharField(max_length=255, blank=True, default="")
    # ActivityPub id of a remote actor; local ids are built from SIDEWAYS_URL.
    url = models.URLField(max_length=2000, blank=True, default="")
    inbox_url = models.URLField(max_length=2000, blank=True, default="")
    shared_inbox_url = models.URLField(max_length=2000, blank=True, default="")
    public_key_pem = models.TextField()
    private_key_pem = models.TextField(blank=True, default="")
    account = models.OneToOneField(
        "videos.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="actor"
    )
    channel = models.OneToOneField(
        "videos.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="actor"
    )
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["preferred_username", "host", "type"], name="unique_actor_handle"),
            models.UniqueConstraint(fields=["url"], condition=~models.Q(url=""), name="unique_remote_actor_url"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.preferred_username}@{self.host or 'local'}"

    @property
    def is_local(self) -> bool:
        return not self.host
