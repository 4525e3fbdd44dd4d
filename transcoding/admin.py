"""Transcoding jobs in the Django admin: what ran, when, how often, why it failed, and a retry action."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from transcoding.models import TranscodingJob
from transcoding.tasks import queue_transcoding


@admin.register(TranscodingJob)
class TranscodingJobAdmin(admin.ModelAdmin):
    list_display = ("video", "status", "attempts", "created_at", "started_at", "finished_at", "error")
    list_filter = ("status",)
    search_fields = ("video__name", "video__uuid", "error")
    list_select_related = ("video",)
    readonly_fields = [field.name for field in TranscodingJob._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Transcode the selected jobs' videos again")
    def retry(self, request: HttpRequest, queryset: QuerySet[TranscodingJob]) -> None:
        """A new job per video from its kept original; videos with a job pending or running are skipped."""
        videos = {job.video_id: job.video for job in queryset.select_related("video")}
        queued = [video for video in videos.values() if queue_transcoding(video) is not None]
        self.message_user(request, f"{len(queued)} video(s) queued for transcoding.", messages.SUCCESS)
        if len(queued) < len(videos):
            skipped = len(videos) - len(queued)
            self.message_user(request, f"{skipped} already had a job waiting or running.", messages.WARNING)
