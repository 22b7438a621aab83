"""Who may do what in care.

- The roster, visits, assessments and service orders: the workers of the area (grid worker for their
  grid, community staff and secretary for the community) write; street, county and auditors read.
- Health records: health workers of the area, and the resident their own record. Grid workers and
  other staff do not see them.
- Child monitoring: the child's grid worker, community staff and the secretary. Readers above the
  community, partners and health workers do not see children's records."""

import rules

from gongzhi.accounts.predicates import covers, has_role
from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES, Role

CARE_WRITE_ROLES = WORKER_ROLES
CARE_READ_ROLES = READER_ROLES
HEALTH_ROLES = frozenset({Role.HEALTH_WORKER})
CHILD_ROLES = WORKER_ROLES


@rules.predicate
def is_own_record(user, record=None):
    if record is None or not user.is_authenticated:
        return False
    resident = getattr(record, "resident", None)
    return resident is not None and resident.user_id == user.pk


rules.add_perm("care.view_roster", has_role(*CARE_READ_ROLES))
rules.add_perm("care.view_profile", covers(*CARE_READ_ROLES))
rules.add_perm("care.manage_profile", covers(*CARE_WRITE_ROLES))
rules.add_perm("care.record_visit", covers(*CARE_WRITE_ROLES))
rules.add_perm("care.assess", covers(*CARE_WRITE_ROLES))
rules.add_perm("care.view_orders", has_role(*CARE_READ_ROLES))
rules.add_perm("care.manage_order", covers(*CARE_WRITE_ROLES))
# Checked against the community (an OrgUnit) itself.
rules.add_perm("care.manage_volunteers", covers(Role.COMMUNITY_STAFF, Role.SECRETARY, attr=None))
rules.add_perm("care.view_reports", has_role(*CARE_READ_ROLES))

rules.add_perm("care.view_health_records", has_role(*HEALTH_ROLES))
rules.add_perm("care.view_health_record", covers(*HEALTH_ROLES) | is_own_record)
rules.add_perm("care.manage_health_record", covers(*HEALTH_ROLES))

rules.add_perm("care.view_children", has_role(*CHILD_ROLES))
rules.add_perm("care.view_child", covers(*CHILD_ROLES))
rules.add_perm("care.manage_child", covers(*CHILD_ROLES))

# A resident's home page links to their own health record (the record itself checks ownership).
rules.add_perm("care.view_own_health", has_role(Role.RESIDENT))
