"""Fixtures of the service desk: a catalogue, two counters and residents in community A (and one
in community B), all built through the services."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from gongzhi.accounts.roles import Role
from gongzhi.core import services as core_services
from gongzhi.registry import services as registry_services
from gongzhi.registry.models import Resident
from gongzhi.servicedesk import services
from gongzhi.servicedesk.models import Category, ServiceItem

TZ = timezone.get_fixed_timezone(480)
# A Monday at 10:00 Lhasa office time (a working day in the standard calendar).
MONDAY = datetime.date(2026, 6, 1)
MONDAY_10 = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=TZ)


def make_resident(grid, name, *, user=None, head=True, document=""):
    household = registry_services.household_create(actor=None, org_unit=grid, address=f"{grid.name}{name}家")
    return registry_services.resident_create(
        actor=None,
        household=household,
        name=name,
        gender="male",
        birth_date=datetime.date(1970, 5, 4),
        relationship_to_head=Resident.Relationship.HEAD if head else Resident.Relationship.CHILD,
        document_number=document,
        ethnicity="藏族",
        user=user,
    )


class Desk:
    def __init__(self, tree, make_user):
        self.tree = tree
        a = tree.community_a
        self.staff = make_user(Role.COMMUNITY_STAFF, a)
        self.secretary = make_user(Role.SECRETARY, a)
        self.grid_worker = make_user(Role.GRID_WORKER, tree.grid_a1)
        self.staff_b = make_user(Role.COMMUNITY_STAFF, tree.community_b)
        self.partner = core_services.partnerunit_save(
            actor=None, org_unit=a, kind="government", name="城关区社保局"
        )
        self.proof_item = services.item_save(
            actor=self.staff,
            org_unit=a,
            code="P01",
            name="居住证明",
            name_bo="སྡོད་གནས་ར་སྤྲོད་ལག་ཁྱེར།",
            name_en="Proof of residence",
            category=Category.PROOFS,
            materials="身份证\n户口簿",
            handling=ServiceItem.Handling.ON_THE_SPOT,
        )
        self.forward_item = services.item_save(
            actor=self.staff,
            org_unit=a,
            code="S01",
            name="城乡居民医保参保登记",
            name_en="Medical insurance enrolment",
            category=Category.SOCIAL_SECURITY,
            handling=ServiceItem.Handling.FORWARDED,
            forward_unit=tree.street,
            time_limit_days=3,
            fee=Decimal("0"),
        )
        self.counter1 = services.counter_save(
            actor=self.staff, org_unit=a, number=1, name="综合窗口", slot_capacity=2
        )
        self.counter2 = services.counter_save(
            actor=self.staff, org_unit=a, number=2, name="社保窗口", slot_capacity=1
        )
        self.resident_user = make_user(Role.RESIDENT, tree.grid_a1, phone="13908911111")
        self.resident = make_resident(
            tree.grid_a1, "扎西", user=self.resident_user, document="540103197005041234"
        )
        self.other_resident_user = make_user(Role.RESIDENT, tree.grid_a2, phone="13908912222")
        self.other = make_resident(tree.grid_a2, "卓玛", user=self.other_resident_user)
        self.resident_b = make_resident(tree.grid_b1, "次仁")
        self.template = services_template(a, self.proof_item)


def services_template(community, item):
    return services.template_save(
        actor=None,
        org_unit=community,
        code="JZ",
        title="居住证明",
        item=item,
        body="兹证明{name}（{gender}，{ethnicity}，身份证号{document_number}）现居住于{address}。特此证明。用途：{purpose}",
    )


@pytest.fixture(autouse=True)
def english(client):
    """Tests read the English msgids; pages follow the browser's language."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def desk(tree, make_user):
    return Desk(tree, make_user)
