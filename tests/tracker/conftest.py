"""Helpers of the tracker tests: the players' infohash recipes, peer ids, offers and the WebSocket exchange."""

from __future__ import annotations

import base64
import hashlib
import json
import os


def v1_hash(master: str, index: int) -> str:
    """PeerTube 7.0's player: the raw SHA-1 bytes, one character each on the wire."""
    return hashlib.sha1(f"2{master}+V{index}".encode()).digest().decode("latin-1")


def v2_hash(master: str, index: int) -> str:
    """PeerTube 7.1+'s player (p2p-media-loader 2.2)."""
    return base64.b64encode(hashlib.md5(f"v2-{master}-main-{index}".encode()).digest()[1:]).decode()


def peer_id() -> str:
    return "-PM0202-" + os.urandom(6).hex()


def offer(offer_id: str) -> dict:
    return {"offer_id": offer_id, "offer": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}


def socket_url(instance) -> str:
    return instance.url.replace("http://", "ws://") + "/tracker/socket"


def receive(ws) -> dict:
    return json.loads(ws.recv(timeout=10))
