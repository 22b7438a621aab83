import rules

from gongzhi.accounts.predicates import covers, has_role, is_resident
from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES, Role

MANAGERS = (Role.COMMUNITY_STAFF, Role.SECRETARY)

# Residents browse the catalogue before coming, signed in or not.
rules.add_perm("servicedesk.view_catalogue", rules.always_allow)
rules.add_perm("servicedesk.manage_catalogue", covers(*MANAGERS))
rules.add_perm("servicedesk.book_appointment", is_resident)
# The counter: queue numbers, caller, service records, proofs.
rules.add_perm("servicedesk.serve", covers(*WORKER_ROLES))
rules.add_perm("servicedesk.view_records", covers(*READER_ROLES))
rules.add_perm("servicedesk.view_statistics", has_role(*READER_ROLES))
rules.add_perm("servicedesk.revoke_proof", covers(*MANAGERS))
rules.add_perm("servicedesk.call_back", covers(*MANAGERS))
