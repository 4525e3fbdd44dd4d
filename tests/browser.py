"""Driving Debian's Chromium with Playwright, for the web UI tests.

`browser` (session-wide) launches /usr/bin/chromium headless with the flags this closed network needs;
`page_for(instance_url)` opens a fresh context and page, and records every request so a test can assert
that nothing left for another origin (see `Page.foreign_requests`).
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

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
        return [
            url for url in self.requested
            if not url.startswith(("data:", "blob:")) and origin(url) not in allowed
        ]

    def screenshot(self, name: str) -> Path:
        """Saves a full-page screenshot under test-artifacts/ for a person to look at."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium shared by the session; skipped only if Chromium is absent (setup installs it)."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: run scripts/setup --test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser) -> Iterator:
    """Factory: open_page(width=1280, height=800, locale="fr-FR") -> RecordedPage in a fresh context."""
    contexts = []

    def factory(width: int = 1280, height: int = 800, locale: str = "fr-FR") -> RecordedPage:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        recorded = RecordedPage(page=page, context=context)
        page.on("request", lambda request: recorded.requested.append(request.url))
        return recorded

    yield factory
    for context in contexts:
        context.close()
