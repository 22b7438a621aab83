"""What every signed-in request reads (session, user, second-factor device, unread count) is read by
SQL written once (docs/performance.md); these are the refusals that reading must keep."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from conftest import verify_second_factor
from gongzhi.accounts.models import RecoveryCodeDevice, TOTPDevice
from gongzhi.core import services as core_services

pytestmark = pytest.mark.django_db


def _home(client):
    return client.get(reverse("core:home"))


def test_an_expired_session_signs_the_user_out(client, tree, make_user, login, roles):
    login(make_user(roles.GRID_WORKER, tree.grid_a1))
    assert _home(client).status_code == 200
    Session.objects.filter(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    page = _home(client)
    assert page.status_code == 302 and reverse("accounts:login") in page["Location"]


def test_a_deactivated_user_is_signed_out_at_the_next_request(client, tree, make_user, login, roles):
    user = make_user(roles.GRID_WORKER, tree.grid_a1)
    login(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    page = _home(client)
    assert page.status_code == 302 and reverse("accounts:login") in page["Location"]


def test_the_second_factor_counts_only_with_the_users_own_confirmed_device(client, tree, make_user, roles):
    worker = make_user(roles.GRID_WORKER, tree.grid_a1)
    other = make_user(roles.GRID_WORKER, tree.grid_a2)
    client.force_login(worker)
    verify_second_factor(client, worker)
    assert _home(client).status_code == 200

    for device in [
        TOTPDevice.objects.create(user=other, name="theirs", confirmed=True),
        TOTPDevice.objects.create(user=worker, name="unconfirmed", confirmed=False),
    ]:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        page = _home(client)
        assert page.status_code == 302, device.name  # sent to two-factor sign-in
        assert DEVICE_ID_SESSION_KEY not in client.session

    codes = RecoveryCodeDevice.objects.create(user=worker, name="codes", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = codes.persistent_id
    session.save()
    assert _home(client).status_code == 200


def test_the_bell_counts_the_unread_notifications(client, tree, make_user, login, roles):
    user = make_user(roles.GRID_WORKER, tree.grid_a1)
    for title in ["一", "二", "三"]:
        core_services.notification_send(user=user, title=title)
    user.notifications.filter(title="一").update(read_at=timezone.now())
    page = login(user).get(reverse("core:home")).content.decode()
    assert '<span class="badge">2</span>' in page
