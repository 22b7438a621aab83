from django.db.models import Prefetch, Q, QuerySet

from gongzhi.accounts.scoping import visible_units

from .models import ApiToken, RoleAssignment, User
from .roles import Role

ADMIN_VIEW_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}


def user_list(*, actor, q: str = "") -> QuerySet:
    """Users with a role inside the admin's subtree (or with no role yet)."""
    units = visible_units(actor, ADMIN_VIEW_ROLES)
    qs = User.objects.filter(
        Q(role_assignments__org_unit__in=units) | Q(role_assignments__isnull=True)
    ).distinct()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    active = RoleAssignment.objects.filter(is_active=True).select_related("org_unit")
    return qs.prefetch_related(
        Prefetch("role_assignments", queryset=active, to_attr="active_roles")
    ).order_by("username")


def user_get(*, actor, pk: int) -> User:
    return user_list(actor=actor).get(pk=pk)


def token_list(*, user) -> QuerySet:
    return ApiToken.objects.filter(user=user)
