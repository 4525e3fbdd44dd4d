"""`manage.py retranscode <video>`: transcode one of our videos again from its kept original, as the Django
admin's "retry" action does (the new ladder replaces the old one when it is done)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from transcoding.tasks import queue_transcoding
from videos.management.video_argument import video_from_argument


class Command(BaseCommand):
    help = "Queue a new transcoding of a local video (id, UUID or short UUID) from its original."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("video", help="id, UUID or short UUID")

    def handle(self, *args, video: str, **options) -> None:
        target = video_from_argument(video)
        if not target.is_local or not hasattr(target, "source"):
            raise CommandError(f"{target.name!r} has no original here (a followed instance's video, or no upload).")
        job = queue_transcoding(target)
        if job is None:
            raise CommandError(f"{target.name!r} already has a transcoding job waiting or running.")
        self.stdout.write(f"Transcoding job {job.pk} queued for {target.name!r} ({target.uuid}).")
