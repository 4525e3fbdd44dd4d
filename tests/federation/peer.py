"""A fake PeerTube instance for the federation tests: a real HTTP server on 127.0.0.1 serving actor documents
(with real key pairs), videos, outbox pages and JPEG images, recording what it receives; and helpers to
POST signed activities to our inbox through Django's test client.

Remote documents are PeerTube's captured payloads (tests/fixtures/peertube/ap-json) with their host
rewritten to the peer's address, so the tests exercise what real peers send.
"""

from __future__ import annotations

import functools
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from federation.protocol.signatures import generate_keypair, sign_headers
from tests.federation.peertube_rules import captured
from tests.media import ffmpeg

AP_JSON = "application/activity+json"


@functools.cache
def keypair(number: int = 0) -> tuple[str, str]:
    """(private PEM, public PEM); a few pairs reused by every test, since RSA generation is slow."""
    return generate_keypair()


@functools.cache
def jpeg() -> bytes:
    """A real 64x36 JPEG image, made by ffmpeg."""
    color = ("-f", "lavfi", "-i", "color=c=blue:s=64x36", "-frames:v", "1")
    return ffmpeg(*color, "-c:v", "mjpeg", "-f", "image2pipe", "-")


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class RemoteActor:
    """An actor of the peer: its document (served at `url`) and the private key it signs with."""

    url: str
    document: dict
    private_key_pem: str

    @property
    def key_id(self) -> str:
        return f"{self.url}#main-key"


@dataclass
class Peer:
    """The peer's address and what it serves: path -> (status, content type, body)."""

    base: str
    routes: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    @property
    def host(self) -> str:
        return self.base.split("://", 1)[1]

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(self, path: str, body: dict | bytes, *, status: int = 200, content_type: str = AP_JSON) -> None:
        self.routes[path] = (status, content_type, json.dumps(body).encode() if isinstance(body, dict) else body)

    def requests_to(self, path: str, method: str = "GET") -> list[Received]:
        return [request for request in self.received if request.path == path and request.method == method]

    def rewrite(self, document: dict) -> dict:
        """A captured payload moved to this peer: every tilvids.com / peertube.test URL points here."""
        text = json.dumps(document)
        for captured_base in ("https://tilvids.com", "http://peertube.test"):
            text = text.replace(captured_base, self.base)
        return json.loads(text)

    def add_actor(
        self, kind: str, name: str, *, key: int = 0, owner: RemoteActor | None = None, **overrides: object
    ) -> RemoteActor:
        """Serve an actor ("Application", "Person" or "Group" owned by `owner`) built from PeerTube's captures."""
        folder = "video-channels" if kind == "Group" else "accounts"
        url = self.url(f"/{folder}/{name}")
        private_pem, public_pem = keypair(key)
        base = (
            captured("esup-pod-captured/application_actor.json")
            if kind == "Application"
            else captured(f"lemmy-captured/peertube/{'group' if kind == 'Group' else 'person'}.json")
        )
        document = {
            **{key: value for key, value in base.items() if key not in ("icon", "image", "attributedTo", "playlists")},
            "type": kind,
            "id": url,
            "url": url,
            "preferredUsername": name,
            "name": name.title(),
            "inbox": f"{url}/inbox",
            "outbox": f"{url}/outbox",
            "followers": f"{url}/followers",
            "following": f"{url}/following",
            "endpoints": {"sharedInbox": self.url("/inbox")},
            "publicKey": {"id": f"{url}#main-key", "owner": url, "publicKeyPem": public_pem},
        }
        if owner is not None:
            document["attributedTo"] = [{"type": "Person", "id": owner.url}]
        document.update(overrides)
        self.serve(f"/{folder}/{name}", document)
        return RemoteActor(url, document, private_pem)

    def instance(self) -> RemoteActor:
        """The peer's Application actor, as PeerTube names it (peertube)."""
        return self.add_actor("Application", "peertube")

    def video(self, channel: RemoteActor, *, video_uuid: str | None = None, **overrides: object) -> dict:
        """PeerTube's captured Video object on this peer, attributed to `channel` (and its owner), with its
        thumbnail and preview served as JPEG; served at its id too. Returns the object."""
        document = self.rewrite(captured("lemmy-captured/peertube/video.json"))
        old_uuid = document["uuid"]
        new_uuid = video_uuid or str(uuid.uuid4())
        document = json.loads(json.dumps(document).replace(old_uuid, new_uuid))
        owner = channel.document["attributedTo"][0]["id"]
        document["attributedTo"] = [{"type": "Person", "id": owner}, {"type": "Group", "id": channel.url}]
        for icon in document["icon"]:
            icon["url"] = icon["url"].replace(".jpg", f"-{new_uuid[:8]}.jpg")
        document.update(overrides)
        for icon in document["icon"]:
            self.serve(icon["url"].removeprefix(self.base), jpeg(), content_type="image/jpeg")
        self.serve(document["id"].removeprefix(self.base), document)
        return document


@contextmanager
def running_peer() -> Iterator[Peer]:
    """A Peer answering on a free port of 127.0.0.1 until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    peer = Peer(base=f"http://127.0.0.1:{server.server_port}")

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            path = self.path
            peer.received.append(
                Received(self.command, path, dict(self.headers.items()), self.rfile.read(length) if length else b"")
            )
            status, content_type, body = peer.routes.get(path, (404, "text/plain", b"not found"))
            if self.command == "POST" and path not in peer.routes and path.endswith("/inbox"):
                status, content_type, body = 202, "text/plain", b""  # inboxes take what they are sent
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = answer

        def log_message(self, *args: object) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def signed_post(
    client,
    actor: RemoteActor,
    activity: dict | bytes,
    path: str = "/inbox",
    *,
    private_key_pem: str | None = None,
    now: datetime | None = None,
    content_type: str = AP_JSON,
    **extra: str,
):
    """POST `activity` to our inbox signed by `actor` (or by another key), as a PeerTube peer does."""
    body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
    headers = sign_headers(
        "POST",
        f"http://testserver{path}",
        body,
        key_id=actor.key_id,
        private_key_pem=private_key_pem or actor.private_key_pem,
        now=now,
    )
    return client.generic("POST", path, body, content_type=content_type, headers=headers, **extra)


def activity_from(actor: RemoteActor, kind: str, object_: object, **fields: object) -> dict:
    """An activity by `actor` with a fresh id on its host."""
    return {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "type": kind,
        "id": f"{actor.url}/activities/{uuid.uuid4()}",
        "actor": actor.url,
        "object": object_,
        **fields,
    }
