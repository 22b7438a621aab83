import pytest

from gongzhi.accounts.roles import Role

ALLOWED = {Role.COMMUNITY_STAFF, Role.SECRETARY}


@pytest.mark.parametrize("role", list(Role))
def test_manage_keys_by_role(world, make_user, role):
    units = {
        "grid": world.tree.grid_a1,
        "street": world.tree.street,
        "district": world.tree.district,
    }
    from gongzhi.accounts.roles import ROLE_UNIT_KIND

    unit = units.get(ROLE_UNIT_KIND[role], world.tree.community_a)
    user = make_user(role, unit)
    assert user.has_perm("open311.manage_keys") == (role in ALLOWED)
    assert user.has_perm("open311.manage_key", world.key) == (role in ALLOWED)
    assert user.has_perm("open311.manage_key", world.key_b) is False


def test_staff_of_another_community_may_not_manage_this_key(world):
    assert world.staff_b.has_perm("open311.manage_keys")
    assert not world.staff_b.has_perm("open311.manage_key", world.key)
    assert world.staff_b.has_perm("open311.manage_key", world.key_b)
