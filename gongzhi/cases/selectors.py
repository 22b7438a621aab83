"""Reads of the cases app. Every list is scoped and costs a fixed number of queries."""

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from gongzhi.accounts.roles import READER_ROLES, Role
from gongzhi.accounts.scoping import NOTHING, communities_of, scope_paths, scope_q
from gongzhi.core import figures
from gongzhi.core.models import GridStation

from .models import Case, CaseFollower, CaseParticipant, CaseTransition, Category
from .services import haversine_m, overdue_q

DUPLICATE_RADIUS_M = 200


def staff_scope_q(user) -> Q:
    """Cases a member of staff may see: their subtree, plus joint cases their partner unit is in."""
    q = scope_q(user, READER_ROLES)
    unit = getattr(user, "partner_unit_id", None)
    if unit and user.has_role(Role.PARTNER_STAFF):
        q |= Q(pk__in=CaseParticipant.objects.filter(partner_id=unit).values("case_id"))
    return q


def visible_q(user) -> Q:
    if not user.is_authenticated:
        return NOTHING
    return (
        staff_scope_q(user)
        | Q(reporter=user)
        | Q(pk__in=CaseFollower.objects.filter(user=user).values("case_id"))
    )


def _list_related(qs: QuerySet) -> QuerySet:
    return qs.select_related("category", "org_unit", "community", "assignee", "lead_partner")


def case_queue(
    *,
    user,
    status: str | None = None,
    open_only: bool = False,
    overdue: bool = False,
    tier: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    q: str = "",
    now=None,
) -> QuerySet:
    qs = _list_related(Case.objects.filter(staff_scope_q(user)))
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=Case.OPEN_STATES)
    if overdue:
        qs = qs.filter(overdue_q(now or timezone.now()))
    if tier:
        qs = qs.filter(tier=tier)
    if category:
        qs = qs.filter(category__code=category)
    if channel:
        qs = qs.filter(channel=channel)
    if q:
        qs = qs.filter(
            Q(description__icontains=q) | Q(address__icontains=q) | Q(pk=int(q) if q.isdigit() else 0)
        )
    if open_only or overdue:
        return qs.order_by("resolution_due", "id")
    return qs.order_by("-created_at", "-id")


# What a row of the queue page shows (cases/partials/queue_rows.html). The queue's queryset joins
# five tables whole for the API; a page of 20 rows read ~150 columns per row, the assignee's password
# hash among them, and built every one of them into Python objects.
QUEUE_ROW_FIELDS = (
    "status", "tier", "description", "created_at", "response_due", "resolution_due",
    "org_unit__name", "category__name", "category__name_bo", "assignee__display_name", "assignee__username",
)  # fmt: skip


def queue_rows(qs: QuerySet) -> QuerySet:
    """`qs` (from case_queue) narrowed to the columns of the queue page's rows."""
    return qs.select_related(None).select_related("org_unit", "category", "assignee").only(*QUEUE_ROW_FIELDS)


def grid_open_cases(*, user, limit: int = 20) -> list[Case]:
    """The open cases of the grids a grid worker (or duty person) covers, newest first."""
    return list(
        _list_related(Case.objects.filter(scope_q(user, READER_ROLES), status__in=Case.OPEN_STATES)).order_by(
            "-created_at", "-id"
        )[:limit]
    )


def queue_counts(*, user, now=None) -> dict:
    now = now or timezone.now()
    return Case.objects.filter(staff_scope_q(user)).aggregate(
        open=Count("pk", filter=Q(status__in=Case.OPEN_STATES)),
        new=Count("pk", filter=Q(status=Case.Status.SUBMITTED)),
        overdue=Count("pk", filter=overdue_q(now)),
        resolved=Count("pk", filter=Q(status=Case.Status.RESOLVED)),
    )


def my_cases(*, user) -> QuerySet:
    if not user.is_authenticated:
        return Case.objects.none()
    return _list_related(
        Case.objects.filter(
            Q(reporter=user) | Q(pk__in=CaseFollower.objects.filter(user=user).values("case_id"))
        )
    ).order_by("-created_at", "-id")


