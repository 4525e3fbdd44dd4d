"""Local users with their account and default channel, and the root admin made at first start."""
import secrets
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction

from videos.constants import UserRole
from videos.models import Account, Channel, User


class HandleTaken(ValueError):
    """Account and channel names share one namespace per instance, as in PeerTube."""


# Names no local account or channel may take: "peertube" is the instance's own ActivityPub actor
# (/accounts/peertube, peertube@host), which peers look up by that name.
RESERVED_HANDLES = frozenset({"peertube"})


def local_handle_taken(name: str) -> bool:
    return (
        name.lower() in RESERVED_HANDLES
        or Account.objects.filter(name=name, host="").exists()
        or Channel.objects.filter(name=name, host="").exists()
    )


def email_taken(email: str, by_other_than: User | None = None) -> bool:
    """Whether another user has this e-mail address (case-insensitive): people log in with it too."""
    users = get_user_model().objects.filter(email__iexact=email)
    if by_other_than is not None:
        users = users.exclude(pk=by_other_than.pk)
    return users.exists()


def default_channel_name(username: str) -> str:
    return f"{username}_channel"


@transaction.atomic
def create_local_user(
    username: str,
    password: str,
    email: str = "",
    role: int = UserRole.USER,
    video_quota: int | None = None,
    video_quota_daily: int = -1,
) -> User:
    """Create a user with its public account and default channel (PeerTube gives every user one).

    All in one transaction: a failure leaves no user that could log in without an account or channel.
    """
    channel_name = default_channel_name(username)
    if local_handle_taken(username) or local_handle_taken(channel_name):
        raise HandleTaken(f"The name {username!r} is already taken on this instance.")
    extra = {} if video_quota is None else {"video_quota": video_quota}
    user = get_user_model().objects.create_user(
        username=username,
        password=password,
        email=email,
        role=role,
        video_quota_daily=video_quota_daily,
        is_staff=role == UserRole.ADMINISTRATOR,
        is_superuser=role == UserRole.ADMINISTRATOR,
        **extra,
    )
    account = Account.objects.create(user=user, name=username, display_name=username)
    Channel.objects.create(account=account, name=channel_name, display_name=f"Main {username} channel")
    return user


def ensure_root_admin(password: str, stdout: TextIO) -> User | None:
    """Create the `root` administrator once; a generated password is printed that one time only."""
    if get_user_model().objects.filter(username="root").exists():
        return None
    generated = not password
    password = password or secrets.token_urlsafe(12)
    user = create_local_user("root", password, role=UserRole.ADMINISTRATOR, video_quota=-1)
    if generated:
        stdout.write(
            "\n  SideWays Tube administrator created.\n"
            f"  Log in as: root   password: {password}\n"
            "  (shown only this once; set SIDEWAYS_ROOT_PASSWORD to choose it)\n\n"
        )
    return user
