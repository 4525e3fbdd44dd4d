"""The S3-compatible buckets (settings.OBJECT_STORAGE), through boto3: the few operations videos.storage needs.

Each kind of file (streaming_playlists, web_videos, originals, images) has a bucket and a key prefix;
callers name a file by its kind and its key inside the kind (the same relative path it has on the local
disk), and this module adds the prefix. An upload becomes visible whole or not at all (S3 shows a
multipart upload only once it is completed), so a worker killed mid-upload leaves nothing half-written
that anybody can read.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings

CHUNK_SIZE = 256 * 1024
KINDS = ("streaming_playlists", "web_videos", "originals", "images")


class ObjectMissing(Exception):
    """The object is not in its bucket."""


class RangeNotSatisfiable(Exception):
    """The requested byte range lies outside the object."""


def enabled() -> bool:
    """Object storage is configured: new videos go to buckets."""
    return bool(settings.OBJECT_STORAGE["endpoint"])


@functools.cache
def _client():
    config = settings.OBJECT_STORAGE
    return boto3.client(
        "s3",
        endpoint_url=config["endpoint"],
        region_name=config["region"],
        aws_access_key_id=config["access_key"] or None,
        aws_secret_access_key=config["secret_key"] or None,
        config=Config(
            s3={"addressing_style": config["addressing_style"]},
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
        ),
    )


def _bucket(kind: str) -> dict[str, str]:
    return settings.OBJECT_STORAGE["buckets"][kind]


def _key(kind: str, key: str) -> str:
    return _bucket(kind)["prefix"] + key


def _acl(public: bool) -> dict[str, str]:
    acl = settings.OBJECT_STORAGE["acl_public" if public else "acl_private"]
    return {"ACL": acl} if acl else {}


def check_buckets() -> None:
    """Raise unless every configured bucket answers (the readiness check of sideways.health)."""
    for name in sorted({bucket["bucket"] for bucket in settings.OBJECT_STORAGE["buckets"].values()}):
        _client().head_bucket(Bucket=name)


def public_url(kind: str, key: str) -> str:
    """The object's URL for viewers: the kind's public base URL (a CDN), else the bucket's own URL."""
    bucket = _bucket(kind)
    full_key = _key(kind, key)
    if bucket["base_url"]:
        return f"{bucket['base_url']}/{full_key}"
    endpoint = settings.OBJECT_STORAGE["endpoint"]
    if settings.OBJECT_STORAGE["addressing_style"] == "virtual":
        scheme, _, host = endpoint.partition("://")
        return f"{scheme}://{bucket['bucket']}.{host}/{full_key}"
    return f"{endpoint}/{bucket['bucket']}/{full_key}"


def public_origins() -> list[str]:
    """The scheme://host[:port] viewers' browsers fetch public media from (for the pages' CSP)."""
    if not enabled():
        return []
    return sorted({"/".join(public_url(kind, "x").split("/", 3)[:3]) for kind in KINDS})


def upload(kind: str, key: str, source: Path, *, content_type: str, public: bool) -> None:
    bucket = _bucket(kind)["bucket"]
    extra = {"ContentType": content_type, **_acl(public)}
    _client().upload_file(str(source), bucket, _key(kind, key), ExtraArgs=extra)


def download(kind: str, key: str, target: Path) -> None:
    try:
        _client().download_file(_bucket(kind)["bucket"], _key(kind, key), str(target))
    except ClientError as error:
        if _status(error) == 404:
            raise ObjectMissing(key) from error
        raise


def size(kind: str, key: str) -> int | None:
    """The object's size in bytes, None if it is not there."""
    try:
        head = _client().head_object(Bucket=_bucket(kind)["bucket"], Key=_key(kind, key))
    except ClientError as error:
        if _status(error) == 404:
            return None
        raise
    return head["ContentLength"]


def set_public(kind: str, key: str, public: bool) -> None:
    """Make the object readable by anyone at its URL, or by nobody but us (a video's privacy changed)."""
    acl = _acl(public)
    if acl:
        _client().put_object_acl(Bucket=_bucket(kind)["bucket"], Key=_key(kind, key), **acl)


def delete(kind: str, keys: list[str]) -> None:
    bucket = _bucket(kind)["bucket"]
    for start in range(0, len(keys), 1000):  # the most one request deletes
        objects = [{"Key": _key(kind, key)} for key in keys[start : start + 1000]]
        _client().delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})


def list_keys(kind: str, folder: str) -> list[str]:
    """Keys (inside the kind) of the objects under `folder`/."""
    bucket = _bucket(kind)
    prefix = _key(kind, folder.rstrip("/") + "/")
    keys = []
    for page in _client().get_paginator("list_objects_v2").paginate(Bucket=bucket["bucket"], Prefix=prefix):
        keys += [item["Key"][len(bucket["prefix"]) :] for item in page.get("Contents", [])]
    return keys


@dataclass
class Download:
    """An object's bytes being read, whole or one byte range, for a response."""

    size: int
    content_range: str
    length: int
    chunks: Iterator[bytes]


def read(kind: str, key: str, byte_range: str = "") -> Download:
    """The object, or the single range (an HTTP Range header value) of it; ObjectMissing, RangeNotSatisfiable."""
    arguments = {"Bucket": _bucket(kind)["bucket"], "Key": _key(kind, key)}
    if byte_range:
        arguments["Range"] = byte_range
    try:
        answer = _client().get_object(**arguments)
    except ClientError as error:
        status = _status(error)
        if status == 404:
            raise ObjectMissing(key) from error
        if status == 416:
            raise RangeNotSatisfiable(key) from error
        raise
    content_range = answer.get("ContentRange", "")
    total = int(content_range.rsplit("/", 1)[1]) if content_range else answer["ContentLength"]
    return Download(
        size=total,
        content_range=content_range,
        length=answer["ContentLength"],
        chunks=answer["Body"].iter_chunks(CHUNK_SIZE),
    )


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