def case_get(*, user, pk: int) -> Case:
    """One case with everything its page shows; Case.DoesNotExist when outside the user's view."""
    return (
        _list_related(Case.objects.filter(visible_q(user)))
        .select_related("reporter", "station", "topic", "duplicate_of", "reporter_resident", "mediation")
        .prefetch_related(
            Prefetch("transitions", queryset=CaseTransition.objects.select_related("actor")),
            "photos__upload",
            Prefetch(
                "participants", queryset=CaseParticipant.objects.select_related("partner", "reported_by")
            ),
            "duplicates",
            "mediation__parties",
            "mediation__sessions__volunteer",
            "mediation__sessions__mediator",
        )
        .get(pk=pk)
    )


def case_by_tracking_code(code: str) -> Case | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 12:
        return None
    return (
        Case.objects.select_related("category", "community")
        .prefetch_related("transitions")
        .filter(tracking_code=code)
        .first()
    )


def categories_for(unit) -> QuerySet:
    """Active categories usable in a community: those kept by it or by a unit above it."""
    if unit is None:
        return Category.objects.none()
    return Category.objects.filter(is_active=True, org_unit_id__in=unit.ancestor_ids).select_related("parent")


def category_list(*, user) -> QuerySet:
    units = communities_of(user, READER_ROLES)
    ids = set()
    for unit in units:
        ids.update(unit.ancestor_ids)
    return (
        Category.objects.filter(Q(org_unit_id__in=ids) | scope_q(user, READER_ROLES))
        .select_related("parent", "org_unit")
        .prefetch_related("handling_units")
        .distinct()
    )


def station_for(*, user, pk: int) -> GridStation:
    return GridStation.objects.select_related("org_unit", "org_unit__parent").get(
        Q(pk=pk, is_active=True) & (scope_q(user, READER_ROLES) | Q(duty_staff=user))
    )


def duplicates_near(
    *,
    community,
    category,
    lat=None,
    long=None,
    address: str = "",
    exclude_pk=None,
    radius_m: int = DUPLICATE_RADIUS_M,
) -> list[Case]:
    """Open cases of the same category within `radius_m` metres, or at the same address. A
    bounding box narrows the rows in SQL; the haversine distance decides in Python."""
    if community is None or category is None:
        return []
    base = Case.objects.filter(
        community=community, category=category, status__in=Case.OPEN_STATES
    ).select_related("category")
    if exclude_pk:
        base = base.exclude(pk=exclude_pk)
    found: dict[int, Case] = {}
    if lat not in (None, "") and long not in (None, ""):
        lat, long = float(lat), float(long)
        dlat = radius_m / 111_320
        dlong = radius_m / (111_320 * max(0.01, abs(__import__("math").cos(__import__("math").radians(lat)))))
        box = base.filter(
            lat__gte=Decimal(str(lat - dlat)),
            lat__lte=Decimal(str(lat + dlat)),
            long__gte=Decimal(str(long - dlong)),
            long__lte=Decimal(str(long + dlong)),
        )[:50]
        for case in box:
            distance = haversine_m(lat, long, case.lat, case.long)
            if distance <= radius_m:
                case.distance_m = round(distance)
                found[case.pk] = case
    address = (address or "").strip()
    if address:
        for case in base.filter(address__iexact=address)[:10]:
            case.distance_m = getattr(case, "distance_m", None)
            found.setdefault(case.pk, case)
    return sorted(found.values(), key=lambda c: (getattr(c, "distance_m", None) or 0, -c.pk))[:10]


# Where the map picker opens when a community has no case with a point yet: central Lhasa.
DEFAULT_CENTRE = (29.65, 91.13)


