"""Helpers and fixtures of the REST API tests (the DRF client, `login` and `alice_token` are in tests/conftest.py,
as the security tests use them too)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from rest_framework.test import APIClient

ALICE_PASSWORD = "alice-password-1"
BOB_PASSWORD = "bob-password-1"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post_form(api: APIClient, path: str, data: dict, **extra):
    """A form-encoded POST, as OAuth clients send it."""
    return api.generic("POST", path, urlencode(data), content_type="application/x-www-form-urlencoded", **extra)


@pytest.fixture
def bob(db):
    from tests.factories import make_user

    return make_user("bob", BOB_PASSWORD)


@pytest.fixture
def bob_token(bob, login) -> str:
    return login("bob", BOB_PASSWORD)


# PeerTube's OpenAPI spec, which our responses are checked against (tests/api/test_openapi.py and others).
SPEC_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "peertube" / "openapi.yaml"
# Where PeerTube's spec disagrees with PeerTube's server (and its clients): we follow the server.
SPEC_ERRATA = {
    # The server answers one User object (peertube-cli reads `videoChannels[0]` from it).
    "/api/v1/users/me": {"$ref": "#/components/schemas/User"},
    # The server answers {"<id>": "<label>"}, not an array.
    "/api/v1/videos/categories": {"type": "object"},
}
JSON_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list, "object": dict}


@cache
def peertube_spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text())


def spec_template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        node = peertube_spec()
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _merged(schema: dict) -> dict:
    """Properties and required fields of a schema, following $ref and allOf."""
    schema = _resolve(schema)
    properties = dict(schema.get("properties", {}))
    required = set(schema.get("required", []))
    for part in schema.get("allOf", []):
        sub = _merged(part)
        properties.update(sub["properties"])
        required |= sub["required"]
    return {"properties": properties, "required": required, "type": schema.get("type"), "items": schema.get("items")}


def check(value: object, schema: dict, where: str, problems: list[str]) -> None:
    """Required properties present, shared properties of a compatible type (null allowed), recursively."""
    schema = _resolve(schema)
    if value is None:
        return
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives:
        attempts = []
        for alternative in alternatives:
            attempt: list[str] = []
            check(value, alternative, where, attempt)
            attempts.append(attempt)
        if all(attempts):
            problems.extend(min(attempts, key=len))
        return
    merged = _merged(schema)
    expected = JSON_TYPES.get(merged["type"] or "")
    if expected and not (isinstance(value, expected) and not (expected is int and isinstance(value, bool))):
        problems.append(f"{where}: {type(value).__name__} where the spec has {merged['type']}")
        return
    if isinstance(value, dict):
        for name in merged["required"] - set(value):
            problems.append(f"{where}.{name}: required by PeerTube's spec but missing")
        for name, item in value.items():
            if name in merged["properties"]:
                check(item, merged["properties"][name], f"{where}.{name}", problems)
    elif isinstance(value, list) and merged["items"]:
        for index, item in enumerate(value[:3]):
            check(item, merged["items"], f"{where}[{index}]", problems)


def response_schema(path: str, method: str, status: str = "200") -> dict:
    if method == "get" and path in SPEC_ERRATA:
        return SPEC_ERRATA[path]
    for spec_path, operations in peertube_spec()["paths"].items():
        if spec_template(spec_path) == spec_template(path) and method in operations:
            content = operations[method]["responses"][status].get("content", {})
            return content["application/json"]["schema"]
    raise AssertionError(f"{method.upper()} {path} is not in PeerTube's spec")
