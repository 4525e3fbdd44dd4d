"""What caches may keep of media: a public video's files anyone's, two hours (names change when files are
replaced), its playlists and hashes revalidated each time (they grow with the ladder); a private video's files
only its viewer's browser, and the same through nginx (X-Accel-Redirect keeps Cache-Control)."""

import pytest

from tests.factories import stored_video
from videos.constants import VideoPrivacy


def cache_controls(client, urls: list[str]) -> dict[str, str]:
    """Suffix -> Cache-Control of the served files."""
    answers = {url.rsplit(".", 1)[1]: client.get(url) for url in urls}
    assert all(answer.status_code == 200 for answer in answers.values())
    return {suffix: answer["Cache-Control"] for suffix, answer in answers.items()}


@pytest.mark.parametrize("accel", [False, True], ids=["streamed", "x-accel-redirect"])
def test_public_files_are_cached_by_anyone_and_private_ones_by_the_viewer_only(client, user, settings, accel):
    settings.SIDEWAYS_ACCEL_REDIRECT = accel
    channel = user.account.channels.get()
    _public, public_urls, _paths = stored_video(channel, VideoPrivacy.PUBLIC)
    _private, private_urls, _paths = stored_video(channel, VideoPrivacy.PRIVATE)
    client.force_login(user)

    public = cache_controls(client, [url for url in public_urls if "/streaming-playlists/" in url])
    assert public == {"m3u8": "public, no-cache", "json": "public, no-cache", "mp4": "public, max-age=7200"}
    private = cache_controls(client, [url for url in private_urls if "/static/" in url])
    assert set(private.values()) <= {"private, no-cache", "private, max-age=7200"}
    assert private["mp4"] == "private, max-age=7200"
    images = cache_controls(client, [url for url in private_urls if "/lazy-static/" in url])
    assert set(images.values()) == {"public, max-age=7200"}  # public in PeerTube too
