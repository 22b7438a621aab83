from django.db.models import Count, Q, QuerySet

from gongzhi.accounts.roles import READER_ROLES, Role
from gongzhi.accounts.scoping import scope_q, visible_units

from .models import GridStation, Notification, OrgUnit, PartnerUnit

TREE_ROLES = READER_ROLES | {Role.SYSTEM_ADMIN}


def orgunit_list(*, user, kind: str | None = None, q: str = "") -> QuerySet:
    qs = visible_units(user, TREE_ROLES).select_related("parent")
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(name_bo__icontains=q))
    return qs.annotate(child_count=Count("children")).order_by("path")


def orgunit_get(*, user, pk: int) -> OrgUnit:
    return visible_units(user, TREE_ROLES).select_related("parent").get(pk=pk)


def orgunit_subtree(unit: OrgUnit, *, kind: str | None = None) -> QuerySet:
    qs = OrgUnit.objects.filter(path__startswith=unit.path)
    return qs.filter(kind=kind) if kind else qs


def orgunit_ancestors(unit: OrgUnit) -> QuerySet:
    return OrgUnit.objects.filter(pk__in=unit.ancestor_ids).order_by("depth")


def gridstation_list(*, user) -> QuerySet:
    return (
        GridStation.objects.filter(scope_q(user, READER_ROLES))
        .select_related("org_unit", "org_unit__parent")
        .prefetch_related("duty_staff")
    )


def partnerunit_list(*, user, kind: str | None = None, q: str = "") -> QuerySet:
    qs = PartnerUnit.objects.filter(scope_q(user, READER_ROLES)).select_related("org_unit")
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(contact_name__icontains=q))
    return qs


def notification_list(*, user) -> QuerySet:
    return Notification.objects.filter(user=user)


def notification_unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
