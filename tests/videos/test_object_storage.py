"""Videos whose files are in S3 buckets (moto's S3 server over HTTP): moved there and back, served at the
bucket's URL when public and only through us otherwise, made private in the bucket with the video."""

import pytest
import requests
from django.core.management import call_command
from django.test import Client

from tests import s3
from tests.api.conftest import ALICE_PASSWORD
from tests.factories import stored_video
from videos import storage
from videos.constants import FileStorage, VideoPrivacy, VideoState
from videos.models import Video, VideoSource
from videos.services import storage_moves
from videos.services.editing import delete_video, save_edits


def video_with_every_file(user, privacy: int) -> Video:
    video, _, _ = stored_video(user.account.channels.get(), privacy)
    VideoSource.objects.create(video=video, filename="clip.mp4", path=f"{video.uuid}/original.mp4", size=8)
    return video


def moved(video: Video, to_buckets: bool) -> Video:
    assert storage_moves.request_move(video, to_buckets)
    video.refresh_from_db()
    assert video.state == (VideoState.TO_MOVE_TO_EXTERNAL_STORAGE if to_buckets else VideoState.TO_MOVE_TO_FILE_SYSTEM)
    assert storage_moves.move(video.pk)
    video.refresh_from_db()
    return video


def playlist_of(api, video: Video, **headers) -> dict:
    return api.get(f"/api/v1/videos/{video.uuid}", **headers).json()["streamingPlaylists"][0]


@pytest.mark.django_db
def test_a_public_video_moved_to_the_buckets_is_served_from_them(user, bucket, api, client):
    video = video_with_every_file(user, VideoPrivacy.PUBLIC)
    files = storage.video_media(video)
    contents = {file.key: file.path.read_bytes() for file in files}

    video = moved(video, to_buckets=True)

    assert video.storage == FileStorage.OBJECT_STORAGE and video.state == VideoState.PUBLISHED
    prefixes = {"originals": "originals/", "streaming_playlists": "streaming-playlists/"}
    prefixes |= {"web_videos": "web-videos/", "images": "lazy-static/"}
    expected = sorted(prefixes[file.kind] + file.key for file in files)
    assert bucket.keys() == expected
    playlist = playlist_of(api, video)
    master = playlist["playlistUrl"]
    assert master.startswith(f"{bucket.endpoint}/{bucket.name}/streaming-playlists/{video.uuid}/")
    assert requests.get(master).content == contents[f"{video.uuid}/{master.rsplit('/', 1)[1]}"]
    rendition = playlist["files"][0]["fileUrl"]
    part = requests.get(rendition, headers={"Range": "bytes=2-5"})
    assert part.status_code == 206 and part.content == b"\0" * 4
    # Anyone may read the playable files and images at their bucket URL; nobody the original.
    for key in expected:
        assert bucket.is_public(key) == (not key.startswith("originals/")), key
    # An old link to our /static route leads to the bucket.
    old_link = client.get(f"/static/streaming-playlists/hls/{video.uuid}/{master.rsplit('/', 1)[1]}")
    assert old_link.status_code == 302 and old_link["Location"] == master

    # The disk keeps its copies until the grace period is over.
    assert all(file.path.is_file() for file in files)
    storage_moves.delete_old_copies(video.pk, from_buckets=False)
    assert not any(file.path.exists() for file in files)


