"""A small world built through the domain services: residents, cases, services, points, bookings,
topics and rent in communities A and B of the root conftest's tree."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.cases import services as case_services
from gongzhi.deliberation import services as topic_services
from gongzhi.economy import services as economy_services
from gongzhi.economy.tests import factories as eco
from gongzhi.points.tests.conftest import Bank
from gongzhi.registry import services as registry_services
from gongzhi.servicedesk import services as desk_services
from gongzhi.servicedesk.tests.conftest import Desk

_n = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def resident(grid, name, *, birth=datetime.date(1970, 1, 1), household=None, tags=()):
    household = household or registry_services.household_create(
        actor=None, org_unit=grid, address=f"{grid.name}{next(_n)}号"
    )
    head = not household.members.exists() if hasattr(household, "members") else True
    return registry_services.resident_create(
        actor=None,
        household=household,
        name=name,
        gender="female",
        birth_date=birth,
        relationship_to_head="head" if head else "child",
        care_tags=tags,
    )


class World:
    pass


@pytest.fixture
def world(tree, make_user):
    w = World()
    w.tree = tree
    a, b = tree.community_a, tree.community_b
    w.secretary = make_user(Role.SECRETARY, a)
    w.staff_b = make_user(Role.COMMUNITY_STAFF, b)
    w.street_staff = make_user(Role.STREET_STAFF, tree.street)
    w.county_staff = make_user(Role.COUNTY_STAFF, tree.district)
    w.auditor = make_user(Role.AUDITOR, tree.district)
    w.display = make_user(Role.DISPLAY, a)
    w.grid_worker = make_user(Role.GRID_WORKER, tree.grid_a1)

    # Residents: 3 in A (one elderly), 1 moved out, 2 in B.
    w.elder = resident(tree.grid_a1, "次仁老人", birth=datetime.date(1950, 3, 1))
    resident(tree.grid_a2, "达娃")
    gone = resident(tree.grid_a2, "搬走的人")
    registry_services.resident_move_out(actor=None, resident=gone, on=timezone.localdate(), note="")
    resident(tree.grid_b1, "央金")
    resident(tree.grid_b2, "格桑")

    # Cases: three in A (one answered and resolved and rated), one in B.
    w.general = case_services.category_save(actor=None, org_unit=a, code="g", name="一般诉求")
    general_b = case_services.category_save(actor=None, org_unit=b, code="gb", name="B 一般诉求")
    w.case_worker = make_user(Role.GRID_WORKER, tree.grid_a1)
    cases = [
        case_services.case_create(
            actor=w.secretary,
            channel="staff_entry",
            category=w.general,
            description="楼道灯坏了",
            org_unit=tree.grid_a1,
        )
        for _ in range(3)
    ]
    for action in ("accept", "assign", "start", "resolve"):
        cases[0] = case_services.case_transition(
            actor=w.case_worker, case=cases[0], action=action, note="已处理" if action == "resolve" else ""
        )
    case_services.case_create(
        actor=w.staff_b,
        channel="staff_entry",
        category=general_b,
        description="路灯不亮",
        org_unit=tree.grid_b1,
    )

    # Service desk: two services in A, one rated satisfied.
    desk = Desk(tree, make_user)
    start = timezone.now() - datetime.timedelta(hours=2)
    records = [
        desk_services.record_create(
            actor=desk.staff,
            item=desk.proof_item,
            channel="counter",
            started_at=start,
            ended_at=start + datetime.timedelta(minutes=5),
            outcome="done",
            resident=desk.resident,
        )
        for _ in range(2)
    ]
    desk_services.rating_submit(record=records[0], level="satisfied", via="tablet")
    w.desk = desk

    # Points: awards in A.
    bank = Bank(tree, make_user)
    bank.award(bank.alice, "cleanup", 2)
    bank.award(bank.bob, "volunteer", 3)
    w.bank = bank

    # Deliberation: two topics in A.
    for title in ("停车难", "垃圾分类"):
        topic_services.topic_create(actor=w.secretary, org_unit=a, title=title, description="议题")

    # Collective economy: a project in A with one let unit and a payment.
    project = eco.project(a)
    unit = eco.unit(project, area="80.00")
    eco.unit(project, number="A102", area="20.00")
    today = timezone.localdate()
    lease = eco.lease(
        unit, eco.enterprise(a), today.replace(day=1), today.replace(day=1) + datetime.timedelta(days=400)
    )
    economy_services.invoices_generate(actor=None, as_of=today, lease=lease)
    invoice = lease.invoices.order_by("period_start").first()
    if invoice is not None:
        economy_services.payment_record(actor=None, invoice=invoice, amount=Decimal("100.00"), paid_on=today)
    w.project = project
    return w
