"""PeerTube's thumbnailfile/previewfile: the owner's pictures become the video's thumbnail and preview."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.api.conftest import bearer
from tests.factories import api_upload, mark_published
from tests.media import image_size_and_color, picture
from videos.constants import PREVIEW_SIZE, THUMBNAIL_SIZE
from videos.models import Video

pytestmark = pytest.mark.django_db


def test_edit_with_a_thumbnail_and_a_preview(api, alice_token, small_clip, tmp_path):
    video_id = api_upload(api, alice_token, small_clip).json()["video"]["id"]
    mark_published(video_id)
    with (
        picture(tmp_path / "thumb.png", "red").open("rb") as thumb,
        picture(tmp_path / "big.jpg", "blue").open("rb") as big,
    ):
        response = api.put(
            f"/api/v1/videos/{video_id}",
            {"name": "With a cover", "thumbnailfile": thumb, "previewfile": big},
            format="multipart",
            **bearer(alice_token),
        )
    assert response.status_code == 204, response.content
    details = api.get(f"/api/v1/videos/{video_id}").json()
    assert details["name"] == "With a cover"
    thumbnail = Video.objects.get(pk=video_id)
    size, colour = image_size_and_color(Path(settings.MEDIA_ROOT) / "thumbnails" / thumbnail.thumbnail_filename)
    assert size == THUMBNAIL_SIZE and colour[0] > 200 and colour[2] < 60
    size, colour = image_size_and_color(Path(settings.MEDIA_ROOT) / "previews" / thumbnail.preview_filename)
    assert size == PREVIEW_SIZE and colour[2] > 200 and colour[0] < 60
    assert details["thumbnailPath"].endswith(thumbnail.thumbnail_filename)


def test_upload_with_a_thumbnail_makes_the_preview_from_it_too(api, alice_token, small_clip, tmp_path):
    with picture(tmp_path / "thumb.webp", "green", "400x400").open("rb") as thumb:
        response = api_upload(api, alice_token, small_clip, thumbnailfile=thumb)
    assert response.status_code == 200, response.content
    video = Video.objects.get(pk=response.json()["video"]["id"])
    assert video.images_chosen
    assert image_size_and_color(Path(settings.MEDIA_ROOT) / "previews" / video.preview_filename)[0] == PREVIEW_SIZE


def test_a_file_that_is_not_a_picture_changes_nothing(api, alice_token, small_clip, tmp_path):
    video_id = api_upload(api, alice_token, small_clip).json()["video"]["id"]
    fake = tmp_path / "fake.png"
    fake.write_text("not a picture")
    with fake.open("rb") as thumb:
        response = api.put(
            f"/api/v1/videos/{video_id}",
            {"name": "Renamed", "thumbnailfile": thumb},
            format="multipart",
            **bearer(alice_token),
        )
    assert response.status_code == 400 and "thumbnailfile" in response.json()["invalid-params"]
    video = Video.objects.get(pk=video_id)
    assert video.name == "My clip" and not video.images_chosen
    with small_clip.open("rb") as not_an_image:
        assert api_upload(api, alice_token, small_clip, thumbnailfile=not_an_image).status_code == 400
    assert Video.objects.count() == 1
