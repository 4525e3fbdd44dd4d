"""A live instance for the tracker tests: its web server (uvicorn, as everywhere) with a given number of
processes, and no Celery worker."""

from __future__ import annotations

from pathlib import Path

from tests.live import LiveInstance, start_instance


def start_asgi_instance(data_dir: Path, *, workers: int = 1, extra_env: dict[str, str] | None = None) -> LiveInstance:
    return start_instance(data_dir, worker=False, extra_env={"SIDEWAYS_WEB_WORKERS": str(workers), **(extra_env or {})})
