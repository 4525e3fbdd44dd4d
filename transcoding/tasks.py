"""Celery tasks of the transcoding queue. They take ids and re-load rows, so a repeated message is harmless."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import IntegrityError, transaction

from transcoding import jobs, pipeline
from transcoding.models import TranscodingJob
from videos.models import Video
from videos.queueing import queue
from videos.services import publishing

logger = logging.getLogger(__name__)


@shared_task(name="transcoding.transcode_video")
def transcode_video(job_id: int) -> None:
    """Run the job unless it is finished or a live worker already runs it."""
    job = jobs.claim(job_id)
    if job is None:
        logger.info("Transcoding job %s is finished or taken: nothing to do", job_id)
        return
    pipeline.run(job)


@shared_task(name="transcoding.reap_stale_jobs")
def reap_stale_jobs() -> int:
    """Queue again the jobs whose worker died (killed, out of memory); returns how many."""
    count = 0
    for job in jobs.abandoned_jobs():
        if jobs.release(job):
            logger.warning("Transcoding job %s was abandoned by %s: queued again", job.pk, job.worker)
            queue_job(job.pk)
            count += 1
    return count


@shared_task(name="transcoding.queue_pending_jobs")
def queue_pending_jobs() -> int:
    """Queue the pending jobs the broker never took (it was down at upload) or may have lost; returns how many."""
    pending = jobs.unqueued_jobs()
    for job_id in pending:
        queue_job(job_id)
    return len(pending)


@worker_ready.connect
def recover_when_a_worker_starts(**kwargs) -> None:
    """A restarted worker picks up at once what its killed predecessor left running, and what was uploaded
    while no broker took messages."""
    queue(reap_stale_jobs)
    queue(queue_pending_jobs)


def queue_job(job_id: int) -> None:
    """Queue the job now; it counts as queued only once the broker took it, so queue_pending_jobs finds it
    otherwise."""
    if queue(transcode_video, job_id):
        jobs.mark_queued(job_id)


def queue_transcoding(video: Video) -> TranscodingJob | None:
    """Create a job for the video and queue it after commit; None if one is already pending or running."""
    try:
        with transaction.atomic():
            job = TranscodingJob.objects.create(video=video)
    except IntegrityError:
        return None
    publishing.mark_to_transcode(video)
    transaction.on_commit(lambda: queue_job(job.pk))
    return job
