"""Single-file BitTorrent metainfo (.torrent) with a webseed, as PeerTube writes for every web video.

Real clients (peertube-cli) wait for `files[0].torrentUrl` before reporting success, and WebTorrent
players use the webseed (`url-list`) to fetch straight from our HTTP server.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

# PeerTube lets create-torrent pick the piece size; a power of two between 16 KiB and 4 MiB
# keeping the piece list near 1000 entries gives the same order of magnitude.
MIN_PIECE_LENGTH = 16 * 1024
MAX_PIECE_LENGTH = 4 * 1024 * 1024


def bencode(value: object) -> bytes:
    """Encode ints, bytes/str, lists and dicts (keys sorted as raw bytes, as BEP 3 requires)."""
    if isinstance(value, bool):
        raise TypeError("bencode has no booleans")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"
    if isinstance(value, dict):
        items = sorted((key.encode() if isinstance(key, str) else key, item) for key, item in value.items())
        return b"d" + b"".join(bencode(key) + bencode(item) for key, item in items) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


def piece_length_for(size: int) -> int:
    """Smallest power of two (within bounds) that keeps the number of pieces around 1000."""
    wanted = max(MIN_PIECE_LENGTH, size // 1000)
    return min(MAX_PIECE_LENGTH, 1 << math.ceil(math.log2(wanted)))


def write_torrent(source: Path, destination: Path, *, name: str, webseed_url: str, announce: list[str]) -> None:
    """Hash `source` piece by piece (streamed, never whole in memory) and write the .torrent."""
    size = source.stat().st_size
    piece_length = piece_length_for(size)
    pieces = bytearray()
    with source.open("rb") as stream:
        while chunk := stream.read(piece_length):
            pieces += hashlib.sha1(chunk).digest()
    metainfo = {
        "announce": announce[0],
        "announce-list": [[url] for url in announce],
        "created by": "SideWays Tube",
        "info": {"length": size, "name": name, "piece length": piece_length, "pieces": bytes(pieces)},
        "url-list": [webseed_url],
    }
    temporary = destination.with_suffix(".torrent.part")
    temporary.write_bytes(bencode(metainfo))
    temporary.replace(destination)
