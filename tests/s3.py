"""A real S3 HTTP endpoint for the tests: moto's standalone server (from PyPI) in a process of its own, and
the environment that points an instance's processes at one of its buckets."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
import requests

from tests.live import free_port

REGION = "us-east-1"
KEYS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}


@contextmanager
def s3_server() -> Iterator[str]:
    """Start moto's S3 server on a free loopback port; yields its endpoint URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(endpoint, timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **KEYS)


def new_bucket(endpoint: str) -> str:
    name = f"sideways-{uuid.uuid4().hex[:12]}"
    client(endpoint).create_bucket(Bucket=name)
    return name


def object_storage_env(endpoint: str, bucket: str) -> dict[str, str]:
    """The variables an admin sets: one bucket, the default prefix of each kind of file."""
    return {
        "SIDEWAYS_S3_ENDPOINT": endpoint,
        "SIDEWAYS_S3_REGION": REGION,
        "SIDEWAYS_S3_ACCESS_KEY": KEYS["aws_access_key_id"],
        "SIDEWAYS_S3_SECRET_KEY": KEYS["aws_secret_access_key"],
        "SIDEWAYS_S3_BUCKET": bucket,
    }


def is_public(endpoint: str, bucket: str, key: str) -> bool:
    """Whether the object's ACL lets anyone read it."""
    grants = client(endpoint).get_object_acl(Bucket=bucket, Key=key)["Grants"]
    return any(grant["Grantee"].get("URI", "").endswith("/global/AllUsers") for grant in grants)


@dataclass
class Bucket:
    """The bucket the `bucket` fixture configured, for a test to look into."""

    endpoint: str
    name: str

    def keys(self) -> list[str]:
        answer = client(self.endpoint).list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in answer.get("Contents", []))

    def is_public(self, key: str) -> bool:
        return is_public(self.endpoint, self.name, key)
