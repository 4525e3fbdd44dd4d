"""Swarms shared by every web process through Redis, so two viewers of a video meet whichever worker took them.

Each swarm is a Redis hash: peer id -> "<process id> <complete> <last announce>". A process answers
an announce from its own connection, picks targets in the hash, and hands a message for a peer held
by another process to that process's pub/sub channel; each process listens on its own channel.
Entries older than STALE_SECONDS (a crashed process, a lost "stopped") are skipped and removed when
met, and a whole swarm expires when nobody announced in it for that long.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable

import redis.asyncio as redis

from videos.tracker.swarms import ANNOUNCE_INTERVAL_SECONDS, MAX_SWARM_PEERS, Message

STALE_SECONDS = 3 * ANNOUNCE_INTERVAL_SECONDS
_PREFIX = "sideways:tracker:"


def _key(info_hash: str) -> str:
    return f"{_PREFIX}swarm:{info_hash.encode('latin-1').hex()}"


def _field(peer_id: str) -> str:
    return peer_id.encode("latin-1").hex()


def _peer(field: bytes) -> str:
    return bytes.fromhex(field.decode()).decode("latin-1")


class RedisDirectory:
    """The Directory of swarms.py, kept in Redis for all web processes."""

    def __init__(self, url: str) -> None:
        self.redis = redis.from_url(url)
        self.process = uuid.uuid4().hex
        self.listener: asyncio.Task | None = None

    def _channel(self, process: str) -> str:
        return f"{_PREFIX}process:{process}"

    async def start(self, deliver: Callable[[str, str, Message], bool]) -> None:
        """Listens for messages other processes relay to this one's peers."""
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._channel(self.process))

        async def listen() -> None:
            async for item in pubsub.listen():
                relayed = json.loads(item["data"])
                deliver(relayed["info_hash"], relayed["peer_id"], relayed["message"])

        self.listener = asyncio.create_task(listen())

    async def join(self, info_hash: str, peer_id: str, complete: bool) -> bool:
        key, field = _key(info_hash), _field(peer_id)
        if not await self.redis.hexists(key, field) and await self.redis.hlen(key) >= MAX_SWARM_PEERS:
            return False
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, field, f"{self.process} {int(complete)} {int(time.time())}")
            pipe.expire(key, STALE_SECONDS)
            await pipe.execute()
        return True

    async def leave(self, info_hash: str, peer_id: str) -> None:
        await self.redis.hdel(_key(info_hash), _field(peer_id))

    async def _members(self, info_hash: str) -> dict[bytes, list[bytes]]:
        """Live entries of a swarm; stale ones are removed on the way."""
        key = _key(info_hash)
        entries = {field: value.split() for field, value in (await self.redis.hgetall(key)).items()}
        stale = [field for field, value in entries.items() if int(value[2]) < time.time() - STALE_SECONDS]
        if stale:
            await self.redis.hdel(key, *stale)
        return {field: value for field, value in entries.items() if field not in stale}

    async def counts(self, info_hash: str) -> tuple[int, int]:
        members = await self._members(info_hash)
        complete = sum(value[1] == b"1" for value in members.values())
        return complete, len(members) - complete

    async def pick(self, info_hash: str, count: int, exclude: str) -> list[str]:
        if count <= 0:
            return []
        fields = await self.redis.hrandfield(_key(info_hash), count + 1) or []
        return [peer for peer in map(_peer, fields) if peer != exclude][:count]

    async def relay(self, info_hash: str, peer_id: str, message: Message) -> None:
        value = await self.redis.hget(_key(info_hash), _field(peer_id))
        if value is None:
            return
        payload = json.dumps({"info_hash": info_hash, "peer_id": peer_id, "message": message})
        await self.redis.publish(self._channel(value.split()[0].decode()), payload)
