"""Mass assignment on the API write endpoints of every business app (issue 3): a POST body that
also carries fields the caller must not set (is_staff, is_superuser, balance, status, org_unit,
the author, the id) is answered as if they were absent. Each test sends a valid body plus EXTRA and
checks the stored row against what the endpoint alone decides."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.core.models import OrgUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra(tree, make_user, roles):
    intruder = make_user(roles.COMMUNITY_STAFF, tree.community_b)
    return {
        "is_staff": True,
        "is_superuser": True,
        "balance": 999999,
        "status": "approved",
        "state": "approved",
        "org_unit": tree.community_b.pk,
        "community": tree.community_b.pk,
        "created_by": intruder.pk,
        "created_by_id": intruder.pk,
        "user": intruder.pk,
        "id": 999999,
        "pk": 999999,
    }


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def assert_no_privilege_gained(user):
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser
    assert not User.objects.filter(is_superuser=True).exists()


def _resident(grid, name="卓玛", user=None, age=40):
    from gongzhi.registry import services as registry_services

    household = registry_services.household_create(actor=None, org_unit=grid, address=f"纳金路{name}号")
    return registry_services.resident_create(
        actor=None,
        household=household,
        name=name,
        gender="female",
        birth_date=datetime.date(2026 - age, 1, 1),
        relationship_to_head="head",
        user=user,
    )


# --- points --------------------------------------------------------------------------------------


def test_points_award_reward_and_redemption_ignore_extra_fields(tree, make_user, login, roles, extra):
    from gongzhi.points import services
    from gongzhi.points.models import PointAccount, PointEntry, Redemption, Reward

    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    services.policy_save(actor=None, org_unit=tree.community_a, approval_threshold=50, expiry_months=None)
    services.rule_create(
        actor=None,
        org_unit=tree.community_a,
        code="cleanup",
        name="环境整治",
        category="environment",
        points=5,
    )
    resident = _resident(tree.grid_a1)
    client = login(staff)
    body = {"resident_id": resident.pk, "rule_code": "cleanup", "quantity": 2, "idempotency_key": "k1"}
    response = post(client, "/api/v1/points/awards", {**body, **extra, "points": 500})
    assert response.status_code == 201, response.content
    entry = PointEntry.objects.get()
    assert entry.points == 10 and entry.org_unit == tree.community_a
    account = PointAccount.objects.get(resident=resident)
    assert account.balance == 10 and account.org_unit == tree.community_a

    response = post(
        client,
        "/api/v1/points/rewards",
        {"name": "大米 5kg", "points_price": 5, "stock": 3, **extra, "is_active": False},
    )
    assert response.status_code == 201, response.content
    reward = Reward.objects.get()
    assert reward.org_unit == tree.community_a and reward.is_active and reward.stock == 3

    response = post(
        client,
        "/api/v1/points/redemptions",
        {
            "resident_id": resident.pk,
            "items": [{"reward_id": reward.pk, "quantity": 1}],
            "idempotency_key": "r1",
            **extra,
        },
    )
    assert response.status_code == 201, response.content
    redemption = Redemption.objects.get()
    assert redemption.org_unit == tree.community_a and redemption.state == Redemption.State.COMPLETED
    account.refresh_from_db()
    assert account.balance == 5
    assert_no_privilege_gained(staff)


# --- cases ---------------------------------------------------------------------------------------


def test_a_reported_case_ignores_extra_fields(tree, make_user, login, roles, extra):
    from gongzhi.cases import services
    from gongzhi.cases.models import Case

    services.category_save(actor=None, org_unit=tree.community_a, code="general", name="一般诉求")
    user = make_user(roles.RESIDENT, tree.grid_a1)
    _resident(tree.grid_a1, user=user)
    client = login(user)
    body = {"category_code": "general", "description": "楼道灯坏了"}
    intruder = extra["user"]
    response = post(
        client,
        "/api/v1/cases",
        {**body, **{k: v for k, v in extra.items() if k != "org_unit"}, "status": "closed",
         "reporter": intruder, "channel": "red_mailbox", "tracking_code": "X", "rating": 5},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.status == response.json()["status"] != "closed"
    assert case.reporter == user and case.channel == Case.Channel.API
    assert case.tracking_code != "X"
    assert case.community == tree.community_a
    assert_no_privilege_gained(user)


# --- venues --------------------------------------------------------------------------------------


def test_a_booking_ignores_extra_fields(tree, make_user, login, roles, extra):
    from gongzhi.venues.models import Booking
    from gongzhi.venues.tests.factories import at, make_room

    room = make_room(tree.community_a, requires_approval=True)
    resident = make_user(roles.RESIDENT, tree.community_a)
    client = login(resident)
    body = {
        "room_id": room.pk,
        "start": at(2, 10).isoformat(),
        "end": at(2, 12).isoformat(),
        "purpose": "读书会",
        "headcount": 4,
    }
    response = post(
        client, "/api/v1/bookings", {**body, **extra, "status": "confirmed", "booked_by": extra["user"]}
    )
    assert response.status_code == 201, response.content
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.PENDING  # the room needs approval: still pending
    assert booking.booked_by == resident and booking.org_unit == tree.community_a
    assert_no_privilege_gained(resident)


# --- activities ----------------------------------------------------------------------------------


def test_an_activity_and_an_enrolment_ignore_extra_fields(tree, make_user, login, roles, extra):
    from gongzhi.activities.models import Activity, Enrolment
    from gongzhi.activities.tests.factories import at

    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    client = login(staff)
    body = {
        "title": "夕阳课堂",
        "category": "elderly_class",
        "capacity": 1,
        "enrol_opens": at(-1, 0).isoformat(),
        "enrol_closes": at(5, 23).isoformat(),
        "sessions": [{"start": at(7, 10).isoformat(), "end": at(7, 12).isoformat()}],
        "place": "纳金社区广场",
    }
    response = post(client, "/api/v1/activities", {**body, **extra, "status": "cancelled"})
    assert response.status_code == 201, response.content
    activity = Activity.objects.get()
    assert activity.org_unit == tree.community_a and activity.status != "cancelled"
    assert activity.created_by == staff
    resident = _resident(tree.grid_a1)
    response = post(
        client,
        f"/api/v1/activities/{activity.pk}/enrolments",
        {"resident_id": resident.pk, **extra, "status": "attended", "activity_id": 0},
    )
    assert response.status_code == 201, response.content
    enrolment = Enrolment.objects.get()
    assert enrolment.activity == activity and enrolment.status == Enrolment.Status.ENROLLED
    assert_no_privilege_gained(staff)


# --- assistance ----------------------------------------------------------------------------------


def test_an_assistance_application_ignores_extra_fields(tree, make_user, login, roles, extra):
    from gongzhi.assistance.models import Application
    from gongzhi.assistance.tests import factories as f

    f.programmes(tree)
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    hh, (person,) = f.household(tree.grid_a1, members=((85, "head"),))
    client = login(staff)
    body = {"household_id": hh.pk, "programme": "elderly", "beneficiary_id": person.pk, "reason": "高龄"}
    response = post(
        client,
        "/api/v1/assistance/applications",
        {**body, **extra, "state": "enrolled", "amount": "99999", "org_unit_id": tree.grid_b1.pk},
    )
    assert response.status_code == 201, response.content
    app = Application.objects.get()
    assert app.state == Application.State.SUBMITTED
    assert app.org_unit == hh.org_unit
    assert_no_privilege_gained(staff)


# --- economy -------------------------------------------------------------------------------------


def test_economy_tenant_and_payment_ignore_extra_fields(tree, make_user, login, roles, extra):
    from gongzhi.economy import services
    from gongzhi.economy.models import Invoice, Payment, Tenant
    from gongzhi.economy.tests import factories as f

    staff = make_user(roles.FINANCE_STAFF, tree.community_a)  # the finance role keeps the books
    client = login(staff)
    response = post(
        client,
        "/api/v1/economy/tenants",
        {"kind": "enterprise", "name": "雪域茶馆", "credit_code": f.uscc(), **extra},
    )
    assert response.status_code == 201, response.content
    assert Tenant.objects.get().org_unit == tree.community_a
    # The declared org_unit_id may only name one of the caller's communities.
    response = post(
        client,
        "/api/v1/economy/tenants",
        {
            "kind": "enterprise",
            "name": "越界公司",
            "credit_code": f.uscc(),
            "org_unit_id": tree.community_b.pk,
        },
    )
    assert response.status_code == 404 and not Tenant.objects.filter(name="越界公司").exists()

    project = f.project(tree.community_a)
    lease = f.lease(
        f.unit(project), Tenant.objects.get(), datetime.date(2026, 1, 1), datetime.date(2027, 12, 31)
    )
    services.invoices_generate(actor=None, as_of=datetime.date(2026, 1, 31), lease=lease)
    invoice = lease.invoices.get()
    response = post(
        client,
        f"/api/v1/economy/invoices/{invoice.pk}/payments",
        {
            "amount": "100.00",
            "paid_on": "2026-01-10",
            **extra,
            "status": "paid",
            "paid": "999999",
            "invoice_id": 0,
        },
    )
    assert response.status_code == 201, response.content
    payment = Payment.objects.get()
    assert payment.invoice == invoice and payment.amount == Decimal("100.00")
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.status != "paid" and invoice.paid_amount == Decimal("100.00")
    assert_no_privilege_gained(staff)


# --- servicedesk ---------------------------------------------------------------------------------


def test_service_records_and_proofs_ignore_extra_fields(tree, make_user, login, roles, extra):
    from gongzhi.servicedesk import services
    from gongzhi.servicedesk.models import Category, Proof, ServiceItem, ServiceRecord

    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    item = services.item_save(
        actor=None,
        org_unit=tree.community_a,
        code="P01",
        name="居住证明",
        category=Category.PROOFS,
        handling=ServiceItem.Handling.ON_THE_SPOT,
    )
    template = services.template_save(
        actor=None, org_unit=tree.community_a, code="JZ", title="居住证明", item=item, body="兹证明{name}。"
    )
    resident = _resident(tree.grid_a1)
    client = login(staff)
    now = timezone.now().replace(microsecond=0)
    body = {
        "item_id": item.pk,
        "started_at": (now - datetime.timedelta(minutes=10)).isoformat(),
        "ended_at": now.isoformat(),
        "outcome": "done",
        "resident_id": resident.pk,
    }
    response = post(client, "/api/v1/servicedesk/records", {**body, **extra, "staff": extra["user"]})
    assert response.status_code == 201, response.content
    record = ServiceRecord.objects.get()
    assert record.staff == staff and record.org_unit.path.startswith(tree.community_a.path)
    response = post(
        client,
        "/api/v1/servicedesk/proofs",
        {
            "template_id": template.pk,
            "resident_id": resident.pk,
            **extra,
            "revoked_at": now.isoformat(),
            "number": "X",
        },
    )
    assert response.status_code == 201, response.content
    proof = Proof.objects.get()
    assert proof.revoked_at is None and proof.serial == 1 and proof.org_unit == tree.community_a
    assert_no_privilege_gained(staff)


def test_extra_org_units_do_not_exist_in_another_community(tree):
    # The extra "org_unit" the tests send is community B's: none of the rows above landed there.
    assert OrgUnit.objects.filter(pk=tree.community_b.pk).exists()
