"""Admin user management: quotas within PeerTube's bounds, creation all or nothing, one user per e-mail."""

import pytest
from django.contrib.auth import get_user_model

from tests.api.conftest import bearer
from tests.factories import root_password
from videos.models import Account, Channel

pytestmark = pytest.mark.django_db

TOO_BIG = 10**30  # more than the BigInteger column holds


@pytest.fixture
def admin_token(login) -> str:
    return login("root", root_password())


def _new_user(**fields) -> dict:
    return {"username": "frank", "password": "frankpass", "email": "f@x.org", "role": 2, **fields}


@pytest.mark.parametrize("field", ["videoQuota", "videoQuotaDaily"])
@pytest.mark.parametrize("value", [TOO_BIG, -2])
def test_creation_with_a_quota_out_of_bounds_is_refused_and_leaves_nothing(api, admin_token, field, value):
    response = api.post("/api/v1/users", _new_user(**{field: value}), format="json", **bearer(admin_token))
    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["invalid-params"]
    assert not get_user_model().objects.filter(username="frank").exists()
    assert (
        not Account.objects.filter(name="frank").exists() and not Channel.objects.filter(name="frank_channel").exists()
    )


def test_creation_keeps_both_quotas(api, admin_token):
    created = api.post(
        "/api/v1/users", _new_user(videoQuota=2**63 - 1, videoQuotaDaily=-1), format="json", **bearer(admin_token)
    )
    assert created.status_code == 200, created.content
    frank = get_user_model().objects.get(username="frank")
    assert (frank.video_quota, frank.video_quota_daily) == (2**63 - 1, -1)


@pytest.mark.parametrize("field", ["videoQuota", "videoQuotaDaily"])
def test_update_with_a_quota_out_of_bounds_is_refused(api, admin_token, user, field):
    response = api.put(f"/api/v1/users/{user.pk}", {field: TOO_BIG}, format="json", **bearer(admin_token))
    assert response.status_code == 400 and field in response.json()["invalid-params"]
    user.refresh_from_db()
    assert (user.video_quota, user.video_quota_daily) == (-1, -1)


def test_update_to_another_users_email_is_a_conflict(api, admin_token, user, bob):
    user.email = "alice@x.org"
    user.save()
    response = api.put(
        f"/api/v1/users/{bob.pk}", {"email": "ALICE@x.org", "role": 1}, format="json", **bearer(admin_token)
    )
    assert response.status_code == 409 and response["Content-Type"].startswith("application/problem+json")
    assert response.json()["detail"] == "User with this email already exists."
    bob.refresh_from_db()
    assert bob.email != "ALICE@x.org" and bob.role == 2


def test_update_may_keep_or_recase_its_own_email(api, admin_token, user):
    user.email = "alice@x.org"
    user.save()
    assert (
        api.put(f"/api/v1/users/{user.pk}", {"email": "Alice@X.org"}, format="json", **bearer(admin_token)).status_code
        == 204
    )
    user.refresh_from_db()
    assert user.email == "Alice@X.org"
