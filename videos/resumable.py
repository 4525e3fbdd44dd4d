"""Resumable upload sessions (node-uploadx protocol as PeerTube speaks it), kept on disk.

A session is a JSON file plus a `.part` file in UPLOAD_TMP_DIR/resumable (and the thumbnail and
preview drawn from pictures sent with the first request, if any), so it survives a gunicorn restart
or a dropped connection and any worker process can continue it. Chunks are
streamed straight to the `.part` file; a chunk must start exactly where the stored bytes end.
Idle sessions are dropped by the periodic `videos.drop_stale_uploads` task.
"""

from __future__ import annotations

import fcntl
import json
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

READ_SIZE = 256 * 1024
LOCK_WAIT_SECONDS = 10
_ID = re.compile(r"^[0-9a-f]{32}$")


class RangeMismatch(Exception):
    """The chunk does not continue the bytes already stored (HTTP 409)."""


@dataclass
class UploadSession:
    id: str
    user_id: int
    channel_id: int
    filename: str
    size: int
    payload: dict = field(default_factory=dict)
    # Set once the upload completed: the `{"id", "uuid", "shortUUID"}` answered to the final chunk.
    video: dict | None = None

    @property
    def part_path(self) -> Path:
        return sessions_dir() / f"{self.id}.part"

    @property
    def json_path(self) -> Path:
        return sessions_dir() / f"{self.id}.json"

    @property
    def lock_path(self) -> Path:
        return sessions_dir() / f"{self.id}.lock"

    @property
    def images(self) -> tuple[Path, Path]:
        """The owner's thumbnail and preview for the video, when the first request sent pictures."""
        return sessions_dir() / f"{self.id}-thumbnail.jpg", sessions_dir() / f"{self.id}-preview.jpg"

    def stored_bytes(self) -> int:
        """Bytes stored so far. A chunk whose connection just broke may still be draining into the
        file: wait (a bounded time) for its lock, or a client resuming from this answer gets a 409."""
        try:
            with self.part_path.open("rb") as part:
                deadline = time.monotonic() + LOCK_WAIT_SECONDS
                while True:
                    try:
                        fcntl.flock(part, fcntl.LOCK_SH | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            break
                        time.sleep(0.05)
                return part.seek(0, 2)
        except FileNotFoundError:
            return 0

    def save(self) -> None:
        temporary = self.json_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(self)))
        temporary.replace(self.json_path)


def sessions_dir() -> Path:
    folder = Path(settings.UPLOAD_TMP_DIR) / "resumable"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def create_session(
    *,
    user_id: int,
    channel_id: int,
    filename: str,
    size: int,
    payload: dict,
    images: tuple[Path, Path] | None = None,
) -> UploadSession:
    """A new session; `images` (a drawn thumbnail and preview) are moved into it for the video to come."""
    session = UploadSession(secrets.token_hex(16), user_id, channel_id, filename, size, payload)
    if images:
        for image, kept in zip(images, session.images, strict=False):
            shutil.move(image, kept)
    session.part_path.touch()
    session.save()
    return session


def load_session(upload_id: str) -> UploadSession | None:
    if not _ID.match(upload_id or ""):
        return None
    try:
        return UploadSession(**json.loads((sessions_dir() / f"{upload_id}.json").read_text()))
    except (FileNotFoundError, json.JSONDecodeError, TypeError):
        return None


def reserved_bytes(user_id: int) -> int:
    """The declared sizes of the user's sessions still receiving bytes: they count against the quota from
    their first request, or a user could open many sessions each within the quota and fill the disk.

    A session whose bytes have all arrived is left out: it is being turned into a video, which the quota
    check of the upload itself counts.
    """
    total = 0
    for path in sessions_dir().glob("*.json"):
        session = load_session(path.stem)
        if session is None or session.user_id != user_id or session.video is not None:
            continue
        try:
            if session.part_path.stat().st_size < session.size:
                total += session.size
        except FileNotFoundError:  # dropped meanwhile
            continue
    return total


def append_chunk(session: UploadSession, first_byte: int, stream: BinaryIO, length: int) -> int:
    """Append up to `length` bytes read from `stream` at `first_byte`; returns the bytes now stored.

    A broken connection simply ends the read early: what arrived is kept, and the client resumes
    after asking for the stored range.
    """
    with session.part_path.open("ab") as part:
        fcntl.flock(part, fcntl.LOCK_EX)
        try:
            stored = part.seek(0, 2)
            if first_byte != stored:
                raise RangeMismatch(f"The chunk starts at {first_byte} but {stored} bytes are stored.")
            remaining = min(length, session.size - stored)
            while remaining > 0:
                try:
                    chunk = stream.read(min(READ_SIZE, remaining))
                except OSError:
                    break
                if not chunk:
                    break
                part.write(chunk)
                remaining -= len(chunk)
            part.flush()
            session.json_path.touch()
            return part.tell()
        finally:
            fcntl.flock(part, fcntl.LOCK_UN)


@contextmanager
def completion_lock(session: UploadSession) -> Iterator[UploadSession | None]:
    """Let one request at a time turn a complete upload into a video.

    A client that resends its last chunk, or asks for the status, while the first request is still
    checking the file must get that same video, not start a second one: it waits here, then finds
    the session (as saved on disk; None if it was dropped meanwhile) already holding the video.
    """
    with session.lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield load_session(session.id)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _files(upload_id: str) -> list[Path]:
    """Every file of a session, its JSON last: a clean-up cut short leaves it findable."""
    folder = sessions_dir()
    suffixes = (".part", ".lock", "-thumbnail.jpg", "-preview.jpg", ".json")
    return [folder / f"{upload_id}{suffix}" for suffix in suffixes]


def delete_session(session: UploadSession) -> None:
    for path in _files(session.id):
        path.unlink(missing_ok=True)


def drop_stale_sessions(max_idle_seconds: int) -> int:
    """Remove sessions (and their partial files) untouched for longer than max_idle_seconds."""
    limit = time.time() - max_idle_seconds
    dropped = 0
    for path in sessions_dir().glob("*.json"):
        try:
            if path.stat().st_mtime < limit:
                for file in _files(path.stem):
                    file.unlink(missing_ok=True)
                dropped += 1
        except FileNotFoundError:
            continue
    return dropped
