"""Each assistance permission against every role, and against a user of another community."""

import pytest

from gongzhi.accounts.roles import Role

from . import factories as f

PERMS = {
    # permission: roles (at their usual unit) that hold it on a household file of community A
    "assistance.view_file": {
        Role.COMMUNITY_STAFF,
        Role.SECRETARY,
        Role.STREET_STAFF,
        Role.COUNTY_STAFF,
        Role.AUDITOR,
    },
    "assistance.prepare": {Role.COMMUNITY_STAFF, Role.SECRETARY},
    "assistance.street_review": {Role.STREET_STAFF},
    "assistance.county_approve": {Role.COUNTY_STAFF},
    "assistance.refuse": {Role.COMMUNITY_STAFF, Role.SECRETARY, Role.STREET_STAFF, Role.COUNTY_STAFF},
    "assistance.manage_batches": {Role.COMMUNITY_STAFF, Role.SECRETARY},
    "assistance.approve_batches": {Role.COUNTY_STAFF},
}


def _unit(tree, role):
    return {
        Role.GRID_WORKER: tree.grid_a1,
        Role.STREET_STAFF: tree.street,
        Role.COUNTY_STAFF: tree.district,
        Role.AUDITOR: tree.district,
        Role.SYSTEM_ADMIN: tree.district,
        Role.SECURITY_ADMIN: tree.district,
        Role.AUDIT_ADMIN: tree.district,
    }.get(role, tree.community_a)


@pytest.mark.parametrize("role", list(Role))
def test_each_permission_for_each_role(tree, make_user, role):
    hh, _ = f.household(tree.grid_a1)
    user = make_user(role, _unit(tree, role))
    for perm, holders in PERMS.items():
        assert user.has_perm(perm, hh) == (role in holders), (perm, role)
    assert user.has_perm("assistance.view_files") == (role in PERMS["assistance.view_file"])


@pytest.mark.parametrize("role", [Role.COMMUNITY_STAFF, Role.SECRETARY])
def test_another_communitys_staff_hold_nothing_here(tree, make_user, role):
    hh, _ = f.household(tree.grid_a1)
    user = make_user(role, tree.community_b)
    assert not any(user.has_perm(perm, hh) for perm in PERMS)
