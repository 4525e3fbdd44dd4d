"""PeerTube's HLS files around the renditions: the master playlist and the segments SHA-256 JSON.

Plain functions on files (no Django): each rendition is one fragmented MP4 addressed by byte ranges
from its own playlist; the master lists the renditions with BANDWIDTH, RESOLUTION, FRAME-RATE and
CODECS; the JSON maps every byte range of every fMP4 to the SHA-256 of those bytes, which PeerTube's
P2P loader checks segments against.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

BYTERANGE_RE = re.compile(r"#EXT-X-BYTERANGE:(\d+)(?:@(\d+))?")
# How far into an fMP4 its init segment (with the avcC box) can be.
INIT_SEGMENT_SCAN_BYTES = 1 << 20
AAC_OBJECT_TYPES = {"HE-AAC": 5, "HE-AACv2": 29}


@dataclass(frozen=True)
class Variant:
    """One rendition as the master playlist announces it."""

    playlist_filename: str
    bandwidth: int
    width: int | None
    height: int | None
    fps: float
    codecs: str
    has_video: bool


def segment_ranges(playlist: Path) -> list[tuple[int, int]]:
    """(offset, length) of each media segment of a single-file playlist; a range without @ follows the previous one."""
    ranges = []
    next_offset = 0
    for line in playlist.read_text().splitlines():
        match = BYTERANGE_RE.match(line.strip())
        if match:
            length = int(match.group(1))
            offset = int(match.group(2)) if match.group(2) is not None else next_offset
            ranges.append((offset, length))
            next_offset = offset + length
    return ranges


def segment_hashes(playlist: Path, media: Path) -> dict[str, str]:
    """{"<first>-<last>": sha256 hex} for every segment, with inclusive byte positions as PeerTube writes them."""
    hashes = {}
    with media.open("rb") as handle:
        for offset, length in segment_ranges(playlist):
            handle.seek(offset)
            hashes[f"{offset}-{offset + length - 1}"] = hashlib.sha256(handle.read(length)).hexdigest()
    return hashes


def bandwidth(size: int, duration: float) -> int:
    """Bits per second over the whole rendition, rounded up (PeerTube's BANDWIDTH)."""
    return math.ceil(size * 8 / duration) if duration > 0 else 0


def codecs(media: Path, has_video: bool, audio_profile: str | None) -> str:
    """The RFC 6381 CODECS value: avc1.PPCCLL from the file's avcC box, mp4a.40.<object type> for AAC."""
    parts = []
    if has_video:
        with media.open("rb") as handle:
            head = handle.read(INIT_SEGMENT_SCAN_BYTES)
        position = head.find(b"avcC")
        if position < 0:
            raise ValueError(f"{media.name} has no H.264 configuration (avcC box)")
        # avcC payload: configurationVersion, then profile_idc, constraint flags, level_idc.
        parts.append("avc1." + head[position + 5 : position + 8].hex())
    if audio_profile is not None:
        parts.append(f"mp4a.40.{AAC_OBJECT_TYPES.get(audio_profile, 2)}")
    return ",".join(parts)


def master_playlist(variants: list[Variant]) -> str:
    """The master playlist text, highest rendition first; audio-only is listed only when it is alone."""
    listed = [variant for variant in variants if variant.has_video] or variants
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for variant in sorted(listed, key=lambda v: -(v.height or 0) * (v.width or 0)):
        attributes = [f"BANDWIDTH={variant.bandwidth}"]
        if variant.has_video:
            attributes += [f"RESOLUTION={variant.width}x{variant.height}", f"FRAME-RATE={variant.fps:.3f}"]
        attributes.append(f'CODECS="{variant.codecs}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), variant.playlist_filename]
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Replace a file in one rename, so a player never reads half of it."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def write_master(path: Path, variants: list[Variant]) -> None:
    write_atomically(path, master_playlist(variants))


def write_segments_sha256(path: Path, hashes_by_file: dict[str, dict[str, str]]) -> None:
    write_atomically(path, json.dumps(hashes_by_file))
