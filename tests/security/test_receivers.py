"""Signal receivers only queue work: one that raises never changes the state of the video that sent the
signal, nor the answer of the request (issue 14, dead services)."""

import pytest

from tests.factories import api_upload, upload_and_transcode
from transcoding import tasks
from transcoding.models import TranscodingJob
from transcoding.pipeline import source_path
from videos.constants import VideoState
from videos.models import Video
from videos.services import editing
from videos.signals import video_published, video_updated, video_uploaded
from videos.storage import hls_dir

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broken_receivers():
    """A receiver with a bug, listening to what uploads, transcodes and edits send."""

    def explode(sender: type, **kwargs: object) -> None:
        raise RuntimeError("a receiver with a bug")

    signals = (video_uploaded, video_published, video_updated)
    for signal in signals:
        signal.connect(explode, dispatch_uid="tests.security.explode")
    yield
    for signal in signals:
        signal.disconnect(dispatch_uid="tests.security.explode")


@pytest.fixture
def one_rung(settings, monkeypatch):
    settings.SIDEWAYS_TRANSCODING_RESOLUTIONS = [144]
    monkeypatch.setattr(tasks.transcode_video, "delay", lambda job_id: None)  # run in-process below


def test_a_receiver_that_raises_after_a_transcode_leaves_the_video_published(
    user, small_clip, one_rung, broken_receivers
):
    video = upload_and_transcode(user, small_clip)
    assert video.state == VideoState.PUBLISHED and video.state_error == ""
    assert video.transcoding_jobs.get().status == TranscodingJob.Status.DONE
    playlist = video.streaming_playlists.get()
    assert (hls_dir(video.uuid) / playlist.playlist_filename).is_file()
    assert all((hls_dir(video.uuid) / f.filename).is_file() for f in playlist.files.all())


def test_a_receiver_that_raises_leaves_an_edit_saved(user, small_clip, one_rung, broken_receivers):
    video = upload_and_transcode(user, small_clip)
    editing.save_edits(video, {"name": "Renamed despite the bug"})
    assert Video.objects.get(pk=video.pk).name == "Renamed despite the bug"


def test_a_receiver_that_raises_does_not_change_the_upload_answer(
    api, alice_token, small_clip, one_rung, broken_receivers
):
    response = api_upload(api, alice_token, small_clip)
    assert response.status_code == 200, response.content
    video = Video.objects.get(pk=response.json()["video"]["id"])
    assert video.state == VideoState.TO_TRANSCODE
    assert video.transcoding_jobs.get().status == TranscodingJob.Status.PENDING  # transcoding's own receiver ran
    assert source_path(video).is_file()
