"""Prometheus metrics at /metrics: only for Prometheus' token and administrators; queue depths, transcoding speed,
deliveries, inbox lag and storage, read from what the instance records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from federation.actors.local import ensure_instance_actor
from federation.models import Delivery, InboxActivity
from sideways.celery import app
from tests.api.conftest import bearer
from tests.factories import make_user, make_video
from transcoding.models import TranscodingJob
from videos.constants import FileStorage
from videos.models import StreamingPlaylist, VideoFile, VideoSource

TOKEN = "prometheus-token-for-tests"


def samples(text: str) -> dict[str, float]:
    """'name{labels}' -> value, from the exposition."""
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


@pytest.fixture
def metrics_token(settings):
    settings.SIDEWAYS_METRICS_TOKEN = TOKEN


def test_only_prometheus_token_and_administrators_read_metrics(db, metrics_token, login, admin_user):
    make_user("alice", "alice-password-1")
    admin_user.set_password("root-password-1")
    admin_user.save()
    client = Client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", **bearer("not-the-token")).status_code == 401
    assert client.get("/metrics", **bearer(login("alice", "alice-password-1"))).status_code == 401
    answer = client.get("/metrics", **bearer(TOKEN))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain; version=0.0.4")
    assert client.get("/metrics", **bearer(login("root", "root-password-1"))).status_code == 200
    client.force_login(admin_user)
    assert client.get("/metrics").status_code == 200


def test_no_token_set_means_no_token_accepted(db, settings):
    settings.SIDEWAYS_METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_metrics_say_what_waits_what_failed_and_what_is_stored(db, metrics_token, admin_user):
    channel = admin_user.account.channels.first()
    now = timezone.now()
    done = TranscodingJob.objects.create(
        video=make_video(channel, "Encoded", duration=20), status="done", started_at=now - timedelta(seconds=30)
    )
    TranscodingJob.objects.filter(pk=done.pk).update(finished_at=now - timedelta(seconds=5))  # 25 s for 20 s
    TranscodingJob.objects.create(video=make_video(channel, "Waiting"), status="pending")
    TranscodingJob.objects.create(video=make_video(channel, "Broken"), status="failed")
    sender = ensure_instance_actor()
    for state in ("pending", "pending", "failed", "done"):
        Delivery.objects.create(sender=sender, inbox_url="https://peer.example/inbox", activity={}, state=state)
    InboxActivity.objects.create(ap_id="https://peer.example/done", actor=sender, payload={}, processed_at=now)
    waiting = InboxActivity.objects.create(ap_id="https://peer.example/waiting", actor=sender, payload={})
    InboxActivity.objects.filter(pk=waiting.pk).update(received_at=now - timedelta(minutes=10))
    (settings.MEDIA_ROOT / "web-videos").mkdir()
    (settings.MEDIA_ROOT / "web-videos" / "a.mp4").write_bytes(b"x" * 1234567)
    (settings.ORIGINALS_DIR / "b.mp4").write_bytes(b"x" * 234)

    values = samples(Client().get("/metrics", **bearer(TOKEN)).content.decode())

    assert values['sideways_transcoding_jobs{status="pending"}'] == 1
    assert values['sideways_transcoding_jobs{status="running"}'] == 0
    assert values['sideways_transcoding_jobs{status="failed"}'] == 1
    assert values["sideways_transcoding_seconds_per_content_second"] == 1.25
    assert values['sideways_deliveries{state="pending"}'] == 2
    assert values['sideways_deliveries{state="failed"}'] == 1
    assert values["sideways_inbox_unprocessed"] == 1
    assert 600 <= values["sideways_inbox_lag_seconds"] < 3600
    assert values['sideways_storage_bytes{folder="media"}'] == 1234567
    assert values['sideways_storage_bytes{folder="originals"}'] == 234
    assert not any(name.startswith("sideways_object_storage_bytes") for name in values)  # no buckets set
    assert {name for name in values if name.startswith("sideways_queue_messages")} == {
        f'sideways_queue_messages{{queue="{queue.name}"}}' for queue in settings.CELERY_TASK_QUEUES
    }


def test_bytes_in_buckets_come_from_the_rows_of_the_videos_there(db, metrics_token, admin_user, monkeypatch):
    monkeypatch.setitem(settings.OBJECT_STORAGE, "endpoint", "http://s3.example")
    channel = admin_user.account.channels.first()
    for video in (make_video(channel, "In buckets", storage=FileStorage.OBJECT_STORAGE), make_video(channel, "Here")):
        playlist = StreamingPlaylist.objects.create(video=video)
        VideoFile.objects.create(playlist=playlist, resolution=240, size=1000)
        VideoFile.objects.create(playlist=playlist, resolution=144, size=500)
        VideoFile.objects.create(video=video, resolution=240, size=300)
        VideoSource.objects.create(video=video, filename="a.mp4", path=f"{video.uuid}/a.mp4", size=50)

    values = samples(Client().get("/metrics", **bearer(TOKEN)).content.decode())

    assert values['sideways_object_storage_bytes{kind="streaming_playlists"}'] == 1500
    assert values['sideways_object_storage_bytes{kind="web_videos"}'] == 300
    assert values['sideways_object_storage_bytes{kind="originals"}'] == 50


def test_queue_depth_counts_the_messages_waiting(db, metrics_token, tmp_path, monkeypatch):
    """On a broker of its own (the file broker, in a folder of the test's), one message more in one queue."""
    folder = tmp_path / "broker"
    folder.mkdir()
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        monkeypatch.setitem(app.conf.broker_transport_options, key, str(folder))
    monkeypatch.setitem(app.conf.broker_transport_options, "control_folder", str(folder / "control"))

    def depth() -> float:
        return samples(Client().get("/metrics", **bearer(TOKEN)).content.decode())[
            'sideways_queue_messages{queue="federation_out"}'
        ]

    before = depth()
    with app.connection_for_write() as connection:
        app.send_task("metrics.test", queue="federation_out", connection=connection)
    assert depth() == before + 1
