"""Tier 2: search ranked by PostgreSQL's full-text search (tier 1's SQLite matches substrings instead)."""

import pytest

from tests.factories import make_video, publish_video
from videos.constants import VideoPrivacy, VideoState
from videos.models import Tag
from videos.services.search import search_videos

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def postgres(settings) -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL (tier 2)")


def test_name_ranks_above_description_and_tags_match_exactly(postgres, user):
    channel = user.account.channels.get()
    in_description = publish_video(channel, "Spring notes", description="All about gardening, gardening tools")
    in_name = publish_video(channel, "Gardening basics")
    tagged = publish_video(channel, "Allotment diary")
    tagged.tags.add(Tag.objects.create(name="gardening"))
    publish_video(channel, "Cooking", description="No plants here")
    publish_video(channel, "Gardening secret", privacy=VideoPrivacy.PRIVATE)
    make_video(channel, "Gardening draft", state=VideoState.TO_TRANSCODE)  # not published yet

    total, found = search_videos("gardening", None, 0, 10)
    assert total == 3
    assert found[0] == in_name and set(found) == {in_name, in_description, tagged}
    assert search_videos("gardening", None, 1, 1) == (3, [found[1]])


def test_the_document_follows_edits(postgres, user):
    video = publish_video(user.account.channels.get(), "Before")
    assert search_videos("after", None, 0, 10) == (0, [])
    video.name = "After the edit"
    video.save()
    assert search_videos("after", None, 0, 10) == (1, [video])
    assert search_videos("before", None, 0, 10) == (0, [])


def test_web_search_syntax(postgres, user):
    channel = user.account.channels.get()
    both = publish_video(channel, "Gardening and cooking")
    publish_video(channel, "Gardening only")
    assert search_videos('"gardening and cooking"', None, 0, 10) == (1, [both])
    assert search_videos("gardening -only", None, 0, 10) == (1, [both])
