"""The tracker itself: who is in which swarm, and relaying WebRTC offers and answers between viewers.

The protocol is the WebTorrent one (bittorrent-tracker over WebSocket, JSON text frames) that
p2p-media-loader speaks; docs/p2p.md has the message shapes. Info-hashes and peer ids travel as
20-character strings (each character one byte) and are kept as such.

Limits keep a hostile or broken client from growing memory or flooding others: a frame is at most
MAX_FRAME characters, a connection joins at most MAX_SWARMS_PER_CONNECTION swarms and has a bounded
outbox (messages to a viewer that does not read are dropped), a swarm holds at most MAX_SWARM_PEERS,
announces are rate-limited per connection (a token bucket) and at most MAX_OFFERS offers are relayed
per announce. Bad frames get a "failure reason" answer when they name an info-hash, or are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from videos.tracker.infohashes import Whitelist

ANNOUNCE_INTERVAL_SECONDS = 120
MAX_FRAME = 64 * 1024
MAX_OFFERS = 10
MAX_SWARM_PEERS = 2000
MAX_SWARMS_PER_CONNECTION = 32
OUTBOX_SIZE = 64
# Token bucket: a burst of this many announces, then one every REFILL_SECONDS.
ANNOUNCE_BURST = 30
REFILL_SECONDS = 2.0
_ID_LENGTH = 20
_EVENTS = {None, "started", "stopped", "completed", "update", "paused"}

Message = dict[str, Any]


class BadRequest(Exception):
    """A frame we answer with a "failure reason" (or drop, when it names no info-hash)."""


def _is_id(value: Any) -> bool:
    """An info-hash, peer id or offer id: 20 characters, each a byte."""
    return isinstance(value, str) and len(value) == _ID_LENGTH and max(value) < "\u0100"


def _is_sdp(value: Any, kind: str) -> bool:
    return isinstance(value, dict) and value.get("type") == kind and isinstance(value.get("sdp"), str)


def _is_offer(value: Any) -> bool:
    return isinstance(value, dict) and _is_id(value.get("offer_id")) and _is_sdp(value.get("offer"), "offer")


@dataclass(eq=False)
class Connection:
    """One viewer's WebSocket on this process: a bounded outbox and the swarms it announced in."""

    outbox: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(OUTBOX_SIZE))
    # (info_hash, peer_id) pairs announced through this socket (one socket serves all of a player's swarms).
    joined: set[tuple[str, str]] = field(default_factory=set)
    tokens: float = ANNOUNCE_BURST
    refilled_at: float = field(default_factory=time.monotonic)

    def push(self, message: Message) -> None:
        """Queues a message for the viewer; a viewer that does not read loses messages rather than our memory."""
        try:
            self.outbox.put_nowait(json.dumps(message))
        except asyncio.QueueFull:
            pass

    def take_token(self) -> bool:
        now = time.monotonic()
        self.tokens = min(ANNOUNCE_BURST, self.tokens + (now - self.refilled_at) / REFILL_SECONDS)
        self.refilled_at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass
class Announced:
    """What an announce learnt of its swarm: its counts and peers picked to receive the announcer's offers."""

    complete: int
    incomplete: int
    targets: list[str]


class Directory(Protocol):
    """Swarm membership shared by the web processes, and delivery to peers held by another process.

    Each call is one step of the protocol (one Redis round trip in shared.py), so an announce costs one
    call and the relay of its offers at most another.
    """

    async def join(self, info_hash: str, peer_id: str, complete: bool, pick: int) -> Announced | None: ...
    async def leave(self, info_hash: str, peer_id: str) -> None: ...
    async def counts(self, info_hash: str) -> tuple[int, int]: ...
    async def relay(self, info_hash: str, messages: list[tuple[str, Message]]) -> None: ...


class LocalDirectory:
    """Membership kept in this process: right when a single process runs the tracker (and in tests)."""

    def __init__(self) -> None:
        self.swarms: dict[str, dict[str, bool]] = {}

    async def join(self, info_hash: str, peer_id: str, complete: bool, pick: int) -> Announced | None:
        """Adds or refreshes the peer; None when the swarm is full."""
        swarm = self.swarms.setdefault(info_hash, {})
        if peer_id not in swarm and len(swarm) >= MAX_SWARM_PEERS:
            return None
        swarm[peer_id] = complete
        others = [peer for peer in swarm if peer != peer_id] if pick > 0 else []
        targets = random.sample(others, min(pick, len(others)))
        return Announced(*await self.counts(info_hash), targets)

    async def leave(self, info_hash: str, peer_id: str) -> None:
        swarm = self.swarms.get(info_hash, {})
        swarm.pop(peer_id, None)
        if not swarm:
            self.swarms.pop(info_hash, None)

    async def counts(self, info_hash: str) -> tuple[int, int]:
        swarm = self.swarms.get(info_hash, {})
        complete = sum(swarm.values())
        return complete, len(swarm) - complete

    async def relay(self, info_hash: str, messages: list[tuple[str, Message]]) -> None:
        """Every peer is local here: one that is not is gone."""


