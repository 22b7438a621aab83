import pytest

from gongzhi.accounts.roles import Role

from .factories import make_activity

# role → (view_activities, create_activity, enrol, view_stats)
EXPECTED = {
    Role.RESIDENT: (True, False, True, False),
    Role.GRID_WORKER: (True, True, True, True),
    Role.COMMUNITY_STAFF: (True, True, True, True),
    Role.SECRETARY: (True, True, True, True),
    Role.PARTNER_STAFF: (True, True, False, False),
    Role.STREET_STAFF: (True, False, False, True),
    Role.AUDITOR: (True, False, False, True),
    Role.SECURITY_ADMIN: (False, False, False, False),
}
UNIT = {
    Role.GRID_WORKER: "grid_a1",
    Role.STREET_STAFF: "street",
    Role.AUDITOR: "district",
    Role.SECURITY_ADMIN: "district",
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_role(role, make_user, tree):
    user = make_user(role, getattr(tree, UNIT.get(role, "community_a")))
    perms = (
        "activities.view_activities",
        "activities.create_activity",
        "activities.enrol",
        "activities.view_stats",
    )
    assert tuple(user.has_perm(p) for p in perms) == EXPECTED[role]


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.COMMUNITY_STAFF, Role.GRID_WORKER])
def test_object_rules_stop_at_the_community(role, make_user, tree):
    activity = make_activity(tree.community_a)
    unit_in, unit_out = (
        (tree.grid_a1, tree.grid_b1) if role == Role.GRID_WORKER else (tree.community_a, tree.community_b)
    )
    inside, outside = make_user(role, unit_in), make_user(role, unit_out)
    assert inside.has_perm("activities.view_activity", activity)
    assert not outside.has_perm("activities.view_activity", activity)
    assert inside.has_perm("activities.manage_activity", activity) == (role != Role.RESIDENT)
    assert not outside.has_perm("activities.manage_activity", activity)
