"""Community-level reach. Rooms and activities belong to a community, but residents and grid workers
hold their role at a grid; for these community-wide things a grid assignment reaches the whole
community above it (a resident of grid 1 may book the community's rooms)."""

from django.db.models import Q

from gongzhi.accounts.scoping import NOTHING
from gongzhi.core.models import OrgUnit


def community_paths(user, roles) -> list[str]:
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    paths = set()
    for a in user.assignments():
        if a.role not in roles:
            continue
        path = a.org_unit.path
        if a.org_unit.kind == OrgUnit.Kind.GRID:
            path = path.rstrip("/").rsplit("/", 1)[0] + "/"  # the parent's materialised path
        paths.add(path)
    return [p for p in sorted(paths) if not any(p != q and p.startswith(q) for q in paths)]


def community_scope_q(user, roles, field: str = "org_unit") -> Q:
    paths = community_paths(user, roles)
    if not paths:
        return NOTHING
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__path__startswith": path})
    return q


def reaches(user, unit, roles) -> bool:
    if unit is None:
        return False
    return any(unit.path.startswith(p) for p in community_paths(user, roles))
