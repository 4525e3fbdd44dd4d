"""Which info-hashes our tracker accepts: the swarms of our public videos and of the remote videos we serve.

A player never sends the video it watches, only a 20-character info-hash derived from the master
playlist URL (its "swarm id") and the rendition index, with a recipe that changed across PeerTube
versions. We compute every recipe for every shareable playlist and keep the set in memory, rebuilt
when an unknown hash arrives (at most every few seconds) or when it is a minute old, so a video that
became private or was deleted stops being relayed within a minute.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from videos.services.p2p import shareable_playlists, swarm_id

# PeerTube 7.0 (its p2p-media-loader 1.x fork) prefixes this protocol version to the swarm id.
_V1_PEER_VERSION = "2"
MAX_AGE_SECONDS = 60
MIN_REBUILD_SECONDS = 5


def infohashes(master_url: str, rungs: int) -> set[bytes]:
    """The 20-byte info-hashes of every rendition of a master playlist, under each player's recipe.

    - PeerTube 7.0: SHA-1 of "2" + URL + "+V" + index, sent as 20 raw bytes;
    - PeerTube 7.1-8.x (p2p-media-loader 2.0-2.2): base64 of the MD5 of "v2-" + URL + "-main-" + index
      without its first byte (20 ASCII characters);
    - p2p-media-loader 2.3: the same stream id, base64 of the first 15 bytes of its SHA-1.
    """
    hashes = set()
    for index in range(rungs):
        hashes.add(hashlib.sha1(f"{_V1_PEER_VERSION}{master_url}+V{index}".encode()).digest())
        stream = f"v2-{master_url}-main-{index}".encode()
        hashes.add(base64.b64encode(hashlib.md5(stream).digest()[1:]))
        hashes.add(base64.b64encode(hashlib.sha1(stream).digest()[:15]))
    return hashes


def _known_infohashes() -> frozenset[bytes]:
    close_old_connections()
    known: set[bytes] = set()
    for playlist in shareable_playlists():
        known |= infohashes(swarm_id(playlist), playlist.rungs)
    return frozenset(known)


class Whitelist:
    """The accepted info-hashes of one process, refreshed from the database as described above."""

    def __init__(self) -> None:
        self.known: frozenset[bytes] = frozenset()
        self.built_at = float("-inf")
        self.lock = asyncio.Lock()

    async def allows(self, info_hash: bytes) -> bool:
        age = time.monotonic() - self.built_at
        if age > MAX_AGE_SECONDS or (info_hash not in self.known and age > MIN_REBUILD_SECONDS):
            async with self.lock:
                if time.monotonic() - self.built_at > MIN_REBUILD_SECONDS:
                    self.known = await sync_to_async(_known_infohashes, thread_sensitive=False)()
                    self.built_at = time.monotonic()
        return info_hash in self.known
