"""Assistance files are sensitive: community staff and the secretary of the unit prepare them, the
street reviews, the county approves and pays, auditors read. Grid workers, partners and residents
do not see them."""

import rules

from gongzhi.accounts.predicates import covers, has_role
from gongzhi.accounts.roles import Role

PREPARER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.SECRETARY})
STREET_ROLES = frozenset({Role.STREET_STAFF})
COUNTY_ROLES = frozenset({Role.COUNTY_STAFF})
FILE_ROLES = PREPARER_ROLES | STREET_ROLES | COUNTY_ROLES | {Role.AUDITOR}

rules.add_perm("assistance.view_files", has_role(*FILE_ROLES))
rules.add_perm("assistance.view_file", covers(*FILE_ROLES))
rules.add_perm("assistance.prepare", covers(*PREPARER_ROLES))
rules.add_perm("assistance.street_review", covers(*STREET_ROLES))
rules.add_perm("assistance.county_approve", covers(*COUNTY_ROLES))
rules.add_perm("assistance.refuse", covers(*(PREPARER_ROLES | STREET_ROLES | COUNTY_ROLES)))
rules.add_perm("assistance.manage_batches", covers(*PREPARER_ROLES))
rules.add_perm("assistance.approve_batches", covers(*COUNTY_ROLES))
rules.add_perm("assistance.manage_standards", covers(*COUNTY_ROLES))

# A resident sees their own household's applications (state and any refusal reason), nothing else.
rules.add_perm("assistance.view_own", has_role(Role.RESIDENT))
