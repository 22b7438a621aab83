import rules

from .predicates import is_audit_admin, is_authenticated, is_security_admin, is_system_admin

rules.add_perm("accounts.use_api_tokens", is_authenticated)
rules.add_perm("accounts.manage_users", is_system_admin)
rules.add_perm("accounts.manage_roles", is_security_admin)
rules.add_perm("accounts.view_users", is_system_admin | is_security_admin)
rules.add_perm("accounts.view_audit", is_audit_admin)
