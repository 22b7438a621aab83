"""Building blocks for every app's rules.py (django-rules)."""

import rules

from .roles import ADMIN_ROLES, READER_ROLES, WORKER_ROLES, Role


def has_role(*roles, name=None):
    """The user holds one of `roles` somewhere (for list pages and create forms)."""
    role_set = frozenset(roles)

    @rules.predicate(name=name or f"has_role({','.join(sorted(role_set))})")
    def predicate(user):
        return user.is_authenticated and bool(user.role_names() & role_set)

    return predicate


def covers(*roles, attr="org_unit", name=None):
    """One of `roles` is assigned at the object's org unit or above it. Without an object, true
    when the user holds one of the roles at all (the list or create view filters further)."""
    role_set = frozenset(roles)

    @rules.predicate(name=name or f"covers({','.join(sorted(role_set))})")
    def predicate(user, obj=None):
        if not user.is_authenticated:
            return False
        if obj is None:
            return bool(user.role_names() & role_set)
        unit = obj if attr is None else getattr(obj, attr, None)
        return user.covers(unit, role_set)

    return predicate


is_authenticated = rules.is_authenticated
is_resident = has_role(Role.RESIDENT, name="is_resident")
is_worker = has_role(*WORKER_ROLES, name="is_worker")
is_reader = has_role(*READER_ROLES, name="is_reader")
is_system_admin = has_role(Role.SYSTEM_ADMIN, name="is_system_admin")
is_security_admin = has_role(Role.SECURITY_ADMIN, name="is_security_admin")
is_audit_admin = has_role(Role.AUDIT_ADMIN, name="is_audit_admin")
is_admin = has_role(*ADMIN_ROLES, name="is_admin")
