"""One row per transcoding request, so admins see what the worker did, when, and why it failed."""

from django.db import models
from django.db.models import Q

from videos.models import Video


class TranscodingJob(models.Model):
    """A request to transcode a video: made at upload and by the admin "retry" action.

    A worker claims the row before working (see transcoding.jobs); `attempts` counts the runs, so a
    run cut short by a killed worker shows up as a second attempt.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="transcoding_jobs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # "host:pid" of the process running it, to tell a live run from one whose worker was killed.
    worker = models.CharField(max_length=255, blank=True, default="")
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Touched while encoding; a running job whose heartbeat stops is taken back by the reaper.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the broker last took this job's message; empty while it never did (the broker was down), which
    # is how transcoding.tasks.queue_pending_jobs finds the jobs to queue again.
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two runs of one video at once would fight over its work folder and its files.
            models.UniqueConstraint(
                fields=["video"],
                condition=Q(status__in=["pending", "running"]),
                name="one_active_transcoding_job_per_video",
            )
        ]

    def __str__(self) -> str:
        return f"Transcoding of {self.video} ({self.status})"
