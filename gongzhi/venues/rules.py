import rules

from gongzhi.accounts.predicates import covers, has_role
from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES, Role

MANAGERS = (Role.COMMUNITY_STAFF, Role.SECRETARY)
VIEWERS = (Role.RESIDENT, Role.PARTNER_STAFF, *READER_ROLES)
BOOKERS = (Role.RESIDENT, Role.PARTNER_STAFF, *WORKER_ROLES)

rules.add_perm("venues.view_rooms", has_role(*VIEWERS))


@rules.predicate
def reaches_room(user, room=None):
    from gongzhi.accounts.scoping import reaches

    if room is None:
        return user.is_authenticated and bool(user.role_names() & set(VIEWERS))
    return reaches(user, room.org_unit, VIEWERS)


rules.add_perm("venues.view_room", reaches_room)
rules.add_perm("venues.book_rooms", has_role(*BOOKERS))
rules.add_perm("venues.view_own_bookings", has_role(*BOOKERS))
rules.add_perm("venues.manage_rooms", has_role(*MANAGERS))
rules.add_perm("venues.manage_room", covers(*MANAGERS))
rules.add_perm("venues.view_bookings", has_role(*READER_ROLES))
rules.add_perm("venues.decide_booking", covers(*WORKER_ROLES))
