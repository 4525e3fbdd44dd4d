"""A peer that answers a byte a second cannot hold our threads (issue 14, dead services).

The peer here is a tiny server on 127.0.0.1 that sends its status line and headers one byte per second
(for at most DRIP_SECONDS, then hangs up), until the test "heals" it: then it serves its actors normally.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from federation.actors.local import ensure_instance_actor
from federation.inbound import inbox
from federation.models import Follow, InboxActivity
from federation.protocol import http
from federation.tasks import process_activity
from tests.federation.peer import Peer, activity_from, keypair, signed_post

DRIP_SECONDS = 20
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\nX-Slow: " + b"a" * 200


class DrippingPeer:
    """Answers every request a header byte per second until healed; then serves `peer.routes`."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.peer = Peer(base=f"http://127.0.0.1:{self.server.getsockname()[1]}")
        self.healed = False
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                head += chunk
            path = head.split(b" ", 2)[1].decode()
            try:
                if self.healed:
                    status, content_type, body = self.peer.routes.get(path, (404, "text/plain", b"not found"))
                    connection.sendall(
                        f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
                        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                        + body
                    )
                    return
                started = time.monotonic()
                for byte in HEAD:
                    if self.stopping.is_set() or time.monotonic() - started > DRIP_SECONDS:
                        return
                    connection.sendall(bytes([byte]))
                    self.stopping.wait(1)
            except OSError:  # the client gave up: what we want
                return

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.server.close()


@pytest.fixture
def dripping(settings, db) -> Iterator[DrippingPeer]:
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = True
    ensure_instance_actor()  # its key pair is made before anything is timed
    server = DrippingPeer()
    yield server
    server.close()


def test_a_fetch_from_a_peer_dripping_its_headers_ends_at_the_deadline(dripping, monkeypatch):
    monkeypatch.setattr(http, "DEADLINE", 2)
    started = time.monotonic()
    with pytest.raises(http.TimedOut):
        http.get_json(dripping.peer.url("/accounts/slow"))
    assert time.monotonic() - started < 3.5


def test_a_deadline_block_bounds_every_request_inside_it_together(dripping):
    started = time.monotonic()
    with http.deadline(1), pytest.raises(http.TimedOut):
        http.get_json(dripping.peer.url("/accounts/slow"))
        http.get_json(dripping.peer.url("/accounts/slow"))
    assert time.monotonic() - started < 2.5


def follow_of_us(actor) -> dict:
    return activity_from(actor, "Follow", "http://testserver/accounts/peertube")


def test_a_dripping_key_url_does_not_hold_the_inbox_and_the_worker_verifies_later(client, dripping):
    sender = dripping.peer.instance()
    activity = follow_of_us(sender)
    started = time.monotonic()
    response = signed_post(client, sender, activity)
    assert time.monotonic() - started < inbox.KEY_FETCH_SECONDS + 1
    assert response.status_code == 202
    stored = InboxActivity.objects.get()
    assert stored.actor is None and stored.processed_at is None and not Follow.objects.exists()
    kept = {name.lower() for name in stored.signed_request["headers"]}
    assert kept == {"host", "date", "digest", "signature"}  # what verifying needs, nothing about the sender

    dripping.healed = True  # the peer's key can now be fetched: the worker verifies, then handles
    process_activity(stored.pk)
    stored.refresh_from_db()
    assert stored.actor.url == sender.url and stored.processed_at is not None and stored.error == ""
    assert Follow.objects.get().actor.url == sender.url


def test_a_forged_activity_left_for_the_worker_is_dropped_unhandled(client, dripping):
    sender = dripping.peer.instance()
    response = signed_post(client, sender, follow_of_us(sender), private_key_pem=keypair(1)[0])
    assert response.status_code == 202
    dripping.healed = True
    process_activity(InboxActivity.objects.get().pk)
    assert not InboxActivity.objects.exists() and not Follow.objects.exists()


def test_what_needs_no_key_is_still_refused_at_once(client, dripping):
    """A stale date (like a tampered body) is refused by the request itself, before any key is fetched."""
    sender = dripping.peer.instance()
    started = time.monotonic()
    stale = signed_post(client, sender, follow_of_us(sender), now=timezone.now() - timedelta(hours=1))
    assert stale.status_code == 401 and not InboxActivity.objects.exists()
    assert time.monotonic() - started < 1
