"""Scoping: the one way every selector restricts rows to the org units a user's roles cover.

A role assigned at a unit covers the unit's subtree, so a filter is a prefix match on the
materialised path of the row's org unit (an indexed LIKE 'path%'), one per assignment."""

from django.db.models import Q, QuerySet

from gongzhi.core.models import OrgUnit

NOTHING = Q(pk__in=[])


def scope_q(user, roles, field: str = "org_unit") -> Q:
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    paths = sorted({a.org_unit.path for a in user.assignments() if a.role in roles})
    # A path already covered by a shorter one adds nothing.
    kept = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    if not kept:
        return NOTHING
    q = Q()
    for path in kept:
        q |= Q(**{f"{field}__path__startswith": path})
    return q


def scoped(queryset: QuerySet, user, roles, field: str = "org_unit") -> QuerySet:
    return queryset.filter(scope_q(user, roles, field))


def visible_units(user, roles) -> QuerySet:
    if user is None or not user.is_authenticated:
        return OrgUnit.objects.none()
    paths = {a.org_unit.path for a in user.assignments() if a.role in roles}
    q = NOTHING
    for path in paths:
        q |= Q(path__startswith=path)
    return OrgUnit.objects.filter(q)


def communities_of(user, roles) -> QuerySet:
    """The communities a user works in: those inside their scope and the one above a grid."""
    if user is None or not user.is_authenticated:
        return OrgUnit.objects.none()
    ids = set()
    q = NOTHING
    for a in user.assignments():
        if a.role not in roles:
            continue
        unit = a.org_unit
        if unit.kind == OrgUnit.Kind.GRID:
            ids.add(unit.parent_id)
        else:
            q |= Q(path__startswith=unit.path)
    return OrgUnit.objects.filter(Q(pk__in=ids) | q, kind=OrgUnit.Kind.COMMUNITY)
