"""`manage.py move_video_storage --to object-storage|file-system [--video UUID]`: move every local video's
files (or one video's) to the buckets or back to the disk, as queued worker jobs (PeerTube's
create-move-video-storage-job script). Run it again to resume: videos already there are skipped."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from videos import object_storage
from videos.queueing import queue_on_commit
from videos.services import storage_moves
from videos.tasks import move_video_storage

DIRECTIONS = {"object-storage": True, "file-system": False}


class Command(BaseCommand):
    help = "Move videos' files between the local disk and object storage (worker jobs on the storage queue)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--to", choices=sorted(DIRECTIONS), required=True)
        parser.add_argument("--video", help="the UUID of one video (default: every local video)")

    def handle(self, *args, to: str, video: str | None, **options) -> None:
        to_buckets = DIRECTIONS[to]
        if to_buckets and not object_storage.enabled():
            raise CommandError("Object storage is not configured (SIDEWAYS_S3_ENDPOINT).")
        videos = storage_moves.videos_to_move(to_buckets)
        if video:
            videos = videos.filter(uuid=video)
        marked = 0
        for candidate in videos.iterator():
            with transaction.atomic():
                if storage_moves.request_move(candidate, to_buckets):
                    queue_on_commit(move_video_storage, candidate.pk)
                    marked += 1
        self.stdout.write(f"{marked} video(s) queued for a move to {to}.")
