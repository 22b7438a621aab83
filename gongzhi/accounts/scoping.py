"""Scoping: the one way every selector restricts rows to the org units a user's roles cover.

A role assigned at a unit covers the unit's subtree, so a filter is a prefix match on the
materialised path of the row's org unit (an indexed LIKE 'path%'), one per assignment."""

from django.db.models import Q, QuerySet

from gongzhi.core.models import OrgUnit

NOTHING = Q(pk__in=[])


def _outermost(paths) -> list[str]:
    """Drop paths already covered by a shorter one: they add nothing to a prefix filter."""
    paths = set(paths)
    return [p for p in sorted(paths) if not any(p != q and p.startswith(q) for q in paths)]


def _paths_q(paths, field: str) -> Q:
    if not paths:
        return NOTHING
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__path__startswith": path})
    return q


def scope_paths(user, roles) -> list[str]:
    """The materialised paths a user's `roles` cover (none for an anonymous or inactive user); an
    org unit is in scope when its path starts with one of them."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return _outermost(a.org_unit.path for a in user.assignments() if a.role in roles)


def scope_q(user, roles, field: str = "org_unit") -> Q:
    return _paths_q(scope_paths(user, roles), field)


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


# Community-level reach. Rooms, activities and other community-wide things belong to a community,
# but residents and grid workers hold their role at a grid: for these, a grid assignment reaches
# the whole community above it (a resident of grid 1 may book the community's rooms).


def community_paths(user, roles) -> list[str]:
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    paths = []
    for a in user.assignments():
        if a.role not in roles:
            continue
        path = a.org_unit.path
        if a.org_unit.kind == OrgUnit.Kind.GRID:
            path = path.rstrip("/").rsplit("/", 1)[0] + "/"  # the parent's materialised path
        paths.append(path)
    return _outermost(paths)


def community_scope_q(user, roles, field: str = "org_unit") -> Q:
    return _paths_q(community_paths(user, roles), field)


def reaches(user, unit, roles) -> bool:
    if unit is None:
        return False
    return any(unit.path.startswith(p) for p in community_paths(user, roles))
