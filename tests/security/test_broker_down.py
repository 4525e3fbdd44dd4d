"""The broker (Redis) down never loses an upload, a received activity or a delivery, nor leaves a half
state (issue 14, dead services): what comes in is stored, and queued once the broker is back by the sweeps
(a worker starting, the beat every minute).

Tier 1 makes `.delay` fail as kombu does with Redis gone; tier 2 stops a real Redis under a live instance.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta

import kombu.exceptions
import pytest
import redis
import requests
from django.utils import timezone

from federation import tasks as federation_tasks
from federation.actors.local import ensure_instance_actor
from federation.actors.remote import fetch_actor
from federation.models import Delivery, Follow, InboxActivity
from federation.protocol.signatures import sign_headers
from tests.factories import api_upload, publish_video
from tests.federation.peer import activity_from, running_peer, signed_post
from tests.live import api_session, free_port, start_instance, upload_clip, wait_for
from tests.media import make_clip
from transcoding import tasks as transcoding_tasks
from transcoding.models import TranscodingJob
from transcoding.pipeline import source_path
from videos.constants import VideoState
from videos.models import Video
from videos.signals import video_published


def broker_down(monkeypatch, *tasks) -> None:
    """Sending these tasks fails as it does when Redis is unreachable."""

    def refuse(*args: object) -> None:
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for task in tasks:
        monkeypatch.setattr(task, "delay", refuse)


def broker_back(monkeypatch, task) -> list:
    """The broker takes this task's messages again; returns the list they land in."""
    sent: list = []
    monkeypatch.setattr(task, "delay", sent.append)
    return sent


@pytest.mark.django_db(transaction=True)
def test_an_upload_with_the_broker_down_is_stored_whole_and_transcoded_once_it_is_back(
    api, alice_token, small_clip, settings, monkeypatch
):
    settings.SIDEWAYS_TRANSCODING_RESOLUTIONS = [144]
    broker_down(monkeypatch, transcoding_tasks.transcode_video)
    response = api_upload(api, alice_token, small_clip)
    assert response.status_code == 200, response.content
    video = Video.objects.get(pk=response.json()["video"]["id"])
    job = video.transcoding_jobs.get()
    assert video.state == VideoState.TO_TRANSCODE and source_path(video).is_file()
    assert job.status == TranscodingJob.Status.PENDING and job.queued_at is None

    sent = broker_back(monkeypatch, transcoding_tasks.transcode_video)
    assert transcoding_tasks.queue_pending_jobs() == 1 and sent == [job.pk]
    assert transcoding_tasks.queue_pending_jobs() == 0  # taken by the broker: not sent twice
    transcoding_tasks.transcode_video(job.pk)
    video.refresh_from_db()
    assert video.state == VideoState.PUBLISHED and video.streaming_playlists.get().files.count() == 1


@pytest.fixture
def sender(peer):
    return peer.instance()


def test_an_activity_received_with_the_broker_down_is_handled_once_it_is_back(
    client, peer, sender, django_capture_on_commit_callbacks, monkeypatch
):
    activity = activity_from(sender, "Follow", "http://testserver/accounts/peertube")
    broker_down(monkeypatch, federation_tasks.process_activity)
    for _delivery in range(2):  # the peer's redelivery while the broker is still down is not dropped either
        with django_capture_on_commit_callbacks(execute=True):
            assert signed_post(client, sender, activity).status_code == 204
    stored = InboxActivity.objects.get()
    assert stored.queued_at is None and stored.processed_at is None

    sent = broker_back(monkeypatch, federation_tasks.process_activity)
    with django_capture_on_commit_callbacks(execute=True):  # a redelivery once the broker is back queues it
        assert signed_post(client, sender, activity).status_code == 204
    assert sent == [stored.pk]
    sent.clear()
    InboxActivity.objects.filter(pk=stored.pk).update(queued_at=None)  # as if that message was lost too
    assert federation_tasks.queue_unprocessed_activities() == 1 and sent == [stored.pk]
    federation_tasks.process_activity(stored.pk)
    assert Follow.objects.get(actor__url=sender.url).state == Follow.State.ACCEPTED
    assert InboxActivity.objects.get().processed_at is not None


def test_deliveries_made_with_the_broker_down_wait_in_their_table(
    peer, user, django_capture_on_commit_callbacks, monkeypatch
):
    Follow.objects.create(
        actor=fetch_actor(peer.instance().url), target=ensure_instance_actor(), state=Follow.State.ACCEPTED
    )
    video = publish_video(user.account.channels.get())
    broker_down(monkeypatch, federation_tasks.send_video_published, federation_tasks.deliver_activity)
    with django_capture_on_commit_callbacks(execute=True):
        video_published.send(sender=Video, video=video)
    pending = Delivery.objects.filter(state=Delivery.State.PENDING)
    assert sorted(d.activity["type"] for d in pending) == ["Announce", "Create"]  # from the instance, the account

    sent = broker_back(monkeypatch, federation_tasks.deliver_activity)
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))  # the lease has passed
    assert federation_tasks.retry_due_deliveries() == pending.count()
    assert sorted(sent) == sorted(pending.values_list("pk", flat=True))


# Tier 2: a real Redis stopped under a live instance.


def _start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.integration
def test_uploads_and_activities_survive_a_stopped_broker(real_services, tmp_path):
    database_url, _ = real_services
    port = free_port()
    broker = _start_redis(port)
    instance = None
    try:
        instance = start_instance(
            tmp_path / "instance",
            postgres_server_url=database_url,
            redis_url=f"redis://127.0.0.1:{port}/0",
            extra_env={"SIDEWAYS_TRANSCODING_RESOLUTIONS": "240"},
        )
        instance.start_process(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "sideways",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(instance.data_dir / "beat-schedule"),
            ],
        )
        session = api_session(instance)
        with running_peer() as remote:
            actor = remote.instance()
            follow = activity_from(actor, "Follow", f"{instance.url}/accounts/peertube")
            body = json.dumps(follow).encode()

            _stop(broker)
            video_id = upload_clip(instance, session, make_clip(tmp_path / "while-down.mp4", duration=2))
            for _delivery in range(2):  # sent, then redelivered while the broker is still down
                headers = sign_headers(
                    "POST", instance.url + "/inbox", body, key_id=actor.key_id, private_key_pem=actor.private_key_pem
                )
                answer = requests.post(
                    instance.url + "/inbox",
                    data=body,
                    timeout=30,
                    headers={**headers, "Content-Type": "application/activity+json"},
                )
                assert answer.status_code == 204, answer.text
            details = session.get(f"{instance.url}/api/v1/videos/{video_id}").json()
            assert details["state"]["id"] == 2  # waiting for transcoding, its original kept

            broker = _start_redis(port)
            wait_for(
                lambda: session.get(f"{instance.url}/api/v1/videos/{video_id}").json()["state"]["id"] == 1,
                240,
                "the upload transcoded once the broker is back\n" + instance.log("beat")[-2000:],
                instance,
            )
            followers = wait_for(
                lambda: requests.get(f"{instance.url}/api/v1/server/followers").json()["data"],
                120,
                "the follow handled once the broker is back",
                instance,
            )
            assert [f["follower"]["host"] for f in followers] == [remote.host]
            wait_for(lambda: remote.requests_to("/inbox", "POST"), 120, "the Accept delivered", instance)
    finally:
        if instance is not None:
            instance.stop()
        _stop(broker)
