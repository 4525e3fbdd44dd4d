"""Files on disk that no row owns: left behind by a crash between a file's move and its row, by a deletion
that could not finish, or by hand (the `orphaned_files` command lists them, and deletes them if asked).

"Owned" means what the media views check before serving (videos.web.media): a video's HLS folder belongs to
the video with that UUID, a file of a flat public folder to the row that names it, and an originals folder
to the video with that UUID. Files inside an owned folder are the video's: never listed. Anything younger
than `min_age` seconds is left alone, as an upload or a transcode may be between its rename and its commit.
Folders of MEDIA_ROOT that are not ours are not looked at.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from videos.models import Video, VideoFile

HLS_FOLDER = "streaming-playlists/hls"


def _referenced_names(folder: str) -> set[str]:
    """The file names rows give in one of the flat public folders."""
    if folder == "web-videos":
        names = VideoFile.objects.filter(playlist__isnull=True).values_list("filename", flat=True)
    elif folder == "torrents":
        names = VideoFile.objects.exclude(torrent_filename="").values_list("torrent_filename", flat=True)
    elif folder == "thumbnails":
        names = Video.objects.exclude(thumbnail_filename="").values_list("thumbnail_filename", flat=True)
    else:
        names = Video.objects.exclude(preview_filename="").values_list("preview_filename", flat=True)
    return set(names)


def _unowned(folder: Path, owned: set[str]) -> Iterator[Path]:
    if folder.is_dir():
        yield from sorted(entry for entry in folder.iterdir() if entry.name not in owned)


def _old_enough(path: Path, min_age: float) -> bool:
    return time.time() - path.lstat().st_mtime >= min_age


def orphaned_paths(min_age: float = 3600) -> list[Path]:
    """Every file or video folder under MEDIA_ROOT and ORIGINALS_DIR that no row owns, at least `min_age` s old."""
    media = Path(settings.MEDIA_ROOT)
    video_uuids = {str(value) for value in Video.objects.values_list("uuid", flat=True)}
    found = list(_unowned(media / HLS_FOLDER, video_uuids))
    for folder in ("web-videos", "torrents", "thumbnails", "previews"):
        found += _unowned(media / folder, _referenced_names(folder))
    found += _unowned(Path(settings.ORIGINALS_DIR), video_uuids)
    return [path for path in found if _old_enough(path, min_age)]


def size_of(path: Path) -> int:
    """Bytes of a file, or of every file in a folder."""
    if path.is_dir() and not path.is_symlink():
        return sum(child.lstat().st_size for child in path.rglob("*") if not child.is_dir())
    return path.lstat().st_size


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
