"""Prometheus metrics at `GET /metrics`, in the plain-text exposition format, for administrators only.

Prometheus reads it with the token of SIDEWAYS_METRICS_TOKEN (`authorization: {credentials: <token>}` in its
scrape configuration, sent as `Authorization: Bearer <token>`); an administrator's OAuth token or logged-in
session works too. Without either the answer is 401. Behind deploy/nginx/ it can also be kept off the public
side altogether (docs/operations.md).

Everything is read when scraped, from the rows that already record the work (jobs, deliveries, received
activities), the broker's queues and the disk: nothing is counted on the request path.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Min, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from oauth2_provider.oauth2_backends import get_oauthlib_core

from federation.models import Delivery, InboxActivity
from sideways.celery import app
from sideways.health import bounded
from transcoding.models import TranscodingJob
from videos import object_storage
from videos.constants import FileStorage
from videos.models import VideoFile, VideoSource

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# The transcoding speed is measured over the jobs finished this long ago at most.
TRANSCODING_WINDOW = timedelta(hours=24)


def _is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_admin)


def _may_read(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    token = settings.SIDEWAYS_METRICS_TOKEN
    if token and secrets.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    if _is_admin(request.user):
        return True
    if header.lower().startswith("bearer "):
        valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
        return valid and _is_admin(oauth_request.user)
    return False


def _gauge(name: str, help_text: str, samples: list[tuple[str, float]]) -> Iterator[str]:
    """One gauge: its HELP and TYPE lines, then one line per (labels, value), integers written whole."""
    yield f"# HELP {name} {help_text}"
    yield f"# TYPE {name} gauge"
    for labels, value in samples:
        yield f"{name}{labels} {value}"


def queue_depths() -> dict[str, int]:
    """Messages waiting in each Celery queue (Redis or the file broker alike, through kombu). Not a passive
    declaration: on Redis that fails for a queue no worker has bound yet, where the answer is 0."""

    def read() -> dict[str, int]:
        with app.connection_for_read() as broker:
            channel = broker.default_channel
            return {
                queue.name: channel.queue_declare(queue=queue.name).message_count
                for queue in settings.CELERY_TASK_QUEUES
            }

    return bounded(read)


def transcoding_speed() -> float | None:
    """Seconds of transcoding per second of video, over the jobs done in TRANSCODING_WINDOW (None if none)."""
    since = timezone.now() - TRANSCODING_WINDOW
    jobs = TranscodingJob.objects.filter(
        status=TranscodingJob.Status.DONE, finished_at__gte=since, started_at__isnull=False, video__duration__gt=0
    ).values_list("started_at", "finished_at", "video__duration")
    spent = content = 0.0
    for started, finished, duration in jobs:
        spent += (finished - started).total_seconds()
        content += duration
    return spent / content if content else None


def counts(rows: QuerySet, field: str, values: list[str]) -> dict[str, int]:
    """How many rows have each of these values in `field` (0 for those none has)."""
    grouped = rows.filter(**{f"{field}__in": values}).order_by().values_list(field).annotate(count=Count("id"))
    found = dict(grouped)
    return {str(value): found.get(value, 0) for value in values}


def folder_bytes(folder: Path) -> int:
    """The size of every file under `folder` (symbolic links not followed)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except FileNotFoundError:  # removed while we walked
                pass
    return total


def object_storage_bytes() -> dict[str, int]:
    """Bytes of our videos' files in each kind of bucket, from the sizes their rows record (listing the
    buckets would cost a request per thousand objects at every scrape); images are not counted."""
    in_buckets = {"video__storage": FileStorage.OBJECT_STORAGE}
    hls = VideoFile.objects.filter(playlist__video__storage=FileStorage.OBJECT_STORAGE, playlist__playlist_url="")
    web = VideoFile.objects.filter(**in_buckets, file_url="")
    return {
        kind: rows.aggregate(total=Sum("size"))["total"] or 0
        for kind, rows in (
            ("streaming_playlists", hls),
            ("web_videos", web),
            ("originals", VideoSource.objects.filter(**in_buckets)),
        )
    }


def exposition() -> str:
    """Every metric, in Prometheus' text format."""
    lines: list[str] = []
    depths = queue_depths()
    lines += _gauge(
        "sideways_queue_messages",
        "Messages waiting in each Celery queue.",
        [(f'{{queue="{name}"}}', count) for name, count in sorted(depths.items())],
    )
    by_status = counts(TranscodingJob.objects, "status", ["pending", "running", "failed"])
    lines += _gauge(
        "sideways_transcoding_jobs",
        "Transcoding jobs waiting, running, and failed (kept until retried).",
        [(f'{{status="{status}"}}', count) for status, count in by_status.items()],
    )
    speed = transcoding_speed()
    if speed is not None:
        lines += _gauge(
            "sideways_transcoding_seconds_per_content_second",
            "Wall-clock seconds of transcoding per second of video, over the jobs done in the last 24 hours.",
            [("", speed)],
        )
    deliveries = counts(Delivery.objects, "state", [Delivery.State.PENDING, Delivery.State.FAILED])
    lines += _gauge(
        "sideways_deliveries",
        "Activities to send to a peer's inbox: still being tried, and given up (kept 30 days).",
        [(f'{{state="{state}"}}', count) for state, count in deliveries.items()],
    )
    waiting = InboxActivity.objects.filter(processed_at__isnull=True)
    oldest = waiting.aggregate(oldest=Min("received_at"))["oldest"]
    lines += _gauge("sideways_inbox_unprocessed", "Received activities not handled yet.", [("", waiting.count())])
    lines += _gauge(
        "sideways_inbox_lag_seconds",
        "Age of the oldest received activity not handled yet (0 when none waits).",
        [("", (timezone.now() - oldest).total_seconds() if oldest else 0)],
    )
    lines += _gauge(
        "sideways_storage_bytes",
        "Bytes of files in the media folder (served) and the originals folder (never served).",
        [
            ('{folder="media"}', folder_bytes(Path(settings.MEDIA_ROOT))),
            ('{folder="originals"}', folder_bytes(Path(settings.ORIGINALS_DIR))),
        ],
    )
    if object_storage.enabled():
        lines += _gauge(
            "sideways_object_storage_bytes",
            "Bytes of our videos' files in each kind of bucket (HLS, web videos, originals; images not counted).",
            [(f'{{kind="{kind}"}}', size) for kind, size in object_storage_bytes().items()],
        )
    return "\n".join(lines) + "\n"


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _may_read(request):
        return HttpResponse(status=401)
    return HttpResponse(exposition(), content_type=CONTENT_TYPE)
