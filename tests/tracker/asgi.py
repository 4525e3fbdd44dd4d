"""A live instance served by the ASGI application (uvicorn), which is where the tracker and STUN live.

tests.live starts gunicorn on the WSGI application; until the web server is ASGI everywhere, these
tests swap it for uvicorn on the same port (so SIDEWAYS_URL, and with it every swarm id, stays right).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import requests

from tests.live import LiveInstance, free_port, start_instance


def start_asgi_instance(data_dir: Path, *, workers: int = 1, extra_env: dict[str, str] | None = None) -> LiveInstance:
    """An instance (no Celery worker) whose web server is uvicorn; its STUN responder on a free UDP port."""
    env = {"SIDEWAYS_STUN_LISTEN": f"127.0.0.1:{free_port()}", **(extra_env or {})}
    instance = start_instance(data_dir, worker=False, extra_env=env)
    instance.stop_process("web")
    port = instance.url.rsplit(":", 1)[1]
    instance.start_process(
        "web", [sys.executable, "-m", "uvicorn", "sideways.asgi:application", "--host", "127.0.0.1", "--port", port,
                "--workers", str(workers), "--no-access-log"],
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(instance.url + "/about", timeout=2)
            return instance
        except (requests.ConnectionError, requests.Timeout):
            if time.monotonic() > deadline or instance.processes["web"].poll() is not None:
                instance.stop()
                raise RuntimeError(f"uvicorn did not start:\n{instance.log('web')}")
            time.sleep(0.2)
