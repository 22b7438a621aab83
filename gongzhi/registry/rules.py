import rules

from gongzhi.accounts.predicates import covers, has_role, is_resident
from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES, Role

# Who may see full document and phone numbers: community staff and the secretary of the unit
# (grid workers and readers above see masked values; every unmasking is an audited access).
UNMASK_ROLES = (Role.COMMUNITY_STAFF, Role.SECRETARY)

rules.add_perm("registry.view_registry", has_role(*READER_ROLES))
rules.add_perm("registry.view_resident", covers(*READER_ROLES))
rules.add_perm("registry.change_resident", covers(*WORKER_ROLES))
rules.add_perm("registry.add_resident", has_role(*WORKER_ROLES))
rules.add_perm("registry.import_residents", has_role(*WORKER_ROLES))
rules.add_perm("registry.export_residents", has_role(*READER_ROLES))
rules.add_perm("registry.unmask_resident", covers(*UNMASK_ROLES))
rules.add_perm("registry.manage_care_tags", has_role(*UNMASK_ROLES))
rules.add_perm("registry.view_own_household", is_resident)
rules.add_perm("registry.view_own_card", is_resident)
rules.add_perm("registry.print_card", covers(*WORKER_ROLES))
