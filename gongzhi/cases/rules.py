"""Who may do what with cases. Object rules take a Case (or a Category / GridStation)."""

import rules

from gongzhi.accounts.predicates import covers, has_role, is_authenticated
from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES, Role

MANAGERS = (Role.COMMUNITY_STAFF, Role.SECRETARY)


@rules.predicate
def is_reporter(user, case=None):
    return case is not None and user.is_authenticated and case.reporter_id == user.pk


@rules.predicate
def is_follower(user, case=None):
    return case is not None and user.is_authenticated and case.followers.filter(user=user).exists()


@rules.predicate
def is_participant(user, case=None):
    """Staff of a partner unit taking part in the (joint) case."""
    unit = getattr(user, "partner_unit_id", None)
    if case is None or not unit or not user.has_role(Role.PARTNER_STAFF):
        return False
    return case.participants.filter(partner_id=unit).exists()


@rules.predicate
def is_duty_staff(user, station=None):
    return station is not None and user.is_authenticated and station.duty_staff.filter(pk=user.pk).exists()


rules.add_perm("cases.report_case", is_authenticated)
rules.add_perm("cases.view_my_cases", is_authenticated)
rules.add_perm("cases.view_queue", has_role(*READER_ROLES, Role.PARTNER_STAFF))
rules.add_perm("cases.view_case", covers(*READER_ROLES) | is_reporter | is_follower | is_participant)
rules.add_perm("cases.handle_case", covers(*WORKER_ROLES))
rules.add_perm("cases.report_part", is_participant | covers(*MANAGERS))
rules.add_perm("cases.manage_case", covers(*MANAGERS))
rules.add_perm("cases.rate_case", is_reporter)
rules.add_perm("cases.enter_case", has_role(*WORKER_ROLES))
rules.add_perm("cases.log_call", covers(*WORKER_ROLES) | is_duty_staff)
rules.add_perm("cases.view_metrics", has_role(*READER_ROLES))
rules.add_perm("cases.manage_categories", has_role(*MANAGERS))
rules.add_perm("cases.manage_category", covers(*MANAGERS))
