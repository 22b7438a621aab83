"""Permissions of the points bank. The object may be a community (OrgUnit) or any row with an
`org_unit` (rule, account, reward, redemption)."""

import rules

from gongzhi.accounts.predicates import has_role, is_resident
from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES, Role
from gongzhi.core.models import OrgUnit

MANAGERS = (Role.COMMUNITY_STAFF, Role.SECRETARY)


def covers_unit(*roles, name, from_grid=False):
    """One of `roles` at the object's unit or above; with from_grid, a role held at one of the
    community's grids counts too (a grid worker serves at their community's counter)."""
    role_set = frozenset(roles)

    @rules.predicate(name=name)
    def predicate(user, obj=None):
        if not user.is_authenticated:
            return False
        if obj is None:
            return bool(user.role_names() & role_set)
        unit = obj if isinstance(obj, OrgUnit) else getattr(obj, "org_unit", None)
        if user.covers(unit, role_set):
            return True
        return from_grid and any(
            a.role in role_set and unit is not None and a.org_unit.parent_id == unit.pk
            for a in user.assignments()
        )

    return predicate


# Read the points bank of one's scope (accounts, statements, stock, rankings).
rules.add_perm("points.view_points", covers_unit(*READER_ROLES, name="points_reader"))
# Work the counter: scan cards, award manually, redeem, cancel the same day, approve others' awards.
rules.add_perm("points.use_counter", covers_unit(*WORKER_ROLES, name="points_worker", from_grid=True))
# Manage rules, the policy, rewards and stock; close a ranking period.
rules.add_perm("points.manage_points", covers_unit(*MANAGERS, name="points_manager"))
# A resident's own balance, statement and catalogue.
rules.add_perm("points.view_own_points", is_resident)
# The public notice (公示): anyone signed in whose roles reach the community.
rules.add_perm(
    "points.view_notice",
    covers_unit(
        *READER_ROLES, Role.RESIDENT, Role.PARTNER_STAFF, name="points_notice_reader", from_grid=True
    ),
)
rules.add_perm("points.view_points_list", has_role(*READER_ROLES))
