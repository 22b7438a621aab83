import pytest

from gongzhi.accounts.roles import Role

from .factories import make_room

# role → (view_rooms, book_rooms, manage_rooms, view_bookings)
EXPECTED = {
    Role.RESIDENT: (True, True, False, False),
    Role.GRID_WORKER: (True, True, False, True),
    Role.COMMUNITY_STAFF: (True, True, True, True),
    Role.SECRETARY: (True, True, True, True),
    Role.PARTNER_STAFF: (True, True, False, False),
    Role.STREET_STAFF: (True, False, False, True),
    Role.COUNTY_STAFF: (True, False, False, True),
    Role.AUDITOR: (True, False, False, True),
    Role.SYSTEM_ADMIN: (False, False, False, False),
}
UNIT = {
    Role.GRID_WORKER: "grid_a1",
    Role.STREET_STAFF: "street",
    Role.COUNTY_STAFF: "district",
    Role.AUDITOR: "district",
    Role.SYSTEM_ADMIN: "district",
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_role(role, make_user, tree):
    user = make_user(role, getattr(tree, UNIT.get(role, "community_a")))
    perms = ("venues.view_rooms", "venues.book_rooms", "venues.manage_rooms", "venues.view_bookings")
    assert tuple(user.has_perm(p) for p in perms) == EXPECTED[role]


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.COMMUNITY_STAFF, Role.PARTNER_STAFF])
def test_object_rules_stop_at_the_community(role, make_user, tree):
    room_a = make_room(tree.community_a)
    inside = make_user(role, tree.community_a)
    outside = make_user(role, tree.community_b)
    assert inside.has_perm("venues.view_room", room_a)
    assert not outside.has_perm("venues.view_room", room_a)
    assert inside.has_perm("venues.manage_room", room_a) == (role == Role.COMMUNITY_STAFF)
    assert not outside.has_perm("venues.manage_room", room_a)


def test_grid_resident_reaches_the_community_rooms(make_user, tree):
    room_a = make_room(tree.community_a)
    assert make_user(Role.RESIDENT, tree.grid_a2).has_perm("venues.view_room", room_a)
    assert not make_user(Role.RESIDENT, tree.grid_b1).has_perm("venues.view_room", room_a)
