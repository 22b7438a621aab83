"""Who sees the cockpit: the secretary and staff of a community, the street, the county and the
auditors, each over their own subtree; the wall display (Role.DISPLAY) sees the large screen only,
which carries aggregates and no personal data."""

import rules

from gongzhi.accounts.predicates import covers, has_role
from gongzhi.accounts.roles import Role

COCKPIT_ROLES = (Role.COMMUNITY_STAFF, Role.SECRETARY, Role.STREET_STAFF, Role.COUNTY_STAFF, Role.AUDITOR)
SCREEN_ROLES = (*COCKPIT_ROLES, Role.DISPLAY)
REFRESH_ROLES = (Role.COMMUNITY_STAFF, Role.SECRETARY, Role.STREET_STAFF, Role.COUNTY_STAFF)

# Objects are org units (community, street or district): `attr=None` checks the unit itself.
rules.add_perm("dashboard.view_cockpit", covers(*COCKPIT_ROLES, attr=None))
rules.add_perm("dashboard.view_screen", covers(*SCREEN_ROLES, attr=None))
rules.add_perm("dashboard.refresh", has_role(*REFRESH_ROLES))
rules.add_perm("dashboard.open", has_role(*SCREEN_ROLES))
