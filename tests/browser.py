"""Driving Debian's Chromium with Playwright, for the web UI tests.

The `browser` (session-wide) and `open_page` fixtures (tests/conftest.py) launch /usr/bin/chromium headless
with the flags this closed network needs and open fresh contexts whose pages record every request, so a test
can assert that nothing left for another origin. The helpers here log in and fill the upload form.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.live import ROOT_PASSWORD

CHROMIUM = os.environ.get("SIDEWAYS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = Path(os.environ.get("SIDEWAYS_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class RecordedPage:
    """A Playwright page plus the URLs it requested."""

    page: object
    context: object
    requested: list[str] = field(default_factory=list)

    def foreign_requests(self, *allowed_origins: str) -> list[str]:
        """Requests to any origin but the allowed ones (data: and blob: URLs are local by nature)."""
        allowed = set(allowed_origins)
        return [url for url in self.requested if not url.startswith(("data:", "blob:")) and origin(url) not in allowed]

    def screenshot(self, name: str) -> Path:
        """Saves a full-page screenshot under test-artifacts/ for a person to look at."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def logged_in_page(open_page, instance, width: int = 1280):
    recorded = open_page(width=width)
    log_in(recorded.page, instance)
    return recorded


def log_in(page, instance) -> None:
    page.goto(f"{instance.url}/login")
    page.fill("#id_username", "root")
    page.fill("#id_password", ROOT_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{instance.url}/")


def fill_upload_form(page, instance, file: Path, title: str) -> None:
    page.goto(f"{instance.url}/videos/upload")
    page.set_input_files("#id_videofile", str(file))
    page.fill("#id_name", title)
    page.fill("#id_description", "Premier épisode.\nhttps://example.org")
    page.fill("#id_tags", "essai, paris")
