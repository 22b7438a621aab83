import rules

from gongzhi.accounts.predicates import covers, has_role, is_authenticated, is_system_admin
from gongzhi.accounts.roles import READER_ROLES, Role

_community_managers = (Role.COMMUNITY_STAFF, Role.SECRETARY)

rules.add_perm("core.view_home", is_authenticated)
rules.add_perm("core.view_notifications", is_authenticated)
# The system admin keeps the tree; readers see the part of it their roles cover.
rules.add_perm("core.view_orgunits", is_system_admin | has_role(*READER_ROLES))
rules.add_perm("core.view_orgunit", covers(Role.SYSTEM_ADMIN, *READER_ROLES, attr=None))
rules.add_perm("core.manage_orgunits", is_system_admin)
rules.add_perm("core.manage_orgunit", covers(Role.SYSTEM_ADMIN, attr=None))
# Grid stations and partner units are run by the community.
rules.add_perm("core.view_stations", has_role(*READER_ROLES))
rules.add_perm("core.view_station", covers(*READER_ROLES))
rules.add_perm("core.manage_stations", has_role(*_community_managers))
rules.add_perm("core.manage_station", covers(*_community_managers))
rules.add_perm("core.view_partners", has_role(*READER_ROLES))
rules.add_perm("core.view_partner", covers(*READER_ROLES))
rules.add_perm("core.manage_partners", has_role(*_community_managers))
rules.add_perm("core.manage_partner", covers(*_community_managers))
# Unmasked ID and phone numbers: the community's own workers, for objects in their area only
# (gongzhi.core.personal_data.reveal, which also writes the access entry).
rules.add_perm("core.unmask_personal_data", covers(Role.GRID_WORKER, *_community_managers))
# Periodic jobs: the system admin watches the runs and may start a job by hand; the audit admin reads.
rules.add_perm("core.view_jobs", is_system_admin | has_role(Role.AUDIT_ADMIN))
rules.add_perm("core.run_jobs", is_system_admin)
