"""Issue 14, defect 1: nothing a user uploads may be served with a type a browser executes.

A real MP3 with a script appended, uploaded as track.js, and a real MP4 with a page appended, uploaded
as clip.html, were accepted and served from our origin as text/javascript and text/html. Now a name
outside the accepted extensions is refused at upload (API: 400 problem+json; web form: 400 page), and
what we publish is named by us, rewritten from the original's streams, and sent only as a media type
with `nosniff` and a sandboxing CSP; a stored file of any other suffix goes out as an attachment.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.api.conftest import bearer
from tests.factories import api_upload, response_body, upload_video
from tests.media import make_clip
from videos.models import Video, VideoFile
from videos.storage import hls_dir, media_dir

pytestmark = pytest.mark.django_db

DANGEROUS_EXTENSIONS = [".js", ".html", ".htm", ".svg", ".xml", ".xhtml", ".mjs", ".css", ".swf", ".pdf"]
SCRIPT = b"\n/*sideways-polyglot*/alert(document.domain)//\n"
PAGE = b"\n<html><body><script>/*sideways-polyglot*/alert(document.domain)</script></body></html>\n"
# What browsers play or read as data and never run; the only types any uploaded file may be served as.
INERT_TYPES = {
    "video/mp4",
    "audio/mp4",
    "video/webm",
    "video/x-matroska",
    "audio/x-matroska",
    "video/ogg",
    "audio/ogg",
    "audio/mpeg",
    "audio/flac",
    "audio/wav",
    "application/vnd.apple.mpegurl",
    "application/x-bittorrent",
    "application/json",
    "image/jpeg",
}


def polyglot(folder: Path, kind: str) -> bytes:
    """A real, decodable clip (an MP3 for "script", an MP4 for "page") with a script or a page appended."""
    if kind == "script":
        return make_clip(folder / "song.mp3", video=False, duration=2).read_bytes() + SCRIPT
    return make_clip(folder / "clip.mp4", duration=2).read_bytes() + PAGE


def assert_inert(response, expected_type: str | None = None) -> None:
    """Served as a media type (or a typeless attachment), never sniffed, never run as a page."""
    content_type = response["Content-Type"].split(";")[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "script-src 'self'" not in response["Content-Security-Policy"]
    if expected_type:
        assert content_type == expected_type
    if content_type not in INERT_TYPES:
        assert content_type == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment")


def _nothing_stored() -> bool:
    folders = (settings.ORIGINALS_DIR, Path(settings.MEDIA_ROOT) / "web-videos", settings.UPLOAD_TMP_DIR)
    return not Video.objects.exists() and not any(p.is_file() for f in folders for p in Path(f).rglob("*"))


@pytest.mark.parametrize("extension", DANGEROUS_EXTENSIONS)
@pytest.mark.parametrize("kind", ["script", "page"])
def test_api_refuses_a_real_clip_named_with_a_dangerous_extension(api, alice_token, tmp_path, kind, extension):  # noqa: F811
    upload = tmp_path / f"upload{extension}"
    upload.write_bytes(polyglot(tmp_path, kind))
    response = api_upload(api, alice_token, upload)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= set(problem) and problem["status"] == 400
    assert f"upload{extension}" in problem["detail"] and ".mp4" in problem["detail"]
    assert _nothing_stored()


@pytest.mark.parametrize("extension", DANGEROUS_EXTENSIONS)
def test_web_form_refuses_a_dangerous_extension_with_a_readable_error(client, user, tmp_path, extension):
    upload = tmp_path / f"clip{extension}"
    upload.write_bytes(polyglot(tmp_path, "page"))
    client.force_login(user)
    with upload.open("rb") as file:
        response = client.post(
            "/videos/upload",
            {"videofile": file, "name": "Clip", "privacy": 1, "channel": user.account.channels.get().pk},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 400
    assert f"“clip{extension}” is not a video file name we accept" in response.content.decode()
    assert _nothing_stored()


def test_resumable_upload_of_a_dangerous_extension_ends_in_a_400_problem(api, alice_token, tmp_path):  # noqa: F811
    data = polyglot(tmp_path, "script")
    me = api.get("/api/v1/users/me", **bearer(alice_token)).json()
    start = api.post(
        "/api/v1/videos/upload-resumable",
        {"name": "Track", "channelId": me["videoChannels"][0]["id"], "filename": "track.js"},
        format="json",
        HTTP_X_UPLOAD_CONTENT_LENGTH=str(len(data)),
        **bearer(alice_token),
    )
    if start.status_code != 201:  # refused from the first request: as good
        assert start.status_code == 400
        return
    query = start["Location"].split("?", 1)[1]
    response = api.generic(
        "PUT",
        f"/api/v1/videos/upload-resumable?{query}",
        data,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes 0-{len(data) - 1}/{len(data)}",
        **bearer(alice_token),
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert not Video.objects.exists()


# (file name uploaded, what ffprobe finds -> the type it must be served as)
SERVED_KINDS = {
    "clip.mp4": "video/mp4",
    "clip.mov": "video/mp4",
    "clip.m4v": "video/mp4",
    "clip.mkv": "video/x-matroska",
    "clip.webm": "video/webm",
    "clip.avi": "video/x-matroska",
    "clip.mpg": "video/x-matroska",
    "clip.ts": "video/x-matroska",
    "clip.ogv": "video/ogg",
    "song.mp3": "audio/mpeg",
    "song.m4a": "audio/mp4",
    "song.ogg": "audio/ogg",
    "song.flac": "audio/flac",
    "song.wav": "audio/wav",
}


def _clip(folder: Path, name: str) -> Path:
    """A real clip of the kind the name says (made under a suffix make_clip and ffmpeg know)."""
    path = folder / name
    if name.startswith("song"):
        return make_clip(path, video=False, duration=2)
    made = make_clip(
        folder / f"made{path.suffix if path.suffix in ('.mkv', '.webm', '.avi', '.mov') else '.mp4'}", duration=2
    )
    if made.suffix == path.suffix:
        return made.rename(path)
    codecs = {
        ".ogv": ["-c:v", "libtheora", "-c:a", "libvorbis"],
        ".mpg": ["-c:v", "mpeg2video", "-c:a", "mp2"],
        ".ts": ["-c:v", "copy", "-c:a", "copy"],
        ".m4v": ["-c", "copy"],
    }[path.suffix]
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(made), *codecs, str(path)], check=True)
    return path


@pytest.mark.parametrize("name", list(SERVED_KINDS))
def test_published_original_is_served_as_the_probed_media_type(api, alice_token, tmp_path, name):  # noqa: F811
    clip = _clip(tmp_path, name)
    response = api_upload(api, alice_token, clip)
    assert response.status_code == 200, response.content
    video_id = response.json()["video"]["uuid"]
    Video.objects.filter(uuid=video_id).update(state=1)
    file = api.get(f"/api/v1/videos/{video_id}").json()["files"][0]
    path = file["fileUrl"].removeprefix("http://testserver")
    served = Client().get(path)
    assert served.status_code == 200
    assert_inert(served, SERVED_KINDS[name])
    assert Path(path).suffix in {".mp4", ".m4a", ".mkv", ".mka", ".webm", ".ogv", ".ogg", ".mp3", ".flac", ".wav"}
    download = Client().get(file["fileDownloadUrl"].removeprefix("http://testserver"))
    assert download.status_code == 200
    assert_inert(download, SERVED_KINDS[name])
    assert download["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("kind", ["script", "page"])
def test_a_polyglot_under_an_accepted_name_is_served_only_as_media(user, client, tmp_path, kind):
    """Under an accepted name the clip is published, typed as what ffprobe found, never as a script or page.

    The MP4 is rewritten without the page appended to it. An MP3's appended bytes survive the stream
    copy (ffmpeg's MP3 parser keeps them in the last frame), so for it the type and headers are the
    defence: audio/mpeg, nosniff, sandbox.
    """
    source = tmp_path / ("song.mp3" if kind == "script" else "clip.mp4")
    source.write_bytes(polyglot(tmp_path, kind))
    video = upload_video(user, source, source.name)
    web_video = video.files.get()
    served = client.get(f"/static/web-videos/{web_video.filename}")
    assert served.status_code == 200
    assert_inert(served, "audio/mpeg" if kind == "script" else "video/mp4")
    if kind == "page":
        assert b"sideways-polyglot" not in response_body(served)


@pytest.mark.parametrize("extension", DANGEROUS_EXTENSIONS)
@pytest.mark.parametrize("route", ["web video", "web video download", "hls file", "torrent", "thumbnail"])
def test_a_stored_file_of_any_other_suffix_is_only_an_attachment(user, client, small_clip, route, extension):
    """Files named by an older version after the uploader's extension are still on disk: never a page."""
    video = upload_video(user, small_clip, "clip.mp4")
    Video.objects.filter(pk=video.pk).update(state=1)
    web_video = video.files.get()
    folder = media_dir("web-videos")
    dangerous = web_video.filename.rsplit(".", 1)[0] + extension
    (folder / web_video.filename).rename(folder / dangerous)
    web_video.filename = dangerous
    web_video.save()
    if route == "web video":
        url = f"/static/web-videos/{dangerous}"
    elif route == "web video download":
        url = f"/download/web-videos/{video.uuid}-{web_video.resolution}{extension}"
    elif route == "hls file":
        hls_dir(video.uuid).mkdir(parents=True)
        shutil.copy(folder / dangerous, hls_dir(video.uuid) / f"a-240-fragmented{extension}")
        url = f"/static/streaming-playlists/hls/{video.uuid}/a-240-fragmented{extension}"
    elif route == "torrent":
        torrents = media_dir("torrents")
        (torrents / web_video.torrent_filename).rename(torrents / f"t{extension}")
        VideoFile.objects.filter(pk=web_video.pk).update(torrent_filename=f"t{extension}")
        url = f"/lazy-static/torrents/t{extension}"
    else:
        thumbnails = media_dir("thumbnails")
        shutil.copy(folder / dangerous, thumbnails / f"thumb{extension}")
        Video.objects.filter(pk=video.pk).update(thumbnail_filename=f"thumb{extension}")
        url = f"/lazy-static/thumbnails/thumb{extension}"
    response = client.get(url)
    assert response.status_code == 200
    assert_inert(response, "application/octet-stream")
    if route == "web video download":
        assert not response["Content-Disposition"].endswith(f'{extension}"')
