"""Which videos a viewer may see, in one place, so every read path enforces privacy the same way."""
from django.db.models import Q, QuerySet

from videos.constants import VideoPrivacy, VideoState
from videos.models import User, Video


def _is_playable() -> Q:
    """Published, or still transcoding when the uploader chose not to wait (PeerTube's rule)."""
    return Q(state=VideoState.PUBLISHED) | Q(state=VideoState.TO_TRANSCODE, wait_transcoding=False)


def listed_videos(user: User | None = None) -> QuerySet[Video]:
    """Videos that appear in public lists: playable and public (internal ones too for logged-in users)."""
    privacies = [VideoPrivacy.PUBLIC]
    if user is not None and user.is_authenticated:
        privacies.append(VideoPrivacy.INTERNAL)
    return Video.objects.filter(_is_playable(), privacy__in=privacies)


def may_watch(user: User | None, video: Video) -> bool:
    """Public and unlisted videos are for anyone with the link; private ones for their owner and moderators."""
    if video.privacy in (VideoPrivacy.PUBLIC, VideoPrivacy.UNLISTED):
        return True
    if user is None or not user.is_authenticated:
        return False
    if video.privacy == VideoPrivacy.INTERNAL:
        return True
    return video.channel.account.user_id == user.pk or user.can_see_all_videos


def may_manage(user: User | None, video: Video) -> bool:
    """The owner may edit or delete a video, and so may moderators and admins."""
    if user is None or not user.is_authenticated:
        return False
    return video.channel.account.user_id == user.pk or user.can_see_all_videos
