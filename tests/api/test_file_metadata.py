"""GET /api/v1/videos/{id}/metadata/{fileId} (each file's `metadataUrl`): ffprobe's findings as PeerTube
answers them, within the video's privacy, with problem+json errors."""

import pytest

from tests.api.conftest import bearer
from tests.factories import upload_and_transcode
from videos.api.file_metadata import peertube_file_metadata
from videos.constants import VideoPrivacy
from videos.models import Video, VideoFile

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def video(transcoded_video: Video) -> Video:
    return transcoded_video


def _metadata_urls(api, video: Video, token: str | None = None) -> dict[int, str]:
    """Resolution -> the `metadataUrl` of GET /api/v1/videos/{id}, for the web video and the HLS file."""
    details = api.get(f"/api/v1/videos/{video.uuid}", **(bearer(token) if token else {})).json()
    files = details["files"] + details["streamingPlaylists"][0]["files"]
    return {file["resolution"]["id"]: file["metadataUrl"] for file in files}


def test_each_file_metadata_url_answers_ffprobe_streams_and_format(api, video):
    urls = _metadata_urls(api, video)
    web_video, hls_file = video.files.get(), video.streaming_playlists.get().files.get()
    assert urls == {
        240: f"http://testserver/api/v1/videos/{video.uuid}/metadata/{web_video.pk}",
        144: f"http://testserver/api/v1/videos/{video.uuid}/metadata/{hls_file.pk}",
    }
    for resolution, (width, height) in {240: (320, 240), 144: (192, 144)}.items():
        response = api.get(urls[resolution])
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"streams", "format", "chapters"} and body["chapters"] == []
        streams = {stream["codec_type"]: stream for stream in body["streams"]}
        assert (streams["video"]["codec_name"], streams["video"]["width"], streams["video"]["height"]) == (
            "h264",
            width,
            height,
        )
        assert streams["audio"]["codec_name"] == "aac" and streams["audio"]["sample_rate"] == 48000
        assert "mp4" in body["format"]["format_name"]
        assert abs(body["format"]["duration"] - 3) < 0.5  # a number, as fluent-ffmpeg gives PeerTube
        assert body["format"]["nb_streams"] == 2
        assert "filename" not in body["format"]  # the server's own path stays private


def test_numbers_are_numbers_and_tags_stay_text():
    probe_output = {
        "format": {
            "filename": "/data/x.mp4",
            "duration": "3.000000",
            "size": "1234",
            "bit_rate": "N/A",
            "tags": {"encoder": "Lavf60"},
        },
        "streams": [{"index": 0, "r_frame_rate": "25/1", "bit_rate": "128000", "tags": {"language": "und"}}],
    }
    assert peertube_file_metadata(probe_output) == {
        "format": {"duration": 3, "size": 1234, "bit_rate": "N/A"},  # only technical tags are answered
        "streams": [{"index": 0, "r_frame_rate": "25/1", "bit_rate": 128000, "tags": {"language": "und"}}],
        "chapters": [],
    }


def test_a_private_video_metadata_is_for_its_owner(api, video, alice_token, bob_token):
    url = _metadata_urls(api, video)[240]
    Video.objects.filter(pk=video.pk).update(privacy=VideoPrivacy.PRIVATE)
    anonymous = api.get(url)
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"].startswith("application/problem+json")
    assert api.get(url, **bearer(bob_token)).status_code == 403
    assert api.get(url, **bearer(alice_token)).status_code == 200


def test_unknown_files_and_files_without_metadata_are_not_found(api, video, user, small_clip):
    web_video = video.files.get()
    other = upload_and_transcode(user, small_clip)
    response = api.get(f"/api/v1/videos/{other.uuid}/metadata/{web_video.pk}")  # a file of another video
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 404
    assert api.get(f"/api/v1/videos/{video.uuid}/metadata/999999").status_code == 404
    assert api.get(f"/api/v1/videos/00000000-0000-4000-8000-000000000000/metadata/{web_video.pk}").status_code == 404

    VideoFile.objects.filter(pk=web_video.pk).update(metadata={})  # a followed instance's file is not probed here
    assert api.get(f"/api/v1/videos/{video.uuid}/metadata/{web_video.pk}").status_code == 404
