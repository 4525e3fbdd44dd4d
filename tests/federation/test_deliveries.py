"""Deliveries against a real inbox on 127.0.0.1: signed POSTs, backoff on 5xx/429/network errors, final
failure on other 4xx or once the retries are spent, the beat re-queuing what is due, shared inboxes once.
"""

import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone

from federation import tasks
from federation.actors.local import ensure_instance_actor
from federation.actors.remote import fetch_actor
from federation.models import Delivery, Follow
from federation.outbound import deliveries
from federation.protocol.signatures import verify_request
from tests.federation.peer import running_peer
from tests.live import free_port

INBOX = "/accounts/peertube/inbox"
ACTIVITY = {
    "type": "Follow",
    "id": "http://testserver/accounts/peertube/follows/1",
    "actor": "http://testserver/accounts/peertube",
    "object": "http://peer/accounts/peertube",
}


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Ids of deliveries whose try was queued (the tests run each try by hand)."""
    ids: list[int] = []
    monkeypatch.setattr(tasks.deliver_activity, "delay", ids.append)
    return ids


def send(url: str, queued: list[int], django_capture_on_commit_callbacks) -> Delivery:
    with django_capture_on_commit_callbacks(execute=True):
        [row] = deliveries.deliver(ACTIVITY, ensure_instance_actor(), [url])
    assert queued == [row.pk]
    return row


def test_a_failing_inbox_is_retried_with_backoff_until_it_takes_the_activity(
    peer, queued, django_capture_on_commit_callbacks
):
    peer.serve(INBOX, b"busy", status=500, content_type="text/plain")
    row = send(peer.url(INBOX), queued, django_capture_on_commit_callbacks)
    queued.clear()

    tasks.deliver_activity(row.pk)
    row.refresh_from_db()
    assert (row.state, row.attempts) == (Delivery.State.PENDING, 1) and "500" in row.last_error
    wait = (row.next_attempt_at - timezone.now()).total_seconds()
    assert deliveries.RETRY_DELAYS[0] * 0.85 < wait <= deliveries.RETRY_DELAYS[0] * 1.1
    assert tasks.retry_due_deliveries() == 0 and queued == []  # not due yet

    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert tasks.retry_due_deliveries() == 1 and queued == [row.pk]
    assert tasks.retry_due_deliveries() == 0  # taken: the next beat does not queue it again

    peer.serve(INBOX, b"", status=202, content_type="text/plain")
    tasks.deliver_activity(row.pk)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error, row.next_attempt_at) == (Delivery.State.DONE, 2, "", None)
    assert len(peer.requests_to(INBOX, "POST")) == 2


def test_the_post_is_signed_by_the_sender_with_a_digest_of_the_exact_body(
    peer, queued, django_capture_on_commit_callbacks
):
    row = send(peer.url(INBOX), queued, django_capture_on_commit_callbacks)
    tasks.deliver_activity(row.pk)
    [request] = peer.requests_to(INBOX, "POST")
    assert json.loads(request.body) == ACTIVITY
    assert request.headers["Content-Type"] == "application/activity+json"
    parsed = verify_request("POST", INBOX, "", request.headers, request.body, ensure_instance_actor().public_key_pem)
    assert parsed.key_id == "http://testserver/accounts/peertube#main-key"
    assert {"(request-target)", "host", "date", "digest"} <= set(parsed.headers)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_a_client_error_fails_at_once(peer, queued, django_capture_on_commit_callbacks, status):
    peer.serve(INBOX, b"no", status=status, content_type="text/plain")
    row = send(peer.url(INBOX), queued, django_capture_on_commit_callbacks)
    tasks.deliver_activity(row.pk)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.next_attempt_at) == (Delivery.State.FAILED, 1, None)
    assert str(status) in row.last_error
    tasks.deliver_activity(row.pk)  # a stray message for a finished row does nothing
    assert len(peer.requests_to(INBOX, "POST")) == 1


@contextmanager
def resetting_server() -> Iterator[str]:
    """An inbox URL whose server resets every connection it accepts (a peer restarting, a socket closed
    under a keep-alive client)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def reset_all() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()

    threading.Thread(target=reset_all, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}{INBOX}"
    finally:
        listener.close()


@pytest.mark.parametrize("answer", [503, 429, 408, "connection refused", "connection reset"])
def test_retryable_failures_end_failed_once_every_retry_is_spent(
    peer, queued, django_capture_on_commit_callbacks, answer
):
    if answer == "connection reset":
        with resetting_server() as url:
            _deliver_until_failed(url, queued, django_capture_on_commit_callbacks)
        return
    if answer == "connection refused":
        url = f"http://127.0.0.1:{free_port()}{INBOX}"
    else:
        url = peer.url(INBOX)
        peer.serve(INBOX, b"later", status=answer, content_type="text/plain")
    _deliver_until_failed(url, queued, django_capture_on_commit_callbacks)


