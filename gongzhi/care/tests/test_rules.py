"""Each permission against every role, and against a user of another community."""

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.care import services
from gongzhi.care.models import ChildProfile, HealthRecord

from . import factories

pytestmark = pytest.mark.django_db

UNITS = {
    Role.RESIDENT: "grid_a1",
    Role.GRID_WORKER: "grid_a1",
    Role.COMMUNITY_STAFF: "community_a",
    Role.SECRETARY: "community_a",
    Role.PARTNER_STAFF: "community_a",
    Role.FINANCE_STAFF: "community_a",
    Role.DISPLAY: "community_a",
    Role.HEALTH_WORKER: "community_a",
    Role.STREET_STAFF: "street",
    Role.COUNTY_STAFF: "district",
    Role.AUDITOR: "district",
    Role.SYSTEM_ADMIN: "district",
    Role.SECURITY_ADMIN: "district",
    Role.AUDIT_ADMIN: "district",
}

EXPECTED = {
    # perm: roles allowed on an object of grid A1
    "care.view_profile": {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.SECRETARY,
        Role.STREET_STAFF,
        Role.COUNTY_STAFF,
        Role.AUDITOR,
    },
    "care.record_visit": {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.SECRETARY},
    "care.manage_order": {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.SECRETARY},
    "care.view_health_record": {Role.HEALTH_WORKER},
    "care.manage_health_record": {Role.HEALTH_WORKER},
    "care.view_child": {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.SECRETARY},
}


@pytest.mark.parametrize("perm", sorted(EXPECTED))
@pytest.mark.parametrize("role", list(Role))
def test_permission_by_role(tree, make_user, role, perm):
    user = make_user(role, getattr(tree, UNITS[role]))
    obj = HealthRecord(org_unit=tree.grid_a1) if "health" in perm else ChildProfile(org_unit=tree.grid_a1)
    assert user.has_perm(perm, obj) is (role in EXPECTED[perm])


@pytest.mark.parametrize("perm", sorted(EXPECTED))
def test_another_communitys_worker_has_no_permission(tree, make_user, perm):
    for role, unit in (
        (Role.GRID_WORKER, tree.grid_b1),
        (Role.SECRETARY, tree.community_b),
        (Role.HEALTH_WORKER, tree.community_b),
    ):
        assert not make_user(role, unit).has_perm(perm, HealthRecord(org_unit=tree.grid_a1))


def test_a_resident_sees_their_own_health_record_only(tree, make_user):
    me = make_user(Role.RESIDENT, tree.grid_a1)
    mine = factories.resident(tree.grid_a1, user=me)
    other = factories.resident(tree.grid_a1)
    hw = make_user(Role.HEALTH_WORKER, tree.community_a)
    r1 = services.health_record_create(actor=hw, resident=mine, basis="statutory", statute="法")
    r2 = services.health_record_create(actor=hw, resident=other, basis="statutory", statute="法")
    assert me.has_perm("care.view_health_record", r1)
    assert not me.has_perm("care.view_health_record", r2)
    assert not me.has_perm("care.manage_health_record", r1)


def test_health_worker_role_needs_a_second_factor(tree, make_user):
    from gongzhi.accounts.security import needs_second_factor

    assert needs_second_factor(make_user(Role.HEALTH_WORKER, tree.community_a))