def map_points(*, community, limit: int = 200) -> dict:
    """What the location picker draws: the open cases of a community that carry a point (category
    name only: no description, no reporter), and the centre to open at (their mean, or Lhasa).
    One query whatever the number of cases."""
    if community is None:
        return {"centre": list(DEFAULT_CENTRE), "points": []}
    rows = list(
        Case.objects.filter(community=community, status__in=Case.OPEN_STATES, lat__isnull=False)
        .exclude(NOT_PUBLIC_Q)
        .order_by("-created_at", "-id")
        .values_list("lat", "long", "category__name", "category__name_bo")[:limit]
    )
    points = [
        {"lat": float(lat), "long": float(long), "name": name, "name_bo": name_bo}
        for lat, long, name, name_bo in rows
    ]
    if points:
        centre = [
            round(sum(p["lat"] for p in points) / len(points), 6),
            round(sum(p["long"] for p in points) / len(points), 6),
        ]
    else:
        centre = list(DEFAULT_CENTRE)
    return {"centre": centre, "points": points}


# --- metrics -----------------------------------------------------------------------------------------

GROUPS = {
    "grid": ("org_unit__name", "org_unit_id"),
    "community": ("community__name", "community_id"),
    "category": ("category__name", "category_id"),
    "handling_unit": ("lead_partner__name", "lead_partner_id"),
    "month": ("month", "month"),
}


def _aggregates(now):
    resolved_ever = Q(resolved_at__isnull=False) | Q(reopen_count__gt=0)
    return {
        "total": Count("pk"),
        "responded_on_time": Count(
            "pk", filter=Q(accepted_at__isnull=False, accepted_at__lte=F("response_due"))
        ),
        "response_base": Count("pk", filter=Q(accepted_at__isnull=False) | Q(response_due__lt=now)),
        "resolved_on_time": Count(
            "pk", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("resolution_due"))
        ),
        "resolution_base": Count("pk", filter=Q(resolved_at__isnull=False) | Q(resolution_due__lt=now)),
        "resolved": Count("pk", filter=Q(resolved_at__isnull=False)),
        "resolved_ever": Count("pk", filter=resolved_ever),
        "reopened": Count("pk", filter=Q(reopen_count__gt=0)),
        "rated": Count("pk", filter=Q(rating__isnull=False)),
        "satisfied": Count("pk", filter=Q(rating__gte=4)),
        "closed": Count("pk", filter=Q(status=Case.Status.CLOSED)),
        "avg_handling": Avg(
            ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField()),
            filter=Q(resolved_at__isnull=False),
        ),
    }


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def _finish(row: dict) -> dict:
    avg = row.get("avg_handling")
    if isinstance(avg, int | float):  # some backends answer microseconds
        avg = datetime.timedelta(microseconds=avg)
    row["avg_handling_hours"] = round(avg.total_seconds() / 3600, 1) if avg else None
    row["response_rate"] = _rate(row["responded_on_time"], row["response_base"])
    row["resolution_rate"] = _rate(row["resolved_on_time"], row["resolution_base"])
    row["satisfaction_rate"] = _rate(row["satisfied"], row["rated"])
    row["on_time_rate"] = _rate(row["resolved_on_time"], row["resolved"])
    row["reopen_rate"] = _rate(row["reopened"], row["resolved_ever"])
    row["rated_share"] = _rate(row["rated"], row["closed"])
    row.pop("avg_handling", None)
    return row


def metrics_base(*, user, org_unit=None, month: datetime.date | None = None) -> QuerySet:
    qs = Case.objects.filter(staff_scope_q(user)).exclude(status=Case.Status.REJECTED)
    if org_unit is not None:
        qs = qs.filter(org_unit__path__startswith=org_unit.path)
    if month is not None:
        tz = timezone.get_current_timezone()
        start = datetime.datetime(month.year, month.month, 1, tzinfo=tz)
        end = datetime.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=tz)
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    return qs


def metrics(*, user, org_unit=None, month=None, now=None, groups=tuple(GROUPS)) -> dict:
    """The rates over the user's cases, overall and per grid, community, category, handling unit
    and month, with "as_of", when they were computed: the same question's figures are computed at
    most once per few minutes and afresh after a case in scope changed (core.figures; a given
    `now` computes them afresh too). On PostgreSQL
    one scan with grouping sets; elsewhere one aggregate query per grouping (`metrics_by_query`).
    Either way the same number of queries whatever the cases."""
    if now is not None:
        return {**_metrics(user, org_unit, month, now, groups), "as_of": now}
    partner = user.partner_unit_id if user.has_role(Role.PARTNER_STAFF) else None
    paths = scope_paths(user, READER_ROLES)
    question = (
        paths,
        partner,
        org_unit.pk if org_unit is not None else None,
        month,
        tuple(groups),
    )
    return figures.cached(
        "cases.metrics",
        question,
        lambda: _metrics(user, org_unit, month, timezone.now(), groups),
        # A partner unit's joint cases may lie anywhere: any case write computes its figures afresh.
        scope=None if partner else paths,
    )


