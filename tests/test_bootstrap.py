"""`migrate` leaves a usable instance: the root admin with its account and channel, the instance actor."""

import pytest
from cryptography.hazmat.primitives import serialization

from federation.models import Actor
from videos.constants import UserRole
from videos.models import Channel


@pytest.mark.django_db
def test_root_admin_with_account_and_default_channel(admin_user):
    assert admin_user.role == UserRole.ADMINISTRATOR and admin_user.is_superuser
    assert admin_user.account.name == "root"
    assert Channel.objects.filter(account=admin_user.account, name="root_channel").exists()


@pytest.mark.django_db
def test_instance_actor_has_a_usable_keypair():
    actor = Actor.objects.get(type="Application", preferred_username="peertube", host="")
    private_key = serialization.load_pem_private_key(actor.private_key_pem.encode(), password=None)
    public_key = serialization.load_pem_public_key(actor.public_key_pem.encode())
    assert private_key.key_size == 2048
    assert private_key.public_key().public_numbers() == public_key.public_numbers()


def test_generated_root_password_is_printed_once(tmp_path):
    import subprocess
    import sys

    from tests.live import REPO

    env = {"SIDEWAYS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    first = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    second = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Log in as: root   password: " in first.stdout
    assert "password" not in second.stdout
    assert (tmp_path / "db.sqlite3").exists() and (tmp_path / "secret_key").exists()
