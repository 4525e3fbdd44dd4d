"""Local users with their account and default channel, and the root admin made at first start; deleting
channels, accounts and users (each of their videos through the one video deletion)."""

import secrets
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from videos.constants import INSTANCE_ACTOR_NAME, UserRole
from videos.models import Account, Channel, RetiredHandle, User, Video
from videos.services.editing import delete_video
from videos.signals import account_deleted, channel_deleted, send_on_commit


class HandleTaken(ValueError):
    """Account and channel names share one namespace per instance, deleted ones included, as in PeerTube."""


# Names no local account or channel may take (see INSTANCE_ACTOR_NAME).
RESERVED_HANDLES = frozenset({INSTANCE_ACTOR_NAME})


def local_handle_taken(name: str) -> bool:
    """Whether a local account or channel has, or had, this name (see RetiredHandle)."""
    return (
        name.lower() in RESERVED_HANDLES
        or Account.objects.filter(name=name, host="").exists()
        or Channel.objects.filter(name=name, host="").exists()
        or RetiredHandle.objects.filter(name=name).exists()
    )


def _retire(owner: Account | Channel) -> None:
    if owner.is_local:
        RetiredHandle.objects.get_or_create(name=owner.name)


def email_taken(email: str, by_other_than: User | None = None) -> bool:
    """Whether another user has this e-mail address (case-insensitive): people log in with it too."""
    users = get_user_model().objects.filter(email__iexact=email)
    if by_other_than is not None:
        users = users.exclude(pk=by_other_than.pk)
    return users.exists()


def revoke_tokens(user: User) -> None:
    """Delete every OAuth access and refresh token of the user: each app must log in again."""
    get_refresh_token_model().objects.filter(user=user).delete()
    get_access_token_model().objects.filter(user=user).delete()


class RevokeAccessOnPasswordChange:
    """Registered in AUTH_PASSWORD_VALIDATORS for its `password_changed` hook, which Django calls whenever
    a user is saved with a new password, wherever it was set (API, Django admin, `changepassword`).

    A new password must shut out whoever had the old one: their OAuth tokens are revoked here, and their
    sessions end on their next request because Django checks each session against the password hash
    (the session that made the change is kept by `update_session_auth_hash`). It sets no rule of its own.
    """

    def validate(self, password: str, user: User | None = None) -> None:
        return None

    def password_changed(self, password: str, user: User | None = None) -> None:
        if user is not None and user.pk is not None:
            revoke_tokens(user)

    def get_help_text(self) -> str:
        return ""


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
        raise HandleTaken(f"The name {username!r} is taken, or was, on this instance.")
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


def delete_channel(channel: Channel) -> None:
    """Delete the channel with each of its videos, as one transaction.

    The database would cascade to the videos, but then their files would stay on disk and followers would
    never hear of it: each goes through delete_video instead (files removed and video_deleted sent after
    commit), then channel_deleted is sent. A local channel's name is retired.
    """
    with transaction.atomic():
        # Locked first: an upload into the channel now waits (then fails) instead of slipping in between
        # the listing and the cascade, which would leave its files behind.
        Channel.objects.select_for_update().filter(pk=channel.pk).first()
        for video in Video.objects.filter(channel=channel).select_related("channel__account"):
            delete_video(video)
        _retire(channel)
        channel.delete()
        send_on_commit(channel_deleted, Channel, channel=channel)


def delete_account(account: Account) -> None:
    """Delete the account, each of its channels through delete_channel, then send account_deleted. A local
    account's name is retired."""
    with transaction.atomic():
        for channel in account.channels.all():
            delete_channel(channel)
        _retire(account)
        account.delete()
        send_on_commit(account_deleted, Account, account=account)


def delete_user(user: User) -> None:
    """Delete a user with its account, channels and videos (see delete_account), as one transaction."""
    with transaction.atomic():
        account = Account.objects.filter(user=user).first()
        if account is not None:
            delete_account(account)
        user.delete()
