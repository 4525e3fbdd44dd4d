"""Importing a peer's video from PeerTube's real Video object (captured on tilvids.com, moved to a peer on
127.0.0.1): every field lands, images are stored as JPEG in our media folders (in the images bucket once
object storage is configured), anything PeerTube itself would refuse is refused with nothing left behind,
and a re-import replaces files, tags and images cleanly.
"""

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from django.conf import settings

from federation.actors.local import ensure_instance_actor
from federation.inbound.remote_videos import VideoError, delete_video, fetch_video, import_video
from federation.protocol.signatures import verify_request
from tests.factories import publish_video
from tests.federation.peer import jpeg
from videos.constants import FileStorage
from videos.models import Account, Channel, StreamingPlaylist, Video, VideoFile
from videos.orphans import orphaned_paths
from videos.storage import mirror_dir

TAGS = [{"type": "Hashtag", "name": "linux"}, {"type": "Hashtag", "name": "news"}]


@pytest.fixture
def channel(peer):
    account = peer.add_actor("Person", "alice")
    return peer.add_actor("Group", "alice_channel", owner=account)


def images() -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    return sorted(
        path
        for folder in ("thumbnails", "previews")
        if (media / folder).exists()
        for path in (media / folder).iterdir()
    )


def test_every_field_of_a_peertube_video_lands(peer, channel):
    data = peer.video(channel, tag=TAGS)
    video = import_video(data, peer.host)

    assert (video.url, str(video.uuid), video.is_local) == (data["id"], data["uuid"], False)
    assert (
        video.name
        == "Mesa, Wayland & X.org in trouble, Debian leaves X, Facebook blocks Linux: Linux & Open Source News"
    )
    assert video.duration == 1145 and video.views == 360 and video.aspect_ratio == pytest.approx(1.7778)
    assert (video.category, video.licence, video.language, video.nsfw) == (15, 2, "en", False)
    assert video.description.startswith("Head to https://squarespace.com/thelinuxexperiment")
    assert video.support.startswith("Support the channel on Patreon")
    assert sorted(video.tags.values_list("name", flat=True)) == ["linux", "news"]
    assert video.published_at == datetime(2025, 2, 1, 11, 59, 45, 94000, tzinfo=UTC)
    assert video.originally_published_at == datetime(2025, 2, 1, 11, 39, 50, tzinfo=UTC)
    assert video.download_enabled and video.state == 1 and video.privacy == 1
    assert video.channel == Channel.objects.get(name="alice_channel", host=peer.host)
    assert video.channel.account == Account.objects.get(name="alice", host=peer.host)

    playlist = StreamingPlaylist.objects.get(video=video)
    hls = f"{peer.base}/static/streaming-playlists/hls/{data['uuid']}/"
    assert playlist.playlist_url == hls + "2020efb9-9f43-4e37-b268-3470a4bb89cd-master.m3u8"
    assert playlist.segments_sha256_url == hls + "0c0d34b1-ab46-4fc8-ae02-c97c23bfb2db-segments-sha256.json"
    files = VideoFile.objects.filter(playlist=playlist).order_by("-resolution")
    assert [(f.resolution, f.width, f.height, f.fps, f.size) for f in files] == [
        (1080, 1920, 1080, 60, 245864545),
        (360, 640, 360, 30, 62546436),
        (144, 256, 144, 30, 31021375),
    ]
    assert files[0].file_url == hls + "0b870685-4461-47a3-8fac-e5531cd8acf5-1080-fragmented.mp4"

    thumbnail = Path(settings.MEDIA_ROOT) / "thumbnails" / video.thumbnail_filename
    preview = Path(settings.MEDIA_ROOT) / "previews" / video.preview_filename
    assert thumbnail.read_bytes() == jpeg() == preview.read_bytes()
    assert images() == sorted([thumbnail, preview])


def test_fetch_video_gets_it_from_its_origin_signed_by_our_instance(peer, channel):
    data = peer.video(channel)
    assert fetch_video(data["id"]).url == data["id"]
    [request] = peer.requests_to(data["id"].removeprefix(peer.base))
    verify_request("GET", request.path, "", request.headers, None, ensure_instance_actor().public_key_pem)


def _png_thumbnail(peer, data):
    peer.serve(data["icon"][0]["url"].removeprefix(peer.base), b"\x89PNG\r\n\x1a\n", content_type="image/jpeg")
    return data


