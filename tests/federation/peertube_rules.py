"""PeerTube's receiving rules for actors and videos (docs/PROTOCOL.md §3.2, §3.3), as a checker for our documents.

Transcribed from server/core/helpers/custom-validators/activitypub/{actor,videos,misc}.ts: what a
PeerTube peer checks before it stores an actor or a video. `problems_*` return every broken rule, so a
failing test says which one.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "peertube" / "ap-json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTOR_TYPES = {"Person", "Application", "Group", "Service", "Organization"}
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.:-]+$")
VIDEO_MEDIA_TYPES = {"video/mp4", "video/webm", "video/ogg", "video/x-matroska"}


def captured(name: str) -> dict:
    """A real payload captured from a PeerTube instance (tests/fixtures/peertube/ap-json)."""
    return json.loads((REFERENCE / name).read_text())


def is_url(value) -> bool:
    """PeerTube's isActivityPubUrlValid on a production host: http(s), a host with a TLD, ≤ 2000 chars."""
    if not isinstance(value, str) or len(value) > 2000:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and "." in (parts.hostname or "")


def is_int(value, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def is_date(value) -> bool:
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return False
    return True


def problems_actor(doc: dict) -> list[str]:
    problems = []
    if doc.get("type") not in ACTOR_TYPES:
        problems.append(f"type {doc.get('type')!r}")
    for key in ("id", "inbox", "url", "outbox", "following", "followers"):
        if not is_url(doc.get(key)):
            problems.append(f"{key} is not a URL")
    if not is_url(doc.get("endpoints", {}).get("sharedInbox")):
        problems.append("endpoints.sharedInbox is not a URL")
    if not USERNAME_RE.match(doc.get("preferredUsername") or ""):
        problems.append("preferredUsername")
    key = doc.get("publicKey") or {}
    if not (is_url(key.get("id")) and is_url(key.get("owner"))):
        problems.append("publicKey id/owner")
    pem = key.get("publicKeyPem", "")
    if not pem.startswith("-----BEGIN PUBLIC KEY-----"):
        problems.append("publicKeyPem is not an SPKI PEM")
    else:
        public_key = load_pem_public_key(pem.encode())
        if not isinstance(public_key, rsa.RSAPublicKey) or public_key.key_size != 2048:
            problems.append("publicKeyPem is not RSA 2048")
    if doc.get("type") == "Group":
        owners = [
            item for item in doc.get("attributedTo") or [] if isinstance(item, dict) and item.get("type") == "Person"
        ]
        if not owners or not all(is_url(owner.get("id")) for owner in owners):
            problems.append("Group without a Person in attributedTo")
    return problems


def _problems_file_link(link: dict) -> list[str]:
    problems = []
    if not is_url(link.get("href")):
        problems.append("file href")
    if not is_int(link.get("height")) or not is_int(link.get("size")):
        problems.append("file height/size are not integers")
    if "fps" in link and not is_int(link["fps"], -1):
        problems.append("file fps is not an integer")
    return problems


def problems_video(doc: dict) -> list[str]:
    problems = []
    if doc.get("type") != "Video":
        problems.append("type")
    if not is_url(doc.get("id")):
        problems.append("id")
    if not 3 <= len(doc.get("name") or "") <= 120:
        problems.append("name length")
    if not re.fullmatch(r"PT\d+S", doc.get("duration") or ""):
        problems.append("duration is not PT<n>S")
    try:
        if uuid.UUID(doc.get("uuid")).version != 4:
            problems.append("uuid is not version 4")
    except (TypeError, ValueError):
        problems.append("uuid")
    if not is_int(doc.get("views")):
        problems.append("views")
    for key in ("published", "updated"):
        if not is_date(doc.get(key)):
            problems.append(f"{key} is not a date")
    if doc.get("originallyPublishedAt") is not None and not is_date(doc["originallyPublishedAt"]):
        problems.append("originallyPublishedAt")
    content = doc.get("content")
    if content is not None and not (
        3 <= len(content) <= 10000 and doc.get("mediaType") in ("text/markdown", "text/html")
    ):
        problems.append("content must be null or 3-10000 chars of markdown/html")
    attributed = {item.get("type"): item.get("id") for item in doc.get("attributedTo") or [] if isinstance(item, dict)}
    if not (is_url(attributed.get("Group")) and is_url(attributed.get("Person"))):
        problems.append("attributedTo needs the Person and the Group")
    icons = [
        icon
        for icon in doc.get("icon") or []
        if icon.get("type") == "Image"
        and icon.get("mediaType") == "image/jpeg"
        and is_url(icon.get("url"))
        and is_int(icon.get("width"))
        and is_int(icon.get("height"))
    ]
    if not icons:
        problems.append("no JPEG icon with integer width and height")
    if "category" in doc and not str(doc["category"].get("identifier", "")).isdigit():
        problems.append("category identifier")
    if "language" in doc and not isinstance(doc["language"].get("identifier"), str):
        problems.append("language identifier")
    if any(tag.get("type") == "Hashtag" and not 2 <= len(tag.get("name", "")) <= 30 for tag in doc.get("tag", [])):
        problems.append("hashtag length")
    if not isinstance(doc.get("commentsEnabled"), bool):
        problems.append("commentsEnabled (read by 6.x/7.x peers)")
    urls = doc.get("url")
    if not isinstance(urls, list):
        return [*problems, "url is not an array"]
    if not urls or urls[0].get("mediaType") != "text/html" or not is_url(urls[0].get("href")):
        problems.append("url[0] is not the text/html watch page")
    playlists = [link for link in urls if link.get("mediaType") == "application/x-mpegURL"]
    if not playlists:
        problems.append("no HLS link")
    for playlist in playlists:
        tags = playlist.get("tag") if isinstance(playlist.get("tag"), list) else []
        if not is_url(playlist.get("href")):
            problems.append("HLS href")
        if not any(
            t.get("name") == "sha256"
            and t.get("type") == "Link"
            and t.get("mediaType") == "application/json"
            and is_url(t.get("href"))
            for t in tags
        ):
            problems.append("HLS link without its sha256 segments file")
        files = [t for t in tags if t.get("mediaType") in VIDEO_MEDIA_TYPES]
        if not files:
            problems.append("HLS link without fMP4 files")
        for link in files:
            problems += _problems_file_link(link)
    if PUBLIC not in doc.get("to", []):
        problems.append("not addressed to the public")
    return problems
