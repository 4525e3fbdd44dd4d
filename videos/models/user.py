from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from videos.constants import UserRole


def default_video_quota() -> int:
    return settings.SIDEWAYS_DEFAULT_VIDEO_QUOTA


class User(AbstractUser):
    """A login on this instance. Its public face is the Account (see Account.user)."""

    role = models.PositiveSmallIntegerField(choices=UserRole.choices, default=UserRole.USER)
    # Bytes of original uploads allowed in total / per 24 h; -1 means unlimited (PeerTube's convention).
    video_quota = models.BigIntegerField(default=default_video_quota)
    video_quota_daily = models.BigIntegerField(default=-1)
    nsfw_policy = models.CharField(max_length=10, default="blur")
    p2p_enabled = models.BooleanField(default=True)
    auto_play_video = models.BooleanField(default=True)

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMINISTRATOR

    @property
    def can_see_all_videos(self) -> bool:
        return self.role in (UserRole.ADMINISTRATOR, UserRole.MODERATOR)
