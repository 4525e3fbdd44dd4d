from django.db import models


def keep_local_actors(collector, field, sub_objs: models.QuerySet, using: str) -> None:
    """on_delete of an actor's account or channel: our own actors outlive it (SET_NULL), as in PeerTube,
    since their key still signs the Delete activities being delivered about it and its videos
    (federation.outbound.outbox); their name stays taken (videos.RetiredHandle). A remote actor goes with it (CASCADE)."""
    models.SET_NULL(collector, field, sub_objs.filter(host=""), using)
    models.CASCADE(collector, field, sub_objs.exclude(host=""), using)


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
    # A remote actor's outbox: where we read a followed instance's catalogue.
    outbox_url = models.URLField(max_length=2000, blank=True, default="")
    public_key_pem = models.TextField()
    private_key_pem = models.TextField(blank=True, default="")
    account = models.OneToOneField(
        "videos.Account", null=True, blank=True, on_delete=keep_local_actors, related_name="actor"
    )
    channel = models.OneToOneField(
        "videos.Channel", null=True, blank=True, on_delete=keep_local_actors, related_name="actor"
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


class Follow(models.Model):
    """One actor following another: our instance following a peer, or a peer following us.

    PeerTube instances follow each other through their Application actors; the follow waits for the
    target's Accept before anything flows (docs/PROTOCOL.md §3.11).
    """

    class State(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="following")
    target = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="followers")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # The Follow activity's id: ours for follows we send, the peer's for follows we receive.
    url = models.URLField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "target"], name="unique_follow")]

    def __str__(self) -> str:
        return f"{self.actor} -> {self.target} ({self.state})"


class InboxActivity(models.Model):
    """An activity a peer POSTed to an inbox, kept until a worker has handled it.

    Stored once its HTTP signature checked out, or, when the signer's key could not be had in time, with
    the signed request to verify in the worker (federation.inbound.inbox); the unique (id, digest) makes a
    redelivery a no-op.
    """

    ap_id = models.URLField(max_length=2000)
    # SHA-256 of the body as received: with the id, what makes a redelivery recognisable.
    digest = models.CharField(max_length=64, default="")
    # The actor whose key signed the request (the activity's own actor, checked on receipt); empty while
    # the signature waits for the worker to verify it.
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, null=True, related_name="inbox_activities")
    # While unverified: the request's path, query and headers, and its exact body (cleared once verified).
    signed_request = models.JSONField(default=dict, blank=True)
    body = models.BinaryField(default=b"", blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    # When the broker took its message; empty while it never did (federation.tasks.queue_unprocessed_activities).
    queued_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Why handling failed, for an admin to read (empty when it worked).
    error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name_plural = "inbox activities"
        constraints = [models.UniqueConstraint(fields=["ap_id", "digest"], name="unique_inbox_activity")]


class Delivery(models.Model):
    """One activity to POST to one inbox, retried with backoff by a Celery task until it lands."""

    class State(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        FAILED = "failed"

    sender = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="deliveries")
    inbox_url = models.URLField(max_length=2000)
    activity = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deliveries"
        # The beat looks up the pending deliveries that are due every minute.
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            # Each new delivery looks at the recent outcomes for its inbox (deliveries.is_dead).
            models.Index(fields=["inbox_url", "updated_at"], name="delivery_inbox_health"),
        ]
