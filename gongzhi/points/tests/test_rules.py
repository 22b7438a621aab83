import pytest

from gongzhi.accounts.roles import Role

pytestmark = pytest.mark.django_db

# role -> (view_points, use_counter, manage_points, view_notice) on community A
EXPECTED = {
    Role.RESIDENT: (False, False, False, True),
    Role.GRID_WORKER: (False, True, False, True),  # at a grid: serves at the community counter
    Role.COMMUNITY_STAFF: (True, True, True, True),
    Role.SECRETARY: (True, True, True, True),
    Role.PARTNER_STAFF: (False, False, False, True),
    Role.STREET_STAFF: (True, False, False, True),
    Role.COUNTY_STAFF: (True, False, False, True),
    Role.AUDITOR: (True, False, False, True),
    Role.SYSTEM_ADMIN: (False, False, False, False),
}
PERMS = ("points.view_points", "points.use_counter", "points.manage_points", "points.view_notice")


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_on_its_own_and_on_another_community(tree, make_user, role):
    unit = {
        "community": tree.community_a,
        "grid": tree.grid_a1,
        "street": tree.street,
        "district": tree.district,
    }[
        {Role.GRID_WORKER: "grid", Role.STREET_STAFF: "street"}.get(
            role, "district" if role in (Role.COUNTY_STAFF, Role.AUDITOR, Role.SYSTEM_ADMIN) else "community"
        )
    ]
    user = make_user(role, unit)
    assert tuple(user.has_perm(p, tree.community_a) for p in PERMS) == EXPECTED[role]
    if unit.kind in ("community", "grid"):
        assert not any(user.has_perm(p, tree.community_b) for p in PERMS)


def test_a_grid_worker_works_the_counter_of_their_grid(tree, make_user):
    user = make_user(Role.GRID_WORKER, tree.grid_a1)
    assert user.has_perm("points.use_counter")
    assert user.has_perm("points.use_counter", tree.grid_a1)
    assert not user.has_perm("points.use_counter", tree.community_b)
    assert not user.has_perm("points.manage_points")
