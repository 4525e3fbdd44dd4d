"""Configuration comes from the environment: embedded default without it, real services with it."""

import json
import subprocess
import sys

from tests.live import REPO

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "host": settings.INSTANCE_HOST,
    "debug": settings.DEBUG,
    "max_upload": settings.SIDEWAYS_MAX_UPLOAD_SIZE,
}))
"""


def _settings_with(env: dict, tmp_path) -> dict:
    base = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "sideways.settings",
        "SIDEWAYS_DATA_DIR": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=REPO, env=base | env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_embedded_default_needs_no_server(tmp_path):
    values = _settings_with({}, tmp_path)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["db_name"] == str(tmp_path / "data" / "db.sqlite3")
    assert values["broker"] == "filesystem://"
    assert values["cache"].endswith("FileBasedCache")
    assert values["host"] == "127.0.0.1:9000" and values["debug"] is False
    assert values["max_upload"] == 8 * 1024**3


def test_production_services_from_environment(tmp_path):
    values = _settings_with(
        {
            "DATABASE_URL": "postgres://u:p@db.example:5432/tube",
            "REDIS_URL": "redis://cache.example:6379/0",
            "SIDEWAYS_URL": "https://videos.side-ways.net",
            "SIDEWAYS_MAX_UPLOAD_SIZE": "1000",
        },
        tmp_path,
    )
    assert values["engine"] == "django.db.backends.postgresql" and values["db_name"] == "tube"
    assert values["broker"] == "redis://cache.example:6379/0"
    assert values["cache"].endswith("RedisCache")
    assert values["host"] == "videos.side-ways.net" and values["max_upload"] == 1000
