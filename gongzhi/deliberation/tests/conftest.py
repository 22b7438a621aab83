"""Fixtures of the deliberation tests: the `tree` of conftest.py plus households with resident users,
staff, a partner unit and a room — all built through the services."""

import datetime
import itertools

import pytest
from django.utils import timezone, translation

from gongzhi.accounts.roles import Role
from gongzhi.core import services as core_services
from gongzhi.registry import services as registry_services

_phones = itertools.count(13900000000)


class World:
    pass


@pytest.fixture(autouse=True)
def _fast_english(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def add_household(make_user, grid, *, members=1, address=None):
    """A household in `grid` with `members` residents who each log in; returns (household, users)."""
    household = registry_services.household_create(
        actor=None, org_unit=grid, address=address or f"纳金路{next(_phones) % 10000}号"
    )
    users = []
    for i in range(members):
        phone = str(next(_phones))
        user = make_user(Role.RESIDENT, grid, phone=phone)
        registry_services.resident_create(
            actor=None,
            household=household,
            name=f"居民{phone[-4:]}",
            gender="male" if i % 2 == 0 else "female",
            birth_date=datetime.date(1970 + i, 1, 1),
            relationship_to_head="head" if i == 0 else "spouse",
            phone=phone,
            user=user,
        )
        users.append(user)
    return household, users


@pytest.fixture
def add_hh(make_user):
    def _add(grid, **kw):
        return add_household(make_user, grid, **kw)

    return _add


@pytest.fixture
def world(tree, make_user, add_hh):
    w = World()
    w.tree = tree
    w.secretary = make_user(Role.SECRETARY, tree.community_a)
    w.staff = make_user(Role.COMMUNITY_STAFF, tree.community_a)
    w.staff_b = make_user(Role.COMMUNITY_STAFF, tree.community_b)
    w.grid_worker = make_user(Role.GRID_WORKER, tree.grid_a1)
    w.partner = core_services.partnerunit_save(
        actor=None, org_unit=tree.community_a, kind="government", name="城管"
    )
    w.household, (w.alice, w.alice_spouse) = add_hh(tree.grid_a1, members=2)
    w.household2, (w.bob,) = add_hh(tree.grid_a1)
    w.household3, (w.carol,) = add_hh(tree.grid_a2)
    w.household_b, (w.resident_b,) = add_hh(tree.grid_b1)
    return w


@pytest.fixture
def future():
    def _at(days=3, hour=15):
        day = timezone.localdate() + datetime.timedelta(days=days)
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))
        return start, start + datetime.timedelta(hours=2)

    return _at
