"""JSON-LD without a JSON-LD processor: the @context values we emit, and helpers to read what peers send.

PeerTube inlines a fixed context array per object type (there is no context document to fetch);
`context.json` is that data, from https://github.com/Chocobozzz/PeerTube server/core/helpers/activity-pub-utils.ts.
Inbound payloads are read as plain dicts, never expanded: the helpers below normalise the few shapes
a value may take, and `is_hostile` spots the JSON-LD keywords that would make one document describe
other nodes than the one we think we are reading.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_CONTEXTS = json.loads((Path(__file__).parent.parent / "context.json").read_text(encoding="utf-8"))

# Terms PeerTube dropped from its context after 7.x but still reads; we keep emitting commentsEnabled
# for those peers, so its term stays in our Video context.
_LEGACY_VIDEO_TERMS = _CONTEXTS["legacyVideoTermsStillAcceptedOnInput"]

HOSTILE_KEYWORDS = frozenset({"@graph", "@reverse", "@included"})


def context(object_type: str) -> list:
    """The @context PeerTube puts on an object or activity of this type ("Video", "Actor", "Follow"...)."""
    value = json.loads(json.dumps(_CONTEXTS["byType"][object_type]))  # a copy callers may not alter ours
    if object_type == "Video":
        value[-1].update(_LEGACY_VIDEO_TERMS)
    return value


def with_context(document: dict, object_type: str) -> dict:
    """The document with the @context of its type first, as PeerTube serialises it."""
    return {"@context": context(object_type), **document}


def embedded(document: dict) -> dict:
    """The document as an item inside another (collection page, Accept, Undo): the outer document
    carries the @context and any signature, so the item drops its own."""
    return {key: value for key, value in document.items() if key not in ("@context", "signature")}


def id_of(value: Any) -> str | None:
    """The id a property names: a bare URL string, or an object with a string `id`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def as_list(value: Any) -> list:
    """A property that may be absent, single or an array, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def is_hostile(payload: Any) -> bool:
    """True when @graph, @reverse or @included appears anywhere in the payload (PeerTube refuses them too)."""
    if isinstance(payload, dict):
        return any(key in HOSTILE_KEYWORDS for key in payload) or any(is_hostile(value) for value in payload.values())
    if isinstance(payload, list):
        return any(is_hostile(item) for item in payload)
    return False