class Tracker:
    """Handles the frames of every tracker connection of this process."""

    def __init__(self, directory: Directory, whitelist: Whitelist) -> None:
        self.directory = directory
        self.whitelist = whitelist
        self.local: dict[tuple[str, str], Connection] = {}

    def deliver(self, info_hash: str, peer_id: str, message: Message) -> bool:
        """Hands a message to a peer connected to this process; False when it is not."""
        connection = self.local.get((info_hash, peer_id))
        if connection is None:
            return False
        connection.push(message)
        return True

    async def send(self, info_hash: str, messages: list[tuple[str, Message]]) -> None:
        """Messages to peers of a swarm: straight to the ones of this process, in one relay to the others."""
        elsewhere = [
            (peer_id, message) for peer_id, message in messages if not self.deliver(info_hash, peer_id, message)
        ]
        if elsewhere:
            await self.directory.relay(info_hash, elsewhere)

    async def receive(self, connection: Connection, text: str) -> None:
        """One text frame from a viewer."""
        if len(text) > MAX_FRAME:
            return
        try:
            request = json.loads(text)
        except ValueError:
            return
        if not isinstance(request, dict):
            return
        action = request.get("action")
        try:
            if action == "announce":
                await self.announce(connection, request)
            elif action == "scrape":
                await self.scrape(connection, request)
        except BadRequest as error:
            if _is_id(request.get("info_hash")):
                connection.push({"action": action, "info_hash": request["info_hash"], "failure reason": str(error)})

    async def announce(self, connection: Connection, request: Message) -> None:
        info_hash, peer_id = request.get("info_hash"), request.get("peer_id")
        if not (_is_id(info_hash) and _is_id(peer_id)) or request.get("event") not in _EVENTS:
            raise BadRequest("invalid announce")
        if not connection.take_token():
            raise BadRequest("too many announces, slow down")
        if not await self.whitelist.allows(info_hash.encode("latin-1")):
            raise BadRequest("unknown info_hash")
        key = (info_hash, peer_id)
        complete = request.get("left") == 0
        if "answer" in request:
            # An answer comes from a peer that announced already: its membership needs no refresh.
            if key not in connection.joined:
                await self.join(connection, key, complete, pick=0)
            await self.forward_answer(request)
            return
        offers = request.get("offers") if request.get("event") != "stopped" else None
        offers = [offer for offer in offers[:MAX_OFFERS] if _is_offer(offer)] if isinstance(offers, list) else []
        if request.get("event") == "stopped":
            await self.leave(connection, key)
            announced = Announced(*await self.directory.counts(info_hash), targets=[])
        else:
            announced = await self.join(connection, key, complete, pick=len(offers))
        connection.push(
            {
                "action": "announce",
                "interval": ANNOUNCE_INTERVAL_SECONDS,
                "info_hash": info_hash,
                "complete": announced.complete,
                "incomplete": announced.incomplete,
            }
        )
        # Each offer goes to a different random peer of the swarm, which may answer it.
        relayed = [
            (
                target,
                {
                    "action": "announce",
                    "info_hash": info_hash,
                    "peer_id": peer_id,
                    "offer_id": offer["offer_id"],
                    "offer": offer["offer"],
                },
            )
            for target, offer in zip(announced.targets, offers, strict=False)
        ]
        if relayed:
            await self.send(info_hash, relayed)

    async def join(self, connection: Connection, key: tuple[str, str], complete: bool, pick: int) -> Announced:
        if key not in connection.joined and len(connection.joined) >= MAX_SWARMS_PER_CONNECTION:
            raise BadRequest("too many swarms on one connection")
        owner = self.local.get(key)
        if owner is not None and owner is not connection:
            raise BadRequest("peer_id already in use")
        announced = await self.directory.join(*key, complete, pick)
        if announced is None:
            raise BadRequest("swarm is full")
        connection.joined.add(key)
        self.local[key] = connection
        return announced

    async def leave(self, connection: Connection, key: tuple[str, str]) -> None:
        if key in connection.joined:
            connection.joined.discard(key)
            self.local.pop(key, None)
            await self.directory.leave(*key)

    async def forward_answer(self, request: Message) -> None:
        if not (
            _is_id(request.get("to_peer_id"))
            and _is_id(request.get("offer_id"))
            and _is_sdp(request["answer"], "answer")
        ):
            raise BadRequest("invalid answer")
        answer = {
            "action": "announce",
            "info_hash": request["info_hash"],
            "peer_id": request["peer_id"],
            "offer_id": request["offer_id"],
            "answer": request["answer"],
        }
        await self.send(request["info_hash"], [(request["to_peer_id"], answer)])

    async def scrape(self, connection: Connection, request: Message) -> None:
        """Counts for the named swarms (a private tracker lists no swarm that was not named)."""
        wanted = request.get("info_hash")
        wanted = [wanted] if isinstance(wanted, str) else wanted
        if not isinstance(wanted, list) or not wanted or not all(_is_id(info_hash) for info_hash in wanted):
            raise BadRequest("invalid scrape")
        if not connection.take_token():
            raise BadRequest("too many requests, slow down")
        files = {}
        for info_hash in wanted[:MAX_OFFERS]:
            complete, incomplete = await self.directory.counts(info_hash)
            files[info_hash] = {"complete": complete, "incomplete": incomplete, "downloaded": complete}
        connection.push({"action": "scrape", "files": files})

    async def close(self, connection: Connection) -> None:
        """The socket is gone: its peers leave every swarm (or go stale there, if the directory is unreachable)."""
        for key in list(connection.joined):
            with contextlib.suppress(BadRequest):
                await self.leave(connection, key)
