"""`manage.py refederate <video>... | --all`: send our public videos to their followers again, as an Update
(a peer that missed the video's Create imports it from the Update, as PeerTube does): after a long outage, a
restore from backup, or a change of what our documents say. Through the outbox, so each delivery is a row
retried like any other."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from federation.objects.video import federated_videos, is_federated
from federation.outbound.outbox import send_video_update
from videos.management.video_argument import video_from_argument


class Command(BaseCommand):
    help = "Send Update activities for local public videos to everyone who follows them (--all: every such video)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("videos", nargs="*", help="ids, UUIDs or short UUIDs")
        parser.add_argument("--all", action="store_true", dest="every", help="every video of ours peers may see")

    def handle(self, *args, videos: list[str], every: bool, **options) -> None:
        if every == bool(videos):
            raise CommandError("Name videos, or give --all (not both).")
        if every:
            targets = federated_videos().order_by("pk")
        else:
            targets = [video_from_argument(text) for text in videos]
        sent = 0
        for video in targets:
            if not is_federated(video):
                self.stderr.write(f"Skipped {video.name!r} ({video.uuid}): not one of our videos peers may see.")
                continue
            send_video_update(video, previous_privacy=None)
            sent += 1
        self.stdout.write(f"{sent} video(s) sent to their followers again.")
