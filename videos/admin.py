"""Django admin for the whole video domain, so an admin can fix things by hand."""

from collections.abc import Callable

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import models, transaction

from videos.models import (
    Account,
    Channel,
    InstanceSettings,
    MirroredHost,
    MirroringSettings,
    RetiredHandle,
    StreamingPlaylist,
    Tag,
    User,
    Video,
    VideoFile,
    VideoRedundancy,
    VideoSource,
)
from videos.services.accounts import delete_account, delete_channel, delete_user
from videos.services.editing import delete_video


class DeletedThroughService:
    """Deletes (one row or the "delete selected" action) through the domain's deletion service: the
    admin's own cascade would leave the videos' files on disk and their followers unaware."""

    delete_object: Callable[[models.Model], None]

    def delete_model(self, request, obj: models.Model) -> None:
        self.delete_object(obj)

    def delete_queryset(self, request, queryset: models.QuerySet) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_object(obj)


@admin.register(User)
class SidewaysUserAdmin(DeletedThroughService, UserAdmin):
    delete_object = staticmethod(delete_user)
    list_display = ("username", "email", "role", "video_quota", "is_active", "date_joined")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (
        ("SideWays", {"fields": ("role", "video_quota", "video_quota_daily", "nsfw_policy", "p2p_enabled")}),
    )


class ChannelInline(admin.TabularInline):
    model = Channel
    extra = 0
    can_delete = False  # from the channel's own page, which deletes its videos properly
    fields = ("name", "display_name")


@admin.register(Account)
class AccountAdmin(DeletedThroughService, admin.ModelAdmin):
    delete_object = staticmethod(delete_account)
    list_display = ("name", "display_name", "host", "user", "created_at")
    search_fields = ("name", "display_name", "host")
    list_filter = ("host",)
    inlines = [ChannelInline]


@admin.register(Channel)
class ChannelAdmin(DeletedThroughService, admin.ModelAdmin):
    delete_object = staticmethod(delete_channel)
    list_display = ("name", "display_name", "account", "host", "created_at")
    search_fields = ("name", "display_name")
    list_select_related = ("account",)


@admin.register(RetiredHandle)
class RetiredHandleAdmin(admin.ModelAdmin):
    """Names of deleted accounts and channels; deleting one here lets a new owner take the old actor."""

    list_display = ("name", "retired_at")
    search_fields = ("name",)


class VideoSourceInline(admin.StackedInline):
    model = VideoSource
    extra = 0
    readonly_fields = ("filename", "path", "size", "created_at")
    exclude = ("metadata",)


class WebVideoFileInline(admin.TabularInline):
    model = VideoFile
    extra = 0
    fields = ("resolution", "width", "height", "fps", "size", "filename", "torrent_filename")


@admin.register(Video)
class VideoAdmin(DeletedThroughService, admin.ModelAdmin):
    delete_object = staticmethod(delete_video)
    list_display = ("name", "channel", "state", "privacy", "transcoding_progress", "views", "is_local", "published_at")
    list_filter = ("state", "privacy", "is_local", "nsfw")
    search_fields = ("name", "description", "uuid")
    list_select_related = ("channel",)
    readonly_fields = ("uuid", "short_uuid", "created_at", "updated_at")
    filter_horizontal = ("tags",)
    inlines = [VideoSourceInline, WebVideoFileInline]


class PlaylistFileInline(admin.TabularInline):
    model = VideoFile
    fk_name = "playlist"
    extra = 0
    fields = ("resolution", "width", "height", "fps", "size", "filename", "playlist_filename", "codecs", "bandwidth")


@admin.register(StreamingPlaylist)
class StreamingPlaylistAdmin(admin.ModelAdmin):
    list_display = ("video", "type", "playlist_filename", "created_at")
    list_select_related = ("video",)
    inlines = [PlaylistFileInline]


admin.site.register(Tag)


@admin.register(InstanceSettings)
class InstanceSettingsAdmin(admin.ModelAdmin):
    """One row only: the about page reads pk 1."""

    def has_add_permission(self, request) -> bool:
        return not InstanceSettings.objects.exists()

    def save_model(self, request, obj, form, change) -> None:
        obj.pk = 1
        super().save_model(request, obj, form, change)


@admin.register(MirroringSettings)
class MirroringSettingsAdmin(InstanceSettingsAdmin):
    """One row only: federation.outbound.mirroring reads pk 1 (docs/redundancy.md)."""

    def has_add_permission(self, request) -> bool:
        return not MirroringSettings.objects.exists()


@admin.register(MirroredHost)
class MirroredHostAdmin(admin.ModelAdmin):
    """Followed instances whose videos we may mirror (PUT /api/v1/server/redundancy/<host> does the same)."""

    list_display = ("host", "created_at")


@admin.register(VideoRedundancy)
class VideoRedundancyAdmin(admin.ModelAdmin):
    """Copies of videos: peers' copies of ours, and ours of theirs (deleting one of ours sends its Undo)."""

    list_display = ("base_url", "strategy", "size", "expires_at", "actor_url")
    list_filter = ("strategy",)
    readonly_fields = ("playlist", "url", "base_url", "actor_url", "strategy", "size", "expires_at")

    def has_add_permission(self, request) -> bool:
        return False
