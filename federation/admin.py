from django.contrib import admin

from federation.models import Actor, Delivery, Follow, InboxActivity


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ("preferred_username", "type", "host", "url", "last_fetched_at")
    list_filter = ("type", "host")
    search_fields = ("preferred_username", "url")
    exclude = ("private_key_pem",)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("actor", "target", "state", "created_at")
    list_filter = ("state",)


@admin.register(InboxActivity)
class InboxActivityAdmin(admin.ModelAdmin):
    """Received activities, with the reason when handling one failed."""

    list_display = ("ap_id", "actor", "received_at", "processed_at", "error")
    list_filter = ("processed_at",)
    search_fields = ("ap_id",)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Activities on their way to peers: attempts, next try and the last error."""

    list_display = ("inbox_url", "sender", "state", "attempts", "next_attempt_at", "last_error")
    list_filter = ("state",)
    search_fields = ("inbox_url",)
