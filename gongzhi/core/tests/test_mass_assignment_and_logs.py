"""Mass assignment (extra fields in a POST change nothing) and logs without personal data."""

import datetime
import logging

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from gongzhi.accounts.models import ApiToken, User
from gongzhi.core.models import PartnerUnit
from gongzhi.registry import services as registry_services
from gongzhi.registry.documents import make_id_number
from gongzhi.registry.models import Resident

pytestmark = pytest.mark.django_db

EXTRA = {"is_staff": "on", "is_superuser": "on", "balance": "999999", "status": "approved", "is_active": "on"}


def test_extra_fields_in_an_account_form_change_nothing(tree, make_user, login, roles):
    admin = make_user(roles.SYSTEM_ADMIN, tree.district)
    client = login(admin)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "newbie",
            "display_name": "新人",
            "password": "Norbulingka-2027",
            **EXTRA,
            "org_unit": tree.community_b.pk,
            "session_epoch": "7",
            "password_changed_at": "2000-01-01",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert not user.is_staff and not user.is_superuser
    assert user.session_epoch == 0 and user.password_changed_at.year > 2000
    assert not user.role_assignments.exists()


def test_a_partner_unit_cannot_be_put_into_another_community(tree, make_user, login, roles):
    secretary = make_user(roles.SECRETARY, tree.community_a)
    client = login(secretary)
    data = {"kind": "school", "name": "越界小学", "is_active": "on", **EXTRA}
    response = client.post(reverse("core:partner_create"), {**data, "org_unit": tree.community_b.pk})
    assert response.status_code == 200  # the form refuses the foreign community
    assert not PartnerUnit.objects.filter(name="越界小学").exists()
    client.post(reverse("core:partner_create"), {**data, "org_unit": tree.community_a.pk})
    assert PartnerUnit.objects.get(name="越界小学").org_unit == tree.community_a


def test_a_token_is_always_created_for_the_signed_in_user(tree, make_user, login, roles):
    me = make_user(roles.RESIDENT, tree.grid_a1)
    other = make_user(roles.RESIDENT, tree.grid_a1)
    login(me).post(
        reverse("accounts:token_create"), {"name": "mine", "user": other.pk, "user_id": other.pk, **EXTRA}
    )
    assert ApiToken.objects.get(name="mine").user == me


def test_extra_fields_in_an_api_body_change_nothing(tree, make_user, roles):
    from gongzhi.accounts import services
    from gongzhi.core.services import notification_send

    user = make_user(roles.GRID_WORKER, tree.grid_a1)
    other = make_user(roles.GRID_WORKER, tree.grid_a1)
    notification_send(user=other, title="别人的")
    _t, secret = services.token_create(actor=user, user=user, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.post(
        "/api/v1/core/notifications/read",
        {"user": other.pk, "user_id": other.pk, "is_staff": True, "status": "read", "org_unit": 1},
        content_type="application/json",
    )
    # The extra fields are ignored: the call marks the caller's own (zero) notifications only.
    assert response.status_code == 200 and response.json()["count"] == 0
    assert other.notifications.filter(read_at__isnull=True).count() == 1
    user.refresh_from_db()
    assert not user.is_staff


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        from gongzhi.core.logging import JsonFormatter

        self.lines.append(JsonFormatter().format(record))
        self.lines.append(repr(record.__dict__))


def test_no_id_number_phone_number_or_password_reaches_the_logs(tree, make_user, login, roles, capfd):
    phone, password = "13908919999", "Secret-Pass-2026!"
    number = make_id_number("540102", datetime.date(1990, 2, 3), 41, "male")
    handler = Collect()
    names = ["", "gongzhi", "gongzhi.request", "django", "django.request", "axes", "django_otp"]
    saved = {n: (logging.getLogger(n).level, logging.getLogger(n).disabled) for n in names}
    for n in names:
        logging.getLogger(n).addHandler(handler)
        logging.getLogger(n).setLevel(logging.DEBUG)
    try:
        admin = make_user(roles.SYSTEM_ADMIN, tree.district)
        admin_client = login(admin)
        admin_client.post(
            reverse("accounts:user_create"),
            {"username": "dawa", "display_name": "达瓦", "phone": phone, "password": password},
        )
        anonymous = Client()
        anonymous.post(reverse("accounts:login"), {"username": phone, "password": "Wrong-" + password})
        anonymous.post(reverse("accounts:login"), {"username": phone, "password": password})
        anonymous.get("/?phone=" + phone)
        household = registry_services.household_create(
            actor=admin, org_unit=tree.grid_a1, address="纳金路9号"
        )
        registry_services.resident_create(
            actor=admin,
            household=household,
            name="达瓦",
            gender="male",
            birth_date=datetime.date(1990, 2, 3),
            relationship_to_head="head",
            document_number=number,
            phone=phone,
        )
        # Through the pages as staff do it: register a resident with ID and phone numbers, then
        # unmask them (an audited view of sensitive data) and read the resident over the API.
        staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
        staff_client = login(staff)
        number2 = make_id_number("540102", datetime.date(1991, 4, 5), 43, "female")
        phone2 = "13908918888"
        response = staff_client.post(
            reverse("registry:resident_create", args=[household.pk]),
            {
                "name": "卓嘎",
                "gender": "female",
                "birth_date": "1991-04-05",
                "relationship_to_head": "spouse",
                "document_type": "id_card",
                "document_number": number2,
                "phone": phone2,
            },
        )
        assert response.status_code == 302, response.content.decode()[:500]
        created = Resident.objects.get(name="卓嘎")
        unmasked = staff_client.post(reverse("registry:resident_unmask", args=[created.pk]))
        assert number2 in unmasked.content.decode()  # the page shows it to the permitted user...
        staff_client.get(reverse("api:get_resident", kwargs={"resident_id": created.pk}))
    finally:
        for n in names:
            logging.getLogger(n).removeHandler(handler)
            logging.getLogger(n).setLevel(saved[n][0])
    out, err = capfd.readouterr()
    text = "\n".join(handler.lines) + out + err
    assert "/accounts/login/" in text  # the log was written...
    assert "/registry/" in text and "/unmask/" in text
    for secret in (phone, password, number, "Wrong-" + password, number2, phone2):
        assert secret not in text  # ...but never into the logs, nor do passwords
    assert PASSWORD not in text
