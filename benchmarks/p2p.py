"""Benchmark of P2P: media bytes the instance serves for 1, 5 and 10 simultaneous viewers of one video.

    .venv/bin/python benchmarks/p2p.py [--viewers 1 5 10] [--seconds 40]

One 30 s public video (one 360p rendition, 2 s segments, its segments-sha256.json) on an instance served
by uvicorn with its tracker and STUN responder; N headless Chromium viewers (one browser context each,
loopback WebRTC) start it together and play for --seconds, first with P2P on, then with P2P off (the
viewer's own switch, in localStorage). Printed: media bytes fetched over HTTP from the instance (Resource
Timing of the fragmented MP4 requests), bytes received from peers, and the share peers saved.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    RecordedPage,  # noqa: E402
)
from tests.live import free_port  # noqa: E402
from tests.tracker.asgi import start_asgi_instance  # noqa: E402
from tests.web.test_p2p_browser import add_shared_video, figures  # noqa: E402


def watch_together(browser, url: str, viewers: int, seconds: float, p2p: bool) -> list[dict]:
    contexts = []
    for _ in range(viewers):
        context = browser.new_context()
        if not p2p:
            context.add_init_script("localStorage.setItem('sideways:p2p:off', '1')")
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(".player.is-ready")
        contexts.append((context, page))
    for _, page in contexts:
        page.click(".player-big-play")
    time.sleep(seconds)
    results = [figures(RecordedPage(page=page, context=context)) for context, page in contexts]
    for context, _ in contexts:
        context.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, nargs="+", default=[1, 5, 10])
    parser.add_argument("--seconds", type=float, default=40)
    args = parser.parse_args()
    stun = free_port()
    instance = start_asgi_instance(
        Path(tempfile.mkdtemp(prefix="sideways-p2p-bench-")),
        extra_env={"SIDEWAYS_STUN_LISTEN": f"127.0.0.1:{stun}", "SIDEWAYS_STUN_URLS": f"stun:127.0.0.1:{stun}"},
    )
    from playwright.sync_api import sync_playwright

    try:
        url = instance.url + add_shared_video(instance, Path(tempfile.mkdtemp(prefix="sideways-p2p-clip-")))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            print(f"one 30 s video, viewers starting together, {args.seconds:.0f} s of playback each")
            for viewers in args.viewers:
                for p2p in (True, False):
                    results = watch_together(browser, url, viewers, args.seconds, p2p)
                    origin = sum(result["httpMedia"] for result in results)
                    peers = sum(result["fromPeers"] for result in results)
                    share = peers / (origin + peers) if origin + peers else 0
                    print(
                        f"  {viewers:3} viewers, P2P {'on ' if p2p else 'off'}: origin served {origin / 1e6:7.2f} MB, "
                        f"peers gave {peers / 1e6:6.2f} MB ({share:.0%} of what the viewers received)"
                    )
            browser.close()
    finally:
        instance.stop()


if __name__ == "__main__":
    main()
