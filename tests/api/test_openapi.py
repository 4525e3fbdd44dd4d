"""Our OpenAPI schema is served, every path/method we serve exists in PeerTube's spec, and our
responses carry PeerTube's required fields with compatible types (checked against its schemas)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from tests.api.conftest import bearer
from tests.factories import api_upload, mark_published

pytestmark = pytest.mark.django_db

SPEC_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "peertube" / "openapi.yaml"
# Served as plain Django views (form-encoded OAuth), so not in drf-spectacular's output.
OAUTH_PATHS = {("/api/v1/oauth-clients/local", "get"), ("/api/v1/users/token", "post")}
# Our own schema endpoint (issue item 7); PeerTube has none.
OWN_PATHS = {("/api/v1/openapi.json", "get")}
# PeerTube's server serves them (every file's `metadataUrl` points there) but its spec leaves them out.
SPEC_OMISSIONS = {("/api/v1/videos/{video_id}/metadata/{file_id}", "get")}
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


def _template(path: str) -> str:
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
        if _template(spec_path) == _template(path) and method in operations:
            content = operations[method]["responses"][status].get("content", {})
            return content["application/json"]["schema"]
    raise AssertionError(f"{method.upper()} {path} is not in PeerTube's spec")


def test_every_served_operation_exists_in_peertube_spec(api):
    ours = api.get("/api/v1/openapi.json").json()
    served = {(path, method) for path, operations in ours["paths"].items() for method in operations}
    assert ("/api/v1/videos", "get") in served
    theirs = {
        (_template(path), method)
        for path, operations in peertube_spec()["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "delete", "patch")
    }
    missing = sorted(
        f"{method.upper()} {path}"
        for path, method in (served | OAUTH_PATHS) - OWN_PATHS - SPEC_OMISSIONS
        if (_template(path), method) not in theirs
    )
    assert not missing, missing


@pytest.mark.parametrize(
    ("template", "url"),
    [
        ("/api/v1/videos", "/api/v1/videos"),
        ("/api/v1/videos/{id}", "/api/v1/videos/{uuid}"),
        ("/api/v1/users/me", "/api/v1/users/me"),
        ("/api/v1/users/me/video-quota-used", "/api/v1/users/me/video-quota-used"),
        ("/api/v1/video-channels/{handle}", "/api/v1/video-channels/alice_channel"),
        ("/api/v1/video-channels/{handle}/videos", "/api/v1/video-channels/alice_channel/videos"),
        ("/api/v1/accounts/{name}", "/api/v1/accounts/alice"),
        ("/api/v1/accounts/{name}/video-channels", "/api/v1/accounts/alice/video-channels"),
        ("/api/v1/search/videos", "/api/v1/search/videos?search=clip"),
        ("/api/v1/videos/categories", "/api/v1/videos/categories"),
        ("/api/v1/config", "/api/v1/config"),
    ],
)
def test_responses_match_peertube_schemas(api, alice_token, small_clip, template, url):
    ids = api_upload(api, alice_token, small_clip, name="A clip", **{"tags[0]": "tag"}).json()["video"]
    mark_published(ids["id"])
    response = api.get(url.replace("{uuid}", ids["uuid"]), **bearer(alice_token))
    assert response.status_code == 200
    problems: list[str] = []
    check(response.json(), response_schema(template, "get"), template, problems)
    assert not problems, problems
