from gongzhi.accounts.roles import Role

# Community finance staff and the secretary keep the books; the street, the county and auditors read.
MANAGE_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.SECRETARY})
READ_ROLES = MANAGE_ROLES | {Role.STREET_STAFF, Role.COUNTY_STAFF, Role.AUDITOR}
