"""Reads of the care app, scoped to the user's area with the related rows each page needs."""

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from gongzhi.accounts.scoping import scope_q
from gongzhi.core import audit
from gongzhi.registry.choices import DERIVED_TAGS, HARDSHIP_TAGS
from gongzhi.registry.models import Resident

from .models import (
    Assessment,
    CareProfile,
    ChildProfile,
    ClinicEvent,
    HealthRecord,
    Measurement,
    RiskLevel,
    ServiceOrder,
    ServiceType,
    Visit,
    Volunteer,
)
from .rules import CARE_READ_ROLES, CARE_WRITE_ROLES, CHILD_ROLES, HEALTH_ROLES


def _tagged_q() -> Q:
    return Q(care_tags__isnull=False) & ~Q(care_tags__code__in=list(DERIVED_TAGS))


def roster(
    *,
    user,
    risk: str = "",
    grid: int | None = None,
    tag: str = "",
    q: str = "",
    overdue_only=False,
    today=None,
):
    """Everyone with a care tag in the user's area, with their profile (if any): never visited and
    overdue first, then by the next due date. A person without a profile counts as medium risk and
    due now."""
    today = today or timezone.localdate()
    ids = (
        Resident.objects.filter(scope_q(user, CARE_READ_ROLES), _tagged_q(), status=Resident.Status.LIVING)
        .values("pk")
        .distinct()
    )
    qs = Resident.objects.filter(pk__in=ids)
    if risk == RiskLevel.MEDIUM:
        qs = qs.filter(Q(care_profile__risk_level=risk) | Q(care_profile__isnull=True))
    elif risk in RiskLevel.values:
        qs = qs.filter(care_profile__risk_level=risk)
    if grid:
        qs = qs.filter(org_unit_id=grid)
    if tag:
        qs = qs.filter(care_tags__code=tag)
    if q.strip():
        qs = qs.filter(Q(name__startswith=q.strip()) | Q(name_pinyin__startswith=q.strip().lower()))
    if overdue_only:
        qs = qs.filter(
            Q(care_profile__isnull=True)
            | Q(care_profile__next_due_on__isnull=True)
            | Q(care_profile__next_due_on__lt=today)
        )
    return (
        qs.select_related("care_profile", "org_unit", "household")
        .prefetch_related("care_tags")
        .order_by(F("care_profile__next_due_on").asc(nulls_first=True), "name", "pk")
    )


def roster_counts(*, user, today=None) -> dict:
    today = today or timezone.localdate()
    base = roster(user=user, today=today)
    return {
        "total": base.count(),
        "overdue": roster(user=user, today=today, overdue_only=True).count(),
        "high": base.filter(care_profile__risk_level=RiskLevel.HIGH).count(),
    }


def roster_resident(*, user, pk: int) -> Resident:
    """A resident on the user's roster (or already with a profile), else DoesNotExist."""
    return (
        Resident.objects.filter(scope_q(user, CARE_READ_ROLES))
        .filter(_tagged_q() | Q(care_profile__isnull=False))
        .select_related("care_profile", "org_unit", "household")
        .prefetch_related("care_tags")
        .distinct()
        .get(pk=pk)
    )


def writable_resident(*, user, pk: int) -> Resident:
    return (
        Resident.objects.filter(scope_q(user, CARE_WRITE_ROLES), status=Resident.Status.LIVING)
        .select_related("care_profile", "org_unit", "household")
        .get(pk=pk)
    )


def visits_of(resident) -> QuerySet:
    return (
        Visit.objects.filter(profile__resident=resident)
        .select_related("visitor")
        .prefetch_related("photos")
        .order_by("-visited_on", "-id")
    )


def visit_list(*, user) -> QuerySet:
    return Visit.objects.filter(scope_q(user, CARE_READ_ROLES)).select_related("profile__resident", "visitor")


def assessments_of(resident) -> QuerySet:
    return (
        Assessment.objects.filter(profile__resident=resident)
        .select_related("assessor")
        .order_by("-assessed_on", "-id")
    )


