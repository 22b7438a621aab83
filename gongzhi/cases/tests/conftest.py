"""Fixtures of the cases tests: the `tree` of conftest.py plus categories, people and a station."""

import datetime
import io

import pytest
from django.utils import translation
from PIL import Image

from gongzhi.accounts.roles import Role
from gongzhi.cases import services
from gongzhi.cases.models import Case, DeadlineUnit, Tier
from gongzhi.core import services as core_services
from gongzhi.registry import services as registry_services


class World:
    pass


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each test makes a dozen users; the production hasher would spend most of the run on them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english(settings):
    # The tests read English text; the Chinese and Tibetan catalogues are checked by core's tests.
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(tree, make_user):
    w = World()
    w.tree = tree
    a = tree.community_a
    w.emergency = services.category_save(
        actor=None,
        org_unit=a,
        code="emergency",
        name="紧急求助",
        response_amount=2,
        response_unit=DeadlineUnit.HOURS,
        resolution_amount=2,
        resolution_unit=DeadlineUnit.HOURS,
    )
    w.utilities = services.category_save(
        actor=None,
        org_unit=a,
        code="utilities",
        name="水电暖",
        response_amount=2,
        response_unit=DeadlineUnit.HOURS,
        resolution_amount=24,
        resolution_unit=DeadlineUnit.HOURS,
    )
    w.general = services.category_save(
        actor=None,
        org_unit=a,
        code="general",
        name="一般诉求",
        response_amount=1,
        response_unit=DeadlineUnit.DAYS,
        resolution_amount=7,
        resolution_unit=DeadlineUnit.DAYS,
    )
    w.complex = services.category_save(
        actor=None,
        org_unit=a,
        code="complex",
        name="复杂事项",
        default_tier=Tier.JOINT,
        response_amount=1,
        response_unit=DeadlineUnit.DAYS,
        resolution_amount=15,
        resolution_unit=DeadlineUnit.DAYS,
    )
    w.dispute = services.category_save(
        actor=None,
        org_unit=a,
        code="dispute",
        name="矛盾纠纷",
        is_mediation=True,
        response_amount=1,
        response_unit=DeadlineUnit.DAYS,
        resolution_amount=15,
        resolution_unit=DeadlineUnit.DAYS,
    )
    w.category_b = services.category_save(
        actor=None, org_unit=tree.community_b, code="b-general", name="B 一般"
    )
    w.grid_worker = make_user(Role.GRID_WORKER, tree.grid_a1)
    w.grid_worker2 = make_user(Role.GRID_WORKER, tree.grid_a2)
    w.staff = make_user(Role.COMMUNITY_STAFF, a)
    w.secretary = make_user(Role.SECRETARY, a)
    w.staff_b = make_user(Role.COMMUNITY_STAFF, tree.community_b)
    w.grid_worker_b = make_user(Role.GRID_WORKER, tree.grid_b1)
    w.partner1 = core_services.partnerunit_save(actor=None, org_unit=a, kind="clinic", name="卫生服务站")
    w.partner2 = core_services.partnerunit_save(actor=None, org_unit=a, kind="government", name="城管")
    w.partner_staff = make_user(Role.PARTNER_STAFF, a, partner_unit=w.partner1)
    w.resident_user = make_user(Role.RESIDENT, a, phone="13800001111")
    w.other_resident = make_user(Role.RESIDENT, a, phone="13800002222")
    household = registry_services.household_create(
        actor=None, org_unit=tree.grid_a1, address="纳金路北段10号"
    )
    w.resident = registry_services.resident_create(
        actor=None,
        household=household,
        name="扎西",
        gender="male",
        birth_date=datetime.date(1970, 1, 1),
        relationship_to_head="head",
        phone="13800001111",
        user=w.resident_user,
    )
    w.caller = registry_services.resident_create(
        actor=None,
        household=household,
        name="卓玛",
        gender="female",
        birth_date=datetime.date(1975, 1, 1),
        relationship_to_head="spouse",
        phone="139 0000 3333",
    )
    w.station = core_services.gridstation_save(
        actor=None,
        org_unit=tree.grid_a1,
        name="一呼百应站",
        address="纳金路",
        phone="0891",
        duty_staff=[w.grid_worker],
    )
    return w


@pytest.fixture
def make_case(world):
    def _make(category=None, *, reporter=None, channel=Case.Channel.RESIDENT_FORM, org_unit=None, **kwargs):
        reporter = world.resident_user if reporter is None else reporter
        kwargs.setdefault("description", "楼道灯坏了")
        if org_unit is None and reporter != world.resident_user:
            org_unit = world.tree.grid_a1
        return services.case_create(
            actor=reporter or world.staff,
            channel=channel,
            category=category or world.general,
            reporter=reporter or None,
            org_unit=org_unit,
            **kwargs,
        )

    return _make


def advance(case, actor, *actions, **params):
    for action in actions:
        note = "已处理完毕" if action == "resolve" else ""
        case = services.case_transition(actor=actor, case=case, action=action, note=note, **params)
    return case


def png_file(name="photo.png"):
    data = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 30, 30)).save(data, format="PNG")
    data.seek(0)
    data.name = name
    return data