def _deliver_until_failed(url: str, queued: list[int], django_capture_on_commit_callbacks) -> None:
    """Each try fails and is due again after its delay, until the last, which fails for good."""
    row = send(url, queued, django_capture_on_commit_callbacks)
    for attempt in range(1, len(deliveries.RETRY_DELAYS) + 1):  # the first try, then a retry per delay
        tasks.deliver_activity(row.pk)
        row.refresh_from_db()
        assert (row.state, row.attempts) == (Delivery.State.PENDING, attempt)
        expected = deliveries.RETRY_DELAYS[attempt - 1]
        assert expected * 0.85 < (row.next_attempt_at - timezone.now()).total_seconds() <= expected * 1.1
    tasks.deliver_activity(row.pk)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.next_attempt_at) == (
        Delivery.State.FAILED,
        len(deliveries.RETRY_DELAYS) + 1,
        None,
    )
    assert row.last_error


def test_a_try_whose_message_was_lost_is_queued_again_after_its_lease(peer, queued, django_capture_on_commit_callbacks):
    row = send(peer.url(INBOX), queued, django_capture_on_commit_callbacks)  # the worker never runs it
    queued.clear()
    assert tasks.retry_due_deliveries() == 0
    Delivery.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )  # QUEUED_TRY_LEASE later
    assert tasks.retry_due_deliveries() == 1 and queued == [row.pk]
    tasks.deliver_activity(row.pk)
    assert Delivery.objects.get().state == Delivery.State.DONE


def test_deliver_stores_one_row_per_distinct_inbox(db, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = deliveries.deliver(
            ACTIVITY,
            ensure_instance_actor(),
            ["http://a.example/inbox", "http://b.example/inbox", "http://a.example/inbox"],
        )
    assert [row.inbox_url for row in rows] == ["http://a.example/inbox", "http://b.example/inbox"]
    assert queued == [row.pk for row in rows]


def test_follower_inboxes_deduplicates_shared_inboxes(peer):
    us = ensure_instance_actor()
    instance = fetch_actor(peer.instance().url)
    alice = fetch_actor(peer.add_actor("Person", "alice").url)  # same shared inbox as the instance
    bob = fetch_actor(peer.add_actor("Person", "bob", endpoints={}).url)  # no shared inbox: his own
    carol = fetch_actor(peer.add_actor("Person", "carol").url)
    with running_peer() as other:
        dave = fetch_actor(other.instance().url)
    for follower in (instance, alice, bob, dave):
        Follow.objects.create(actor=follower, target=us, state=Follow.State.ACCEPTED)
    Follow.objects.create(actor=carol, target=us, state=Follow.State.PENDING)
    assert deliveries.follower_inboxes(us) == sorted(
        [peer.url("/inbox"), peer.url("/accounts/bob/inbox"), other.url("/inbox")]
    )


def test_finished_rows_older_than_a_month_are_pruned_and_pending_ones_kept(db):
    from federation.models import InboxActivity

    sender = ensure_instance_actor()
    old, recent = timezone.now() - timedelta(days=31), timezone.now() - timedelta(days=1)
    rows = {
        state: Delivery.objects.create(
            sender=sender, inbox_url=f"https://peer.example/{state}", activity={}, state=state
        )
        for state in Delivery.State.values
    }
    Delivery.objects.update(updated_at=old)  # update() leaves auto_now alone
    fresh = Delivery.objects.create(
        sender=sender, inbox_url="https://peer.example/fresh", activity={}, state=Delivery.State.DONE
    )
    handled = [
        InboxActivity.objects.create(ap_id=f"https://peer.example/a/{n}", actor=sender, payload={}, processed_at=when)
        for n, when in enumerate((old, recent, None))
    ]
    assert tasks.prune_finished_rows() == 3  # the old done and failed deliveries, the old handled activity
    assert set(Delivery.objects.values_list("pk", flat=True)) == {rows[Delivery.State.PENDING].pk, fresh.pk}
    assert set(InboxActivity.objects.values_list("pk", flat=True)) == {handled[1].pk, handled[2].pk}


def test_an_inbox_that_only_fails_goes_to_the_slow_lane_until_one_delivery_works(
    db, queued, django_capture_on_commit_callbacks
):
    """Its first try waits for the beat an hour later, so timeouts to a dead peer do not hold the workers."""
    dead, alive = "http://dead.example/inbox", "http://alive.example/inbox"
    for _ in range(deliveries.DEAD_AFTER_FAILURES):
        Delivery.objects.create(
            sender=ensure_instance_actor(), inbox_url=dead, activity={}, state=Delivery.State.FAILED
        )
    with django_capture_on_commit_callbacks(execute=True):
        slow, fast = deliveries.deliver(ACTIVITY, ensure_instance_actor(), [dead, alive])
    assert queued == [fast.pk]
    assert slow.next_attempt_at - timezone.now() > timedelta(minutes=50)
    Delivery.objects.filter(pk=slow.pk).update(state=Delivery.State.DONE)  # it came back
    assert not deliveries.is_dead(dead)
