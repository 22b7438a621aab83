import rules

from gongzhi.accounts.predicates import covers, has_role, is_resident
from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES

rules.add_perm("registry.view_registry", has_role(*READER_ROLES))
rules.add_perm("registry.view_resident", covers(*READER_ROLES))
rules.add_perm("registry.change_resident", covers(*WORKER_ROLES))
rules.add_perm("registry.view_own_household", is_resident)