@pytest.mark.django_db
def test_a_private_video_in_the_buckets_reaches_its_owner_only_through_us(user, bucket, api, client, login):
    video = moved(video_with_every_file(user, VideoPrivacy.PRIVATE), to_buckets=True)
    for key in bucket.keys():
        if "/hls/" in key or key.startswith(("streaming-playlists/", "web-videos/", "originals/")):
            assert not bucket.is_public(key), key

    client.force_login(user)
    playlist = playlist_of(api, video, HTTP_AUTHORIZATION=f"Bearer {login('alice', ALICE_PASSWORD)}")
    rendition_url = playlist["files"][0]["fileUrl"]
    assert rendition_url.startswith(f"http://testserver/static/streaming-playlists/hls/{video.uuid}/")
    path = rendition_url.removeprefix("http://testserver")
    part = client.get(path, HTTP_RANGE="bytes=0-9")
    assert part.status_code == 206 and part["Content-Range"].startswith("bytes 0-9/")
    assert b"".join(part.streaming_content) == b"\0" * 10
    assert part["X-Content-Type-Options"] == "nosniff" and part["Content-Type"] == "video/mp4"
    whole = client.get(path)
    assert whole.status_code == 200 and len(b"".join(whole.streaming_content)) == int(whole["Content-Length"])
    assert client.get(path, HTTP_RANGE="bytes=99999-").status_code == 416

    client.logout()
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_making_a_video_private_makes_its_files_private_in_the_bucket(user, bucket, api):
    video = moved(video_with_every_file(user, VideoPrivacy.PUBLIC), to_buckets=True)
    playable = [key for key in bucket.keys() if key.startswith(("streaming-playlists/", "web-videos/"))]
    assert playable and all(bucket.is_public(key) for key in playable)

    save_edits(video, {"privacy": VideoPrivacy.UNLISTED})

    assert not any(bucket.is_public(key) for key in playable)
    assert playlist_of(api, video)["playlistUrl"].startswith("http://testserver/static/")
    images = [key for key in bucket.keys() if key.startswith("lazy-static/thumbnails/")]
    assert images and all(bucket.is_public(key) for key in images)  # thumbnails stay public, as in PeerTube

    save_edits(video, {"privacy": VideoPrivacy.PUBLIC})
    assert all(bucket.is_public(key) for key in playable)


@pytest.mark.django_db
def test_a_move_back_to_the_file_system_resumes_and_keeps_the_bytes(user, bucket, client):
    video = video_with_every_file(user, VideoPrivacy.PUBLIC)
    files = storage.video_media(video)
    contents = {file: file.path.read_bytes() for file in files}
    video = moved(video, to_buckets=True)
    storage_moves.delete_old_copies(video.pk, from_buckets=False)
    # A killed earlier run had brought one file back already.
    storage.copy(video, files[0], to_buckets=False)

    video = moved(video, to_buckets=False)

    assert video.storage == FileStorage.FILE_SYSTEM and video.state == VideoState.PUBLISHED
    assert {file: file.path.read_bytes() for file in files} == contents
    assert not list(storage.hls_dir(video.uuid).glob("*.part"))
    playlist = video.streaming_playlists.get()
    assert client.get(f"/static/streaming-playlists/hls/{video.uuid}/{playlist.playlist_filename}").status_code == 200
    # The bucket's copies go after the grace period, and not while the video is moving again.
    storage_moves.request_move(video, to_buckets=True)
    storage_moves.delete_old_copies(video.pk, from_buckets=True)
    assert len(bucket.keys()) == len(files)
    Video.objects.filter(pk=video.pk).update(state=VideoState.PUBLISHED)
    storage_moves.delete_old_copies(video.pk, from_buckets=True)
    assert bucket.keys() == []


@pytest.mark.django_db
def test_a_failed_move_leaves_the_video_watchable_where_it_was(user, bucket, settings, api):
    video = video_with_every_file(user, VideoPrivacy.PUBLIC)
    settings.OBJECT_STORAGE = {**settings.OBJECT_STORAGE, "buckets": {**settings.OBJECT_STORAGE["buckets"]}}
    settings.OBJECT_STORAGE["buckets"]["images"] = {"bucket": "no-such-bucket", "prefix": "", "base_url": ""}
    assert storage_moves.request_move(video, to_buckets=True)

    assert not storage_moves.move(video.pk)

    video.refresh_from_db()
    assert video.state == VideoState.TO_MOVE_TO_EXTERNAL_STORAGE_FAILED and video.storage == FileStorage.FILE_SYSTEM
    assert "could not be copied" in video.state_error
    details = api.get(f"/api/v1/videos/{video.uuid}").json()
    assert details["state"] == {"id": 8, "label": "External storage move failed"}
    assert api.get("/api/v1/videos").json()["total"] == 1


@pytest.mark.django_db
def test_the_api_shows_a_moving_video_in_peertubes_state(user, bucket, api):
    video = video_with_every_file(user, VideoPrivacy.PUBLIC)
    storage_moves.request_move(video, to_buckets=True)
    details = api.get(f"/api/v1/videos/{video.uuid}").json()
    assert details["state"] == {"id": 6, "label": "To move to an external storage"}
    assert [listed["uuid"] for listed in api.get("/api/v1/videos").json()["data"]] == [str(video.uuid)]


