from gongzhi.accounts.roles import Role

# The community's finance staff (a role assigned like any other, accounts.roles.Role.FINANCE_STAFF)
# and the secretary keep the books; the street, the county and auditors read. Other community staff,
# grid workers, partner units and residents see nothing here.
MANAGE_ROLES = frozenset({Role.FINANCE_STAFF, Role.SECRETARY})
READ_ROLES = MANAGE_ROLES | {Role.STREET_STAFF, Role.COUNTY_STAFF, Role.AUDITOR}