def _png_preview(peer, data):
    peer.serve(data["icon"][1]["url"].removeprefix(peer.base), b"\x89PNG\r\n\x1a\n", content_type="image/jpeg")
    return data


REFUSED = {
    "no JPEG icon": lambda peer, data: {**data, "icon": [{**icon, "mediaType": "image/png"} for icon in data["icon"]]},
    "uuid that is not v4": lambda peer, data: {**data, "uuid": str(uuid.uuid1())},
    "name of 2 characters": lambda peer, data: {**data, "name": "ab"},
    "no Group": lambda peer, data: {**data, "attributedTo": [a for a in data["attributedTo"] if a["type"] != "Group"]},
    "Group on another host": lambda peer, data: {
        **data,
        "attributedTo": [{"type": "Group", "id": "https://elsewhere.example/video-channels/x"}],
    },
    "id on another host": lambda peer, data: {**data, "id": "https://elsewhere.example/videos/watch/" + data["uuid"]},
    "duration that is not PTnS": lambda peer, data: {**data, "duration": "19 minutes"},
    "duration beyond any column": lambda peer, data: {**data, "duration": "PT99999999999S"},
    "published date that does not exist": lambda peer, data: {**data, "published": "2025-13-45T11:59:45Z"},
    "channel the peer does not serve": lambda peer, data: {
        **data,
        "attributedTo": [{"type": "Group", "id": peer.url("/video-channels/missing")}],
    },
    "live broadcast": lambda peer, data: {**data, "isLiveBroadcast": True},
    "state other than published": lambda peer, data: {**data, "state": 2},
    "no HLS playlist (web videos only)": lambda peer, data: {
        **data,
        "url": [link for link in data["url"] if link.get("mediaType") != "application/x-mpegURL"],
    },
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_video_peertube_would_refuse_is_refused_and_leaves_nothing(peer, channel, case):
    data = REFUSED[case](peer, peer.video(channel))
    with pytest.raises(VideoError):
        import_video(data, peer.host)
    assert not Video.objects.exists() and not StreamingPlaylist.objects.exists() and not VideoFile.objects.exists()
    assert images() == []


@pytest.mark.parametrize(
    "spoil",
    [
        _png_thumbnail,
        _png_preview,
        lambda peer, data: peer.serve(data["icon"][0]["url"].removeprefix(peer.base), b"gone", status=404) or data,
    ],
    ids=["png thumbnail", "png preview", "thumbnail 404"],
)
def test_a_video_whose_images_cannot_be_had_is_imported_without_them(peer, channel, spoil):
    """PeerTube imports such a video too; the missing image is fetched again with its next Update."""
    data = spoil(peer, peer.video(channel))
    video = import_video(data, peer.host)
    assert video.streaming_playlists.get().files.count() == 3
    assert bool(video.thumbnail_filename) + bool(video.preview_filename) == 1
    assert len(images()) == 1


def test_a_video_another_worker_stored_meanwhile_is_taken_as_it_is(peer, channel, monkeypatch):
    """A video's Create and Announce arrive together and two workers import it at once: the one whose
    insert loses finds the other's copy, whose images (same names) it must not delete."""
    from django.db import IntegrityError

    from federation.inbound import remote_videos

    data = peer.video(channel)
    stored = import_video(data, peer.host)
    kept = images()

    def lost_the_race(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(remote_videos, "_save", lost_the_race)
    assert import_video(data, peer.host) == stored
    assert images() == kept and all(path.exists() for path in kept)


def test_numbers_out_of_our_columns_range_are_dropped_not_crashed_on(peer, channel):
    data = peer.video(
        channel,
        views=10**30,
        category={"identifier": "99999", "name": "x"},
        licence={"identifier": "-2", "name": "x"},
        originallyPublishedAt="2025-02-30T00:00:00Z",
    )
    hls = next(link for link in data["url"] if link.get("mediaType") == "application/x-mpegURL")
    for tag in hls["tag"]:
        if tag.get("mediaType") == "video/mp4":
            tag.update(size=-1, width=2**40)
    video = import_video(data, peer.host)
    assert (video.views, video.category, video.licence, video.originally_published_at) == (0, None, None, None)
    assert set(VideoFile.objects.values_list("size", "width")) == {(0, None)}


def test_a_uuid_already_used_by_a_local_video_is_refused(peer, channel, user):
    local = publish_video(user.account.channels.get())
    before = images()
    with pytest.raises(VideoError, match="uuid"):
        import_video(peer.video(channel, video_uuid=str(local.uuid)), peer.host)
    assert list(Video.objects.all()) == [local] and images() == before
    local.refresh_from_db()
    assert local.is_local and local.url == ""


def test_another_host_may_not_speak_for_a_video(peer, channel):
    with pytest.raises(VideoError, match="may not speak"):
        import_video(peer.video(channel), "elsewhere.example")
    assert not Video.objects.exists() and images() == []


def test_reimport_replaces_files_tags_and_images(peer, channel):
    data = peer.video(channel, tag=TAGS)
    first = import_video(data, peer.host)
    old_images = images()
    hls = next(link for link in data["url"] if link.get("mediaType") == "application/x-mpegURL")
    hls["tag"] = [tag for tag in hls["tag"] if "-1080-" not in tag.get("href", "")]
    for icon in data["icon"]:
        icon["url"] = icon["url"].replace(".jpg", "-v2.jpg")
        peer.serve(icon["url"].removeprefix(peer.base), jpeg(), content_type="image/jpeg")
    data.update(name="Edited title", tag=[{"type": "Hashtag", "name": "wayland"}], sensitive=True)

    second = import_video(data, peer.host)
    assert second.pk == first.pk and Video.objects.count() == 1
    assert second.name == "Edited title" and second.nsfw
    assert list(second.tags.values_list("name", flat=True)) == ["wayland"]
    assert StreamingPlaylist.objects.count() == 1
    assert sorted(VideoFile.objects.values_list("resolution", flat=True)) == [144, 360]
    assert len(images()) == 2 and not set(images()) & set(old_images)


def test_an_update_with_the_same_images_does_not_fetch_them_again(peer, channel):
    """Our own instance sends an Update per new rendition: the images are fetched once."""
    data = peer.video(channel)
    import_video(data, peer.host)
    kept = images()
    import_video({**data, "name": "Gained a rendition"}, peer.host)
    assert images() == kept and len(kept) == 2
    for icon in data["icon"]:
        assert len(peer.requests_to(icon["url"].removeprefix(peer.base))) == 1


def test_only_the_origin_deletes_a_video_and_its_images_go(peer, channel, django_capture_on_commit_callbacks):
    data = peer.video(channel)
    import_video(data, peer.host)
    assert delete_video(data["id"], "elsewhere.example") is False and Video.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_video(data["id"], peer.host) is True
    assert not Video.objects.exists() and images() == []


def test_a_portrait_files_resolution_is_its_short_side(peer, channel):
    """PeerTube names a rendition by its short side: a 1080x1920 phone video's file is 1080p."""
    data = peer.video(channel)
    hls = next(link for link in data["url"] if link.get("mediaType") == "application/x-mpegURL")
    for link in hls["tag"]:
        if link.get("mediaType") == "video/mp4":
            link["width"], link["height"] = link["height"], link["width"]
    video = import_video(data, peer.host)
    files = VideoFile.objects.filter(playlist__video=video).order_by("-resolution")
    assert [(f.resolution, f.width, f.height) for f in files] == [(1080, 1080, 1920), (360, 360, 640), (144, 144, 256)]


def test_a_video_not_addressed_to_the_public_is_unlisted_here(peer, channel):
    """PeerTube's rule: without the Public collection in `to`, a video is unlisted (shown by link only)."""
    assert import_video(peer.video(channel), peer.host).privacy == 1
    unlisted = import_video(peer.video(channel, to=[]), peer.host)
    assert unlisted.privacy == 2


def _new_image_urls(peer, data: dict) -> dict:
    """The origin replaced the video's images: PeerTube gives them new URLs."""
    for icon in data["icon"]:
        icon["url"] = icon["url"].replace(".jpg", "-v2.jpg")
        peer.serve(icon["url"].removeprefix(peer.base), jpeg(), content_type="image/jpeg")
    return data


def _image_keys(video: Video) -> list[str]:
    return sorted(
        [f"lazy-static/thumbnails/{video.thumbnail_filename}", f"lazy-static/previews/{video.preview_filename}"]
    )


def test_with_object_storage_a_remote_videos_images_are_in_the_images_bucket(
    peer, channel, bucket, client, django_capture_on_commit_callbacks
):
    """A second web node shares no disk: a remote video's thumbnail and preview go where a new local video's
    files go, viewers fetch them from the bucket, an Update replaces them there, and deleting it empties it."""
    data = peer.video(channel)
    video = import_video(data, peer.host)

    assert video.storage == FileStorage.OBJECT_STORAGE
    first = _image_keys(video)
    assert bucket.keys() == first and all(bucket.is_public(key) for key in first)
    assert images() == [] and orphaned_paths(min_age=0) == []  # nothing on this node's disk
    details = client.get(f"/api/v1/videos/{video.uuid}").json()
    # Its HLS files stay on the origin, reached through our proxy, never looked for in the buckets.
    [playlist] = details["streamingPlaylists"]
    assert f"/remote/streaming-playlists/hls/{video.uuid}/" in playlist["playlistUrl"]
    assert all(f"/remote/streaming-playlists/hls/{video.uuid}/" in file["fileUrl"] for file in playlist["files"])
    rendition = playlist["files"][0]["id"]
    assert client.get(f"/download/videos/generate/{video.uuid}?videoFileIds={rendition}").status_code == 404
    page = client.get(f"/w/{video.short_uuid}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert details["previewPath"] in page
    for path in (details["thumbnailPath"], details["previewPath"]):
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith(f"{bucket.endpoint}/{bucket.name}/")
        assert answer["Location"].removeprefix(f"{bucket.endpoint}/{bucket.name}/") in first
        image = requests.get(answer["Location"], timeout=10)
        assert image.status_code == 200 and image.content == jpeg()
        assert image.headers["Content-Type"] == "image/jpeg"

    import_video({**data, "name": "Gained a rendition"}, peer.host)  # same images: not fetched again
    for icon in data["icon"]:
        assert len(peer.requests_to(icon["url"].removeprefix(peer.base))) == 1
    assert bucket.keys() == first

    updated = import_video(_new_image_urls(peer, data), peer.host)
    second = _image_keys(updated)
    assert updated.pk == video.pk and updated.storage == FileStorage.OBJECT_STORAGE
    assert bucket.keys() == second and not set(second) & set(first)  # the old objects are gone
    assert images() == []

    with django_capture_on_commit_callbacks(execute=True):
        assert delete_video(data["id"], peer.host) is True
    assert bucket.keys() == []


def test_a_remote_video_imported_before_object_storage_keeps_its_images_on_disk(peer, channel, bucket, settings):
    """Configuring object storage moves nothing: a remote video already here keeps its storage, and the new
    images an Update brings go where its others are."""
    configured = settings.OBJECT_STORAGE
    settings.OBJECT_STORAGE = {**configured, "endpoint": ""}
    data = peer.video(channel)
    video = import_video(data, peer.host)
    settings.OBJECT_STORAGE = configured
    before = images()

    updated = import_video(_new_image_urls(peer, data), peer.host)

    assert updated.storage == video.storage == FileStorage.FILE_SYSTEM
    assert len(images()) == 2 and not set(images()) & set(before) and bucket.keys() == []


def test_with_object_storage_a_failed_save_leaves_no_image_in_the_bucket(peer, channel, bucket, monkeypatch):
    from federation.inbound import remote_videos

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(remote_videos, "_save", broken)
    with pytest.raises(RuntimeError):
        import_video(peer.video(channel), peer.host)
    assert bucket.keys() == [] and not Video.objects.exists()


def test_with_object_storage_our_copy_of_a_remote_videos_hls_is_served_from_disk(peer, channel, bucket, client):
    """Our mirror of a followed instance's HLS files (docs/redundancy.md) stays on this disk even when the
    video's images are in a bucket."""
    video = import_video(peer.video(channel), peer.host)
    copy = mirror_dir(video.uuid) / "a1b2-720-fragmented.mp4"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"\0" * 16)

    answer = client.get(f"/static/redundancy/hls/{video.uuid}/{copy.name}", HTTP_RANGE="bytes=2-5")

    assert answer.status_code == 206 and b"".join(answer.streaming_content) == b"\0" * 4


def test_moving_storage_leaves_a_remote_video_in_the_buckets_alone(peer, channel, bucket, monkeypatch):
    """`move_video_storage` moves our own videos' files; a remote video's images stay where it has them."""
    from django.core.management import call_command

    queued = []
    monkeypatch.setattr(
        "videos.management.commands.move_video_storage.queue_on_commit", lambda task, pk: queued.append(pk)
    )
    video = import_video(peer.video(channel), peer.host)

    call_command("move_video_storage", "--to", "file-system")
    call_command("move_video_storage", "--to", "file-system", "--video", str(video.uuid))

    video.refresh_from_db()
    assert queued == [] and video.storage == FileStorage.OBJECT_STORAGE and bucket.keys() == _image_keys(video)
