from django.contrib import admin

from federation.models import Actor


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ("preferred_username", "type", "host", "url", "last_fetched_at")
    list_filter = ("type", "host")
    search_fields = ("preferred_username", "url")
    exclude = ("private_key_pem",)
