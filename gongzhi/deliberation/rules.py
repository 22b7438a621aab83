import rules

from gongzhi.accounts.predicates import covers, has_role
from gongzhi.accounts.roles import Role

from .selectors import VIEWER_ROLES

_managers = (Role.COMMUNITY_STAFF, Role.SECRETARY)

rules.add_perm("deliberation.view_topics", has_role(*VIEWER_ROLES))
rules.add_perm("deliberation.manage_topic", covers(*_managers))