def _metrics(user, org_unit, month, now, groups) -> dict:
    base = metrics_base(user=user, org_unit=org_unit, month=month)
    if connection.vendor == "postgresql" and groups:
        return _metrics_grouped(base, now, groups)
    return metrics_by_query(base, now, groups)


def _month_name(value) -> str:
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m")
    return str(value)[:7]


def metrics_by_query(base, now, groups) -> dict:
    result = {"overall": _finish(base.aggregate(**_aggregates(now)))}
    for group in groups:
        label, key = GROUPS[group]
        qs = base
        if group == "month":
            qs = qs.annotate(month=TruncMonth("created_at"))
        rows = (
            qs.values(label, key).annotate(**_aggregates(now)).order_by(label)
            if group != "month"
            else (qs.values("month").annotate(**_aggregates(now)).order_by("month"))
        )
        out = []
        for row in rows:
            row = dict(row)
            name = row.pop(label, None)
            row.pop(key, None)
            if group == "month":
                name = _month_name(name)
            row["name"] = name or "—"
            out.append(_finish(row))
        result[group] = out
    return result


# The aggregates of `_aggregates`, written over the rows the ORM selects (`metrics_base`, with its
# scope and filters), so that one scan answers the overall figures and every grouping: each
# grouping's query had to join and scan the same cases (six queries of ~3 ms at a community of 3,000
# cases, docs/performance.md). GROUPING() names the set a row belongs to.
_METRICS_AGGREGATES = """
    COUNT(*) AS total,
    COUNT(*) FILTER (WHERE accepted_at IS NOT NULL AND accepted_at <= response_due) AS responded_on_time,
    COUNT(*) FILTER (WHERE accepted_at IS NOT NULL OR response_due < %s) AS response_base,
    COUNT(*) FILTER (WHERE resolved_at IS NOT NULL AND resolved_at <= resolution_due) AS resolved_on_time,
    COUNT(*) FILTER (WHERE resolved_at IS NOT NULL OR resolution_due < %s) AS resolution_base,
    COUNT(*) FILTER (WHERE resolved_at IS NOT NULL) AS resolved,
    COUNT(*) FILTER (WHERE resolved_at IS NOT NULL OR reopen_count > 0) AS resolved_ever,
    COUNT(*) FILTER (WHERE reopen_count > 0) AS reopened,
    COUNT(*) FILTER (WHERE rating IS NOT NULL) AS rated,
    COUNT(*) FILTER (WHERE rating >= 4) AS satisfied,
    COUNT(*) FILTER (WHERE status = %s) AS closed,
    AVG(resolved_at - created_at) FILTER (WHERE resolved_at IS NOT NULL) AS avg_handling"""
_METRIC_NAMES = (
    "total",
    "responded_on_time",
    "response_base",
    "resolved_on_time",
    "resolution_base",
    "resolved",
    "resolved_ever",
    "reopened",
    "rated",
    "satisfied",
    "closed",
    "avg_handling",
)
_GROUP_COLUMNS = {  # group: (name column, key column) of the inner select
    "grid": ("org_unit__name", "org_unit_id"),
    "community": ("community__name", "community_id"),
    "category": ("category__name", "category_id"),
    "handling_unit": ("lead_partner__name", "lead_partner_id"),
    "month": ("gz_month", "gz_month"),
}
_ROW_COLUMNS = ("accepted_at", "response_due", "resolved_at", "resolution_due", "reopen_count", "rating")


