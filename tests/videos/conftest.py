"""Object storage for the videos tests: moto's S3 server, once per session, and a fresh bucket per test."""

import copy
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests import s3
from videos import object_storage


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with s3.s3_server() as endpoint:
        yield endpoint


@dataclass
class Bucket:
    endpoint: str
    name: str

    def keys(self) -> list[str]:
        answer = s3.client(self.endpoint).list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in answer.get("Contents", []))

    def is_public(self, key: str) -> bool:
        return s3.is_public(self.endpoint, self.name, key)


@pytest.fixture
def bucket(settings, s3_endpoint: str) -> Iterator[Bucket]:
    """Object storage configured as an admin would, on one new bucket with the default prefixes."""
    name = s3.new_bucket(s3_endpoint)
    config = copy.deepcopy(settings.OBJECT_STORAGE)
    config.update(endpoint=s3_endpoint, access_key=s3.KEYS["aws_access_key_id"])
    config.update(secret_key=s3.KEYS["aws_secret_access_key"], region=s3.REGION)
    for kind in config["buckets"].values():
        kind["bucket"] = name
    settings.OBJECT_STORAGE = config
    object_storage._client.cache_clear()
    yield Bucket(s3_endpoint, name)
    object_storage._client.cache_clear()
