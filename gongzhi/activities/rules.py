import rules

from gongzhi.accounts.predicates import has_role
from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES, Role

VIEWERS = (Role.RESIDENT, Role.PARTNER_STAFF, *READER_ROLES)
ORGANISERS = (*WORKER_ROLES, Role.PARTNER_STAFF)


@rules.predicate
def organises(user, activity=None):
    from .services import can_manage

    if activity is None:
        return user.is_authenticated and bool(user.role_names() & set(ORGANISERS))
    return can_manage(user, activity)


rules.add_perm("activities.view_activities", has_role(*VIEWERS))


@rules.predicate
def reaches_activity(user, activity=None):
    from gongzhi.accounts.scoping import reaches

    if activity is None:
        return user.is_authenticated and bool(user.role_names() & set(VIEWERS))
    return reaches(user, activity.org_unit, VIEWERS)


rules.add_perm("activities.view_activity", reaches_activity)
rules.add_perm("activities.create_activity", has_role(*ORGANISERS))
rules.add_perm("activities.manage_activity", organises)
rules.add_perm("activities.enrol", has_role(Role.RESIDENT, *WORKER_ROLES))
rules.add_perm("activities.view_own_activities", has_role(Role.RESIDENT))
rules.add_perm("activities.view_stats", has_role(*READER_ROLES))
rules.add_perm("activities.view_partner_programmes", has_role(*READER_ROLES, Role.PARTNER_STAFF))
