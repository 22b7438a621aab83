"""Reads of the Open311 app: jurisdictions, keys, and the GeoReport views of cases (through cases'
selectors: `public_cases`, `categories_for`, `case_by_tracking_code`)."""

import datetime

from django.conf import settings
from django.db.models import QuerySet

from gongzhi.accounts.roles import Role
from gongzhi.accounts.scoping import communities_of, scope_q
from gongzhi.cases import selectors as case_selectors
from gongzhi.cases.models import Case, Category
from gongzhi.core.models import OrgUnit, PartnerUnit

from .models import ApiKey

MANAGERS = (Role.COMMUNITY_STAFF, Role.SECRETARY)
MAX_REQUESTS = 1000
MAX_SPAN = datetime.timedelta(days=90)
CLOSED_STATES = (Case.Status.RESOLVED, Case.Status.CLOSED, Case.Status.REJECTED)


# --- jurisdictions ------------------------------------------------------------------------------------


def _communities() -> QuerySet:
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNITY, is_active=True)


def jurisdiction_default() -> OrgUnit | None:
    """The deployment's jurisdiction: the community named by OPEN311_JURISDICTION_ID, else the first
    community created."""
    code = settings.OPEN311_JURISDICTION_ID
    if code:
        return _communities().filter(code=code).first()
    return _communities().order_by("id").first()


def jurisdiction_get(jurisdiction_id: str = "") -> OrgUnit | None:
    """The community a `jurisdiction_id` (its org-unit code) names; the default when it is empty;
    None when it names no community."""
    jurisdiction_id = (jurisdiction_id or "").strip()
    if not jurisdiction_id:
        return jurisdiction_default()
    return _communities().filter(code=jurisdiction_id).first()


# --- keys ---------------------------------------------------------------------------------------------


def key_list(*, user) -> QuerySet:
    """The keys of the communities the user manages, newest first."""
    return (
        ApiKey.objects.filter(scope_q(user, MANAGERS))
        .select_related("org_unit", "partner", "created_by", "revoked_by")
        .order_by("-created_at", "-id")
    )


def key_get(*, user, pk: int) -> ApiKey:
    """One key the user manages; ApiKey.DoesNotExist otherwise (another community's key is a 404)."""
    return key_list(user=user).get(pk=pk)


def managed_communities(*, user) -> QuerySet:
    return communities_of(user, MANAGERS).order_by("path")


def partners_of(*, communities) -> QuerySet:
    return PartnerUnit.objects.filter(org_unit__in=communities, is_active=True).order_by("name")


# --- GeoReport ----------------------------------------------------------------------------------------


def services(*, community) -> QuerySet:
    """One Open311 service per active category usable in the community."""
    return case_selectors.categories_for(community).order_by("sort_order", "code")


def service_get(*, community, code: str) -> Category | None:
    return case_selectors.category_for_community(community=community, code=code)


def requests_search(
    *,
    community,
    ids: list[int] | None = None,
    codes: list[str] | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    statuses: set[str] | None = None,
) -> list[Case]:
    """The requests of GET requests: by ids (which override every other filter), else by service
    codes, requested time and open/closed status; newest first, at most 1,000."""
    qs = case_selectors.public_cases(community=community)
    if ids is not None:
        return list(qs.filter(pk__in=ids)[:MAX_REQUESTS])
    if codes:
        qs = qs.filter(category__code__in=codes)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if statuses == {"open"}:
        qs = qs.exclude(status__in=CLOSED_STATES)
    elif statuses == {"closed"}:
        qs = qs.filter(status__in=CLOSED_STATES)
    return list(qs[:MAX_REQUESTS])


def request_get(*, community, pk: int) -> Case | None:
    return case_selectors.public_cases(community=community).filter(pk=pk).first()


def request_by_token(*, community, token: str) -> Case | None:
    case = case_selectors.case_by_tracking_code(token)
    if case is None or case.community_id != community.pk:
        return None
    if not case_selectors.public_cases(community=community).filter(pk=case.pk).exists():
        return None
    return case
