import rules

from gongzhi.accounts.predicates import covers, has_role

from .roles import MANAGE_ROLES, READ_ROLES

# Partner units, grid workers and residents see nothing of the collective economy.
rules.add_perm("economy.view_economy", has_role(*READ_ROLES))
rules.add_perm("economy.view_record", covers(*READ_ROLES))
rules.add_perm("economy.manage_economy", has_role(*MANAGE_ROLES))
rules.add_perm("economy.manage_record", covers(*MANAGE_ROLES))
