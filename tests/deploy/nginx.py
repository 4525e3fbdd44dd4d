"""Running the nginx front door of deploy/nginx/ with Debian's nginx, as a child process of the test.

The configuration is the deployed one: deploy/nginx/nginx.conf as it is, and the site's template filled in
the way the nginx image does it (only the SIDEWAYS_* placeholders; nginx's own `$variables` stay). Only
what the command line can say differs: the pid file and error log in the test's folder, no daemon.
"""

from __future__ import annotations

import os
import shutil
import string
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.live import REPO, free_port, poll

DEPLOY = REPO / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def render(folder: Path, *, listen: str, web: str, media_root: Path) -> Path:
    """deploy/nginx/ laid out in `folder` with these values; returns the main configuration file."""
    if not Path(NGINX).exists():
        pytest.fail("Debian's nginx is not installed (scripts/setup --test installs it)")
    conf = folder / "conf"
    (conf / "conf.d").mkdir(parents=True)
    shutil.copy(DEPLOY / "nginx.conf", conf / "nginx.conf")
    template = string.Template((DEPLOY / "templates" / "sideways.conf.template").read_text())
    values = {"SIDEWAYS_LISTEN": listen, "SIDEWAYS_WEB": web, "SIDEWAYS_MEDIA_ROOT": str(media_root)}
    (conf / "conf.d" / "sideways.conf").write_text(template.safe_substitute(values))
    return conf / "nginx.conf"


def command(config: Path, *args: str) -> list[str]:
    """nginx on this configuration, its pid file and error log beside it; run by root, its workers stay
    root's, as the test's files are only root's to read."""
    folder = config.parent.parent
    directives = f"pid {folder / 'nginx.pid'}; daemon off;"
    if os.geteuid() == 0:
        directives += " user root;"
    error_log = str(folder / "error.log")
    return [NGINX, "-p", str(folder), "-c", str(config), "-e", error_log, "-g", directives, *args]


@dataclass
class FrontDoor:
    url: str
    folder: Path
    process: subprocess.Popen

    def log(self) -> str:
        """What nginx wrote: its access log (stdout) and its error log."""
        return (self.folder / "access.log").read_text(errors="replace") + (self.folder / "error.log").read_text(
            errors="replace"
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def start_front_door(folder: Path, *, web_url: str, media_root: Path) -> FrontDoor:
    """nginx on a free loopback port in front of the web server at `web_url`; returns when it answers."""
    port = free_port()
    config = render(folder, listen=f"127.0.0.1:{port}", web=web_url.split("://", 1)[1], media_root=media_root)
    (folder / "error.log").touch()
    with (folder / "access.log").open("ab") as access_log:
        process = subprocess.Popen(command(config), stdout=access_log, stderr=subprocess.STDOUT)
    door = FrontDoor(url=f"http://127.0.0.1:{port}", folder=folder, process=process)

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited:\n{door.log()}")
        try:
            return requests.get(door.url + "/api/v1/config", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    if not poll(answers, timeout=20):
        door.stop()
        raise RuntimeError(f"nginx did not answer:\n{door.log()}")
    return door
