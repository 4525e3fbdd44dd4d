"""`manage.py orphaned_files [--delete] [--min-age SECONDS]`: the media and originals no row owns (videos.orphans)."""

from django.core.management.base import BaseCommand, CommandParser

from videos.orphans import orphaned_paths, remove, size_of


class Command(BaseCommand):
    help = "List the files and video folders under the media and originals folders that no row owns; --delete removes them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="remove them (after listing them)")
        parser.add_argument(
            "--min-age",
            type=float,
            default=3600,
            help="leave alone what changed less than this many seconds ago (default 3600: an upload may be "
            "between its file and its row)",
        )

    def handle(self, *args, delete: bool, min_age: float, **options) -> None:
        paths = orphaned_paths(min_age)
        total = 0
        for path in paths:
            size = size_of(path)
            total += size
            self.stdout.write(f"{size}\t{path}")
            if delete:
                remove(path)
        action = "deleted" if delete else "found"
        self.stderr.write(f"{len(paths)} orphaned file(s) or folder(s) {action}, {total} bytes.")