@pytest.mark.django_db
def test_deleting_a_video_in_the_buckets_deletes_its_objects(user, bucket, django_capture_on_commit_callbacks):
    video = moved(video_with_every_file(user, VideoPrivacy.PUBLIC), to_buckets=True)
    assert bucket.keys()
    with django_capture_on_commit_callbacks(execute=True):
        delete_video(video)
    assert bucket.keys() == []


@pytest.mark.django_db
def test_the_command_marks_every_local_video_for_a_move(user, bucket, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "videos.management.commands.move_video_storage.queue_on_commit", lambda task, pk: queued.append(pk)
    )
    first = video_with_every_file(user, VideoPrivacy.PUBLIC)
    second = video_with_every_file(user, VideoPrivacy.PRIVATE)

    call_command("move_video_storage", "--to", "object-storage")

    assert sorted(queued) == sorted([first.pk, second.pk])
    assert set(Video.objects.values_list("state", flat=True)) == {VideoState.TO_MOVE_TO_EXTERNAL_STORAGE}
    queued.clear()
    call_command("move_video_storage", "--to", "object-storage")
    assert queued == []  # already marked: nothing twice


@pytest.mark.django_db
def test_a_video_made_private_during_its_move_is_private_in_the_bucket(user, bucket):
    video = video_with_every_file(user, VideoPrivacy.PUBLIC)
    assert storage_moves.request_move(video, to_buckets=True)
    rendition = next(file for file in storage.video_media(video) if file.relative.endswith("-fragmented.mp4"))
    storage.copy(video, rendition, to_buckets=True)  # the copy had begun, with the public ACL
    video.refresh_from_db()
    save_edits(video, {"privacy": VideoPrivacy.PRIVATE})

    assert storage_moves.move(video.pk)

    playable = [key for key in bucket.keys() if key.startswith(("streaming-playlists/", "web-videos/"))]
    assert f"streaming-playlists/{rendition.relative}" in playable
    assert not any(bucket.is_public(key) for key in playable)


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_transcoded_into_the_buckets_and_nothing_stays_on_disk(
    user, bucket, small_clip, settings, monkeypatch, api, isolated_media
):
    from tests.factories import upload_and_transcode
    from transcoding import tasks

    settings.SIDEWAYS_TRANSCODING_RESOLUTIONS = [144]
    monkeypatch.setattr(tasks.transcode_video, "delay", lambda job_id: None)  # run in-process by the helper

    video = upload_and_transcode(user, small_clip)

    assert video.storage == FileStorage.OBJECT_STORAGE and video.state == VideoState.PUBLISHED
    assert [path for path in isolated_media.rglob("*") if path.is_file()] == []
    assert sorted(file.kind + "/" + file.key for file in storage.every_file(video)) == sorted(
        file.kind + "/" + file.key for file in storage.video_media(video)
    )
    expected = {
        {"streaming_playlists": "streaming-playlists/", "web_videos": "web-videos/"}.get(file.kind, "")
        + {"originals": "originals/", "images": "lazy-static/"}.get(file.kind, "")
        + file.key
        for file in storage.video_media(video)
    }
    assert set(bucket.keys()) == expected
    playlist = playlist_of(api, video)
    master = requests.get(playlist["playlistUrl"])
    assert master.status_code == 200 and master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    hashes = requests.get(playlist["segmentsSha256Url"]).json()
    [rendition] = playlist["files"]
    media_name = rendition["fileUrl"].rsplit("/", 1)[1]
    assert set(hashes) == {media_name}


@pytest.mark.django_db
def test_pages_may_load_media_from_the_buckets_only(bucket, client, settings):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(directive.split(" ", 1) for directive in policy.split("; "))
    for name in ("img-src", "media-src", "connect-src"):
        assert bucket.endpoint in directives[name].split(), name
    assert bucket.endpoint not in directives["script-src"]


def test_readiness_covers_the_buckets(db, bucket, settings):
    assert Client().get("/api/v1/ready").json()["storage"] == "ok"
    s3.client(bucket.endpoint).delete_bucket(Bucket=bucket.name)
    response = Client().get("/api/v1/ready")
    assert response.status_code == 503 and response.json()["storage"] == "failed"
