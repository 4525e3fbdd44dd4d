"""The TranscodingJob state machine: pending → running → done | failed, claimed atomically.

A Celery message may be delivered twice (acks_late re-delivers after a lost worker, the reaper
re-queues), so a run starts only after a conditional UPDATE took the job: the loser does nothing.
A running job is "abandoned" when its process is gone (same host, dead pid) or its heartbeat went
quiet; then it may be claimed again, up to MAX_ATTEMPTS runs.

A pending job whose message never reached the broker (it was down) has no `queued_at`; one queued long
ago and still pending may have lost its message (a broker restarted without its data). Both are taken
by take_unqueued_jobs, so a job waits for a broker, never for ever.
"""

from __future__ import annotations

import datetime
import os
import socket
from pathlib import Path

from django.db.models import F, Q
from django.utils import timezone

from transcoding.models import TranscodingJob

Status = TranscodingJob.Status

MAX_ATTEMPTS = 3
# Longer than any gap between two progress reports of a healthy encode.
STALE_AFTER = datetime.timedelta(minutes=10)
# A pending job queued this long ago is queued again: a second message is harmless (claim), a lost one is not.
QUEUED_LEASE = datetime.timedelta(minutes=30)


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(pid: int) -> bool:
    """Whether the process runs. A killed one stays a zombie until its new parent reaps it (a second or so
    when its parent was killed too, as a worker's pool child is): that one is dead already."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (not Linux): the signal's answer is all there is
    return state not in ("Z", "X")


def _local_pid(job: TranscodingJob) -> int | None:
    """The pid of the job's worker process when it is on this machine (a pid means nothing elsewhere)."""
    host, _, pid = job.worker.rpartition(":")
    return int(pid) if host == socket.gethostname() and pid.isdigit() else None


def runs_here(job: TranscodingJob) -> bool:
    """A live process of this machine works on the job."""
    pid = _local_pid(job)
    return job.status == Status.RUNNING and pid is not None and _process_alive(pid)


def is_abandoned(job: TranscodingJob) -> bool:
    """A running job nobody works on any more: its process died, or it stopped beating."""
    if job.heartbeat_at is None or job.heartbeat_at < timezone.now() - STALE_AFTER:
        return True
    pid = _local_pid(job)
    return pid is not None and not _process_alive(pid)


def claim(job_id: int) -> TranscodingJob | None:
    """Take the job for this process; None when it is finished, or another live process has it."""
    job = TranscodingJob.objects.filter(pk=job_id).first()
    if job is None or not (job.status == Status.PENDING or (job.status == Status.RUNNING and is_abandoned(job))):
        return None
    now = timezone.now()
    # Only if nobody changed the row since it was read: of two claimants, one updates it, the other gets 0.
    unchanged = TranscodingJob.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts, worker=job.worker)
    taken = unchanged.update(
        status=Status.RUNNING,
        attempts=F("attempts") + 1,
        worker=this_worker(),
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        error="",
    )
    if not taken:
        return None
    job.refresh_from_db()
    return job


def heartbeat(job: TranscodingJob) -> None:
    TranscodingJob.objects.filter(pk=job.pk, worker=job.worker).update(heartbeat_at=timezone.now())


def finish(job: TranscodingJob, status: str, error: str = "") -> None:
    TranscodingJob.objects.filter(pk=job.pk).update(status=status, error=error, finished_at=timezone.now())


def abandoned_jobs() -> list[TranscodingJob]:
    """Running jobs whose worker is gone (checked row by row: a pid only means something on its host)."""
    running = TranscodingJob.objects.filter(status=Status.RUNNING).select_related("video")
    return [job for job in running if is_abandoned(job)]


def release(job: TranscodingJob) -> bool:
    """Put an abandoned job back to pending so a live worker picks it up; False if someone took it meanwhile."""
    return bool(
        TranscodingJob.objects.filter(pk=job.pk, status=Status.RUNNING, worker=job.worker).update(
            status=Status.PENDING, queued_at=None
        )
    )


def mark_queued(job_id: int) -> None:
    """The broker took the job's message."""
    TranscodingJob.objects.filter(pk=job_id).update(queued_at=timezone.now())


def unqueued_jobs() -> list[int]:
    """Ids of pending jobs whose message never reached the broker, or was sent more than QUEUED_LEASE ago."""
    stale = timezone.now() - QUEUED_LEASE
    pending = TranscodingJob.objects.filter(status=Status.PENDING)
    return list(pending.filter(Q(queued_at=None) | Q(queued_at__lt=stale)).values_list("pk", flat=True))
