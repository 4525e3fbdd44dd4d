"""Last in the tier: after everything we sent it, PeerTube is still running and its log has no error, and
no warning or refusal about anything of ours."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.interop


def _about(entry: dict, host: str) -> bool:
    return host in json.dumps(entry)


def test_peertube_is_alive_and_found_nothing_wrong_with_us(sideways, peertube):
    assert peertube.alive(), "PeerTube exited"
    host = sideways.url.split("://", 1)[1]
    entries = peertube.log_entries()
    assert entries, "PeerTube wrote no log"
    errors = [entry for entry in entries if entry.get("level") == "error"]
    complaints = [
        entry
        for entry in entries
        if _about(entry, host)
        and (entry.get("level") == "warn" or str(entry.get("message", "")).startswith(("Cannot", "Error")))
    ]
    assert errors == [] and complaints == [], json.dumps(errors + complaints, indent=1)[:6000]