def _metrics_grouped(base, now, groups) -> dict:
    groups = [g for g in GROUPS if g in groups]
    columns = []
    for group in groups:
        columns += dict.fromkeys(_GROUP_COLUMNS[group])
    inner = base.annotate(gz_month=TruncMonth("created_at")) if "month" in groups else base
    inner = inner.values(*columns, *_ROW_COLUMNS, "status", "created_at").order_by()
    inner_sql, inner_params = inner.query.sql_with_params()
    keys = [_GROUP_COLUMNS[g][1] for g in groups]
    sets = ", ".join("(" + ", ".join(dict.fromkeys(_GROUP_COLUMNS[g])) + ")" for g in groups)
    names = [_GROUP_COLUMNS[g][0] for g in groups]
    sql = (
        f"SELECT {', '.join(dict.fromkeys(columns))}, GROUPING({', '.join(keys)}) AS gz_set,"  # noqa: S608  # nosec B608: names from this module, values are parameters
        f" {_METRICS_AGGREGATES} FROM ({inner_sql}) x GROUP BY GROUPING SETS ({sets}, ())"
        f" ORDER BY gz_set, {', '.join(names)}"
    )
    with connection.cursor() as cursor:
        # The aggregates' placeholders come before the inner select's in the text.
        cursor.execute(sql, [now, now, Case.Status.CLOSED.value, *inner_params])
        described = [c.name for c in cursor.description]
        rows = [dict(zip(described, row, strict=True)) for row in cursor.fetchall()]
    width = len(keys)
    set_of = {((1 << width) - 1) ^ (1 << (width - 1 - i)): group for i, group in enumerate(groups)}
    empty = dict.fromkeys(_METRIC_NAMES, 0) | {"avg_handling": None}
    result = {"overall": _finish(dict(empty)), **{group: [] for group in groups}}
    for row in rows:
        figures = {name: row[name] for name in _METRIC_NAMES}
        if row["gz_set"] == (1 << width) - 1:
            result["overall"] = _finish(figures)
            continue
        group = set_of[row["gz_set"]]
        name = row[_GROUP_COLUMNS[group][0]]
        if group == "month":
            name = _month_name(name)
        figures["name"] = name or "—"
        result[group].append(_finish(figures))
    return result


# --- for partner systems (Open311) --------------------------------------------------------------------

# Cases that stay inside the community's office: disputes name the parties, and letters to the red
# mailbox are addressed to the party secretary in confidence.
NOT_PUBLIC_Q = Q(kind=Case.Kind.MEDIATION) | Q(channel=Case.Channel.RED_MAILBOX)


def public_cases(*, community) -> QuerySet:
    """The cases of a community that partner systems may list (Open311 GET requests): never
    disputes nor red-mailbox letters. Callers show no reporter data from these rows."""
    return (
        Case.objects.filter(community=community)
        .exclude(NOT_PUBLIC_Q)
        .select_related("category", "org_unit", "lead_partner")
        .order_by("-created_at", "-id")
    )


def category_for_community(*, community, code: str) -> Category | None:
    """The active category with this code usable in `community`, or None."""
    return categories_for(community).filter(code=code).first() if code else None


def locate_in_community(*, community, address_id: str = "", address: str = "") -> tuple | None:
    """Where an address of the community lies: (grid, address text) for a building of the
    registry named by its id or by its exact address; None when unknown. The id of a building
    outside the community is unknown too."""
    from gongzhi.registry.models import Building

    buildings = Building.objects.filter(org_unit__path__startswith=community.path).select_related("org_unit")
    building = None
    if address_id:
        building = buildings.filter(pk=int(address_id)).first() if str(address_id).isdigit() else None
    elif address.strip():
        building = buildings.filter(address__iexact=address.strip()).order_by("id").first()
    if building is None:
        return None
    return building.org_unit, building.address


def building_addresses(*, community, limit: int = 50) -> list[tuple[int, str]]:
    """(address_id, address) of the registry's buildings in a community: the ids partner systems
    may send as Open311 `address_id`."""
    from gongzhi.registry.models import Building

    return list(
        Building.objects.filter(org_unit__path__startswith=community.path)
        .order_by("id")
        .values_list("pk", "address")[:limit]
    )