def assessment_list(*, user) -> QuerySet:
    return Assessment.objects.filter(scope_q(user, CARE_READ_ROLES)).select_related(
        "profile__resident", "assessor"
    )


def assessment_get(*, user, pk: int) -> Assessment:
    return assessment_list(user=user).get(pk=pk)


def reassessments_due(*, user, today=None) -> QuerySet:
    today = today or timezone.localdate()
    return (
        CareProfile.objects.filter(scope_q(user, CARE_READ_ROLES), is_active=True, reassess_due_on__lte=today)
        .select_related("resident")
        .order_by("reassess_due_on")
    )


def order_list(*, user, state: str = "", service: str = "") -> QuerySet:
    qs = ServiceOrder.objects.filter(scope_q(user, CARE_READ_ROLES))
    if state in ServiceOrder.State.values:
        qs = qs.filter(state=state)
    if service:
        qs = qs.filter(service_type__code=service)
    return qs.select_related("profile__resident", "service_type", "partner", "volunteer", "org_unit")


def order_get(*, user, pk: int) -> ServiceOrder:
    return order_list(user=user).prefetch_related("steps__actor").get(pk=pk)


def service_types_visible(*, user) -> QuerySet:
    return ServiceType.objects.filter(
        Q(org_unit__isnull=True) | scope_q(user, CARE_READ_ROLES), is_active=True
    )


def volunteer_list(*, user) -> QuerySet:
    from gongzhi.accounts.scoping import community_scope_q

    return (
        Volunteer.objects.filter(community_scope_q(user, CARE_READ_ROLES))
        .select_related("resident")
        .annotate(orders_done=Count("orders", filter=Q(orders__state__in=["done", "rated"])))
        # An aggregate drops the model's default ordering: order again so the pages are stable.
        .order_by("name", "id")
    )


# --- health (every read that shows a record is logged by the caller through log_access) --------


def health_record_list(*, user) -> QuerySet:
    return HealthRecord.objects.filter(scope_q(user, HEALTH_ROLES)).select_related("resident", "org_unit")


def health_record_get(*, user, pk: int) -> HealthRecord:
    """A record the user may see: health workers of the area, or the resident's own."""
    return (
        HealthRecord.objects.filter(scope_q(user, HEALTH_ROLES) | Q(resident__user=user))
        .select_related("resident", "org_unit")
        .get(pk=pk)
    )


def health_record_any(pk: int) -> HealthRecord:
    """Unscoped, for refusing (and logging) access to an existing record."""
    return HealthRecord.objects.select_related("org_unit").get(pk=pk)


def measurements_of(record) -> QuerySet:
    return Measurement.objects.filter(record=record).select_related("clinic").order_by("-measured_on", "kind")


def health_count(*, user) -> int:
    """E.g. "327 health records": a query, never a typed-in number."""
    return health_record_list(user=user).count()


def clinic_list(*, user) -> QuerySet:
    from gongzhi.accounts.scoping import community_scope_q

    return (
        ClinicEvent.objects.filter(community_scope_q(user, HEALTH_ROLES))
        .annotate(screened=Count("measurements__record", distinct=True))
        .order_by("-held_on", "-id")  # an aggregate drops the model's default ordering
    )


def clinic_get(*, user, pk: int) -> ClinicEvent:
    return clinic_list(user=user).select_related("org_unit").get(pk=pk)


def health_residents(*, user) -> QuerySet:
    return Resident.objects.filter(scope_q(user, HEALTH_ROLES), status=Resident.Status.LIVING)


# --- children ----------------------------------------------------------------------------------


def child_list(*, user) -> QuerySet:
    return ChildProfile.objects.filter(scope_q(user, CHILD_ROLES)).select_related("resident", "org_unit")


def child_get(*, user, pk: int) -> ChildProfile:
    return child_list(user=user).select_related("guardian").prefetch_related("follow_ups__actor").get(pk=pk)


