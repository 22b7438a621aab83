"""Who may do what with Open311 keys. The GeoReport endpoints themselves are open to partner
systems: reading is public, posting needs an api_key."""

import rules

from gongzhi.accounts.predicates import covers, has_role
from gongzhi.accounts.roles import Role

MANAGERS = (Role.COMMUNITY_STAFF, Role.SECRETARY)

rules.add_perm("open311.manage_keys", has_role(*MANAGERS))
rules.add_perm("open311.manage_key", covers(*MANAGERS))
