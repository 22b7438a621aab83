"""Named permissions of the deliberation corner. Residents and grid workers hold their role at a
grid; a grid role reaches the whole community the corner belongs to."""

import rules

from gongzhi.accounts.predicates import has_role
from gongzhi.accounts.roles import Role
from gongzhi.accounts.scoping import reaches

from .selectors import VIEWER_ROLES

MANAGERS = (Role.COMMUNITY_STAFF, Role.SECRETARY)
RESIDENTS = (Role.RESIDENT,)
COMMENTERS = (Role.RESIDENT, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.SECRETARY, Role.PARTNER_STAFF)


def _community_of(obj):
    for attr in ("org_unit", "topic", "meeting", "result", "decision"):
        value = getattr(obj, attr, None)
        if value is None:
            continue
        if attr == "org_unit":
            return value
        return _community_of(value)
    return None


def in_community(*roles, name):
    role_set = frozenset(roles)

    @rules.predicate(name=name)
    def predicate(user, obj=None):
        if not user.is_authenticated:
            return False
        if obj is None:
            return bool(user.role_names() & role_set)
        return reaches(user, _community_of(obj), role_set)

    return predicate


is_manager = in_community(*MANAGERS, name="deliberation_manager")
is_resident_there = in_community(*RESIDENTS, name="deliberation_resident")
may_comment = in_community(*COMMENTERS, name="deliberation_commenter")

rules.add_perm("deliberation.view_topics", has_role(*VIEWER_ROLES))
rules.add_perm("deliberation.propose_topic", has_role(*RESIDENTS))
rules.add_perm("deliberation.create_topic", has_role(*MANAGERS))
rules.add_perm("deliberation.support_topic", is_resident_there)
rules.add_perm("deliberation.comment_topic", may_comment)
rules.add_perm("deliberation.report_comment", is_resident_there)
rules.add_perm("deliberation.manage_topic", is_manager)
rules.add_perm("deliberation.moderate_comment", is_manager)
rules.add_perm("deliberation.manage_settings", is_manager)
rules.add_perm("deliberation.create_meeting", has_role(*MANAGERS))
rules.add_perm("deliberation.manage_meeting", is_manager)
rules.add_perm("deliberation.register_meeting", is_resident_there)
rules.add_perm("deliberation.vote", is_resident_there)
rules.add_perm("deliberation.manage_decision", is_manager)
rules.add_perm("deliberation.manage_result", is_manager)