def child_any(pk: int) -> ChildProfile:
    return ChildProfile.objects.select_related("org_unit").get(pk=pk)


def log_access(*, user, obj, what: str) -> None:
    audit.record_access(actor=user, obj=obj, what=what)


def log_refusal(*, user, obj, what: str) -> None:
    from gongzhi.core.models import AuditEntry

    audit.record(
        actor=user if user.is_authenticated else None,
        action=f"view:{what}",
        obj=obj,
        kind=AuditEntry.Kind.ACCESS,
        outcome=AuditEntry.Outcome.DENIED,
    )


# --- reports -----------------------------------------------------------------------------------


def coverage_by_grid(*, user, today=None) -> list[dict]:
    """Per grid: people with a care tag, of them visited within their frequency (not overdue),
    and assessed within 12 months."""
    today = today or timezone.localdate()
    year_ago = today - datetime.timedelta(days=365)
    people = roster(user=user, today=today)
    rows = {}
    for r in people.values(
        "org_unit_id", "org_unit__name", "care_profile__next_due_on", "care_profile__last_assessed_on"
    ):
        row = rows.setdefault(
            r["org_unit_id"], {"grid": r["org_unit__name"], "people": 0, "visited": 0, "assessed": 0}
        )
        row["people"] += 1
        due = r["care_profile__next_due_on"]
        if due is not None and due >= today:
            row["visited"] += 1
        assessed = r["care_profile__last_assessed_on"]
        if assessed is not None and assessed >= year_ago:
            row["assessed"] += 1
    out = sorted(rows.values(), key=lambda x: x["grid"])
    for row in out:
        row["visited_pct"] = round(100 * row["visited"] / row["people"]) if row["people"] else 0
        row["assessed_pct"] = round(100 * row["assessed"] / row["people"]) if row["people"] else 0
    return out


def services_by_month(*, user, months: int = 12, today=None) -> dict:
    """Service orders done per service type and month (the last `months` months)."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    for _ in range(months - 1):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    rows = (
        ServiceOrder.objects.filter(
            scope_q(user, CARE_READ_ROLES), state__in=["done", "rated"], done_at__date__gte=start
        )
        .annotate(month=TruncMonth("done_at"))
        .values("month", "service_type__name")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    labels = []
    day = start
    while day <= today:
        labels.append(day.strftime("%Y-%m"))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    series = {}
    for r in rows:
        label = r["month"].strftime("%Y-%m")
        name = gettext(r["service_type__name"])
        series.setdefault(name, [0] * len(labels))
        if label in labels:
            series[name][labels.index(label)] += r["n"]
    return {"labels": labels, "series": series}


def donation_list(*, user) -> QuerySet:
    from gongzhi.accounts.scoping import community_scope_q

    from .models import Donation

    return Donation.objects.filter(community_scope_q(user, CARE_READ_ROLES)).select_related("resident")


def donation_totals(*, user) -> dict:
    from django.db.models import Sum

    qs = donation_list(user=user)
    money = {
        r["direction"]: r["total"]
        for r in qs.filter(kind="money").values("direction").annotate(total=Sum("amount"))
    }
    return {
        "money_in": money.get("in") or 0,
        "money_out": money.get("out") or 0,
        "in_kind_in": qs.filter(kind="in_kind", direction="in").count(),
        "in_kind_out": qs.filter(kind="in_kind", direction="out").count(),
    }


def guidance_list(*, user) -> QuerySet:
    from .models import GuidanceSession

    return GuidanceSession.objects.filter(scope_q(user, CARE_READ_ROLES)).select_related("resident")


def needy_residents(*, user) -> QuerySet:
    ids = Resident.objects.filter(
        scope_q(user, CARE_WRITE_ROLES), status=Resident.Status.LIVING, care_tags__code__in=HARDSHIP_TAGS
    ).values("pk")
    return Resident.objects.filter(pk__in=ids).order_by("name", "pk")
