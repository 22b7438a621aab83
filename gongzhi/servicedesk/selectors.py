"""Reads of the service desk: scoped with scope_q, with the joins each page needs."""

import datetime
import statistics
from collections import Counter as Tally
from collections import defaultdict

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES, Role
from gongzhi.accounts.scoping import communities_of, scope_q
from gongzhi.core import calendar
from gongzhi.core.models import OrgUnit

from .models import (
    Appointment,
    Category,
    Counter,
    Proof,
    ProofTemplate,
    QueueTicket,
    Rating,
    ServiceItem,
    ServiceRecord,
)
from .slots import day_slots

MANAGERS = (Role.COMMUNITY_STAFF, Role.SECRETARY)
CALLBACK_ROLES = (Role.SECRETARY, Role.COMMUNITY_STAFF)


# --- catalogue -----------------------------------------------------------------------------------


def public_communities() -> QuerySet:
    """Communities whose catalogue is published (anyone may browse it before coming)."""
    return (
        OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNITY, is_active=True, service_items__is_active=True)
        .distinct()
        .order_by("name")
    )


def catalogue(*, community: OrgUnit, category: str | None = None, q: str = "") -> QuerySet:
    qs = ServiceItem.objects.filter(org_unit=community, is_active=True).select_related(
        "forward_partner", "forward_unit"
    )
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(name_bo__icontains=q) | Q(name_en__icontains=q) | Q(code__iexact=q)
        )
    return qs


def catalogue_grouped(items) -> list[tuple[str, list]]:
    groups = defaultdict(list)
    for item in items:
        groups[item.category].append(item)
    return [(label, groups[value]) for value, label in Category.choices if groups[value]]


def community_for(user) -> OrgUnit | None:
    """The community a signed-in user belongs to or works in (first one)."""
    if not user.is_authenticated:
        return None
    units = communities_of(user, READER_ROLES | {Role.RESIDENT, Role.PARTNER_STAFF})
    return units.order_by("path").first()


def staff_communities(user, roles=WORKER_ROLES) -> QuerySet:
    return communities_of(user, roles).order_by("path")


def item_list(*, user, roles=WORKER_ROLES) -> QuerySet:
    """Items of the communities the user works in (grid workers see their community's)."""
    return ServiceItem.objects.filter(org_unit__in=staff_communities(user, roles)).select_related(
        "org_unit", "forward_partner", "forward_unit"
    )


def counter_list(*, user, roles=WORKER_ROLES) -> QuerySet:
    return Counter.objects.filter(org_unit__in=staff_communities(user, roles)).select_related("org_unit")


def template_list(*, user) -> QuerySet:
    return ProofTemplate.objects.filter(org_unit__in=staff_communities(user), is_active=True)


# --- appointments --------------------------------------------------------------------------------


def slot_availability(*, item: ServiceItem, date: datetime.date, now=None) -> list[dict]:
    """Free places per slot summed over the open counters; empty on a closed day."""
    community = item.org_unit
    if not calendar.is_working_day(community, date):
        return []
    now = timezone.localtime(now or timezone.now())
    cal = calendar.calendar_for(community)
    counters = list(Counter.objects.filter(Counter.serving_q(item), org_unit=community, is_active=True))
    taken = Tally(
        (c, s)
        for c, s in Appointment.objects.filter(
            org_unit=community, date=date, status__in=Appointment.ACTIVE
        ).values_list("counter_id", "slot_start")
    )
    free = defaultdict(int)
    ends = {}
    for counter in counters:
        for start, end in day_slots(community, counter, date, cal):
            free[start] += max(0, counter.slot_capacity - taken[(counter.pk, start)])
            ends[start] = end
    rows = []
    for start in sorted(free):
        past = datetime.datetime.combine(date, start, tzinfo=now.tzinfo) <= now
        rows.append({"start": start, "end": ends[start], "free": 0 if past else free[start], "past": past})
    return rows


def appointments_of_resident(resident) -> QuerySet:
    return (
        Appointment.objects.filter(resident=resident)
        .select_related("item", "counter")
        .order_by("-date", "-slot_start")
    )


def appointment_list(*, user, day: datetime.date | None = None) -> QuerySet:
    qs = Appointment.objects.filter(org_unit__in=staff_communities(user)).select_related(
        "item", "counter", "resident"
    )
    if day:
        qs = qs.filter(date=day)
    return qs


# --- queue ---------------------------------------------------------------------------------------


def tickets_today(*, community: OrgUnit, day: datetime.date | None = None) -> QuerySet:
    day = day or timezone.localdate()
    return QueueTicket.objects.filter(org_unit=community, day=day).select_related(
        "item", "counter", "resident"
    )


def tickets_of_resident(resident, *, day: datetime.date | None = None) -> list[dict]:
    """The resident's queue numbers of today, each with how many numbers wait before it (for a
    service the same counters handle, the count is approximate: every waiting number before it)."""
    day = day or timezone.localdate()
    tickets = list(
        QueueTicket.objects.filter(resident=resident, day=day)
        .select_related("item", "counter")
        .order_by("number")
    )
    waiting = (
        sorted(
            QueueTicket.objects.filter(
                org_unit_id__in={t.org_unit_id for t in tickets}, day=day, status=QueueTicket.Status.WAITING
            ).values_list("org_unit_id", "number")
        )
        if tickets
        else []
    )
    rows = []
    for t in tickets:
        ahead = sum(1 for unit, n in waiting if unit == t.org_unit_id and n < t.number)
        rows.append({"ticket": t, "ahead": ahead if t.status == QueueTicket.Status.WAITING else None})
    return rows


def display_board(*, community: OrgUnit, now=None) -> dict:
    """What the waiting-room screen shows: numbers and counters only, never names."""
    day = timezone.localdate(now or timezone.now())
    tickets = QueueTicket.objects.filter(org_unit=community, day=day).select_related("counter")
    serving = list(
        tickets.filter(status__in=[QueueTicket.Status.CALLED, QueueTicket.Status.SERVING]).order_by(
            "-called_at", "-id"
        )
    )
    waiting = tickets.filter(status=QueueTicket.Status.WAITING).count()
    return {"serving": serving, "waiting": waiting, "day": day}


def counter_serves_q(counter: Counter, field: str = "item") -> Q:
    """Tickets (or anything with an `item`) that this counter handles: all for a general counter,
    otherwise only its configured services."""
    through = Counter.items.through
    mine = through.objects.filter(counter_id=counter.pk).values("serviceitem_id")
    if not through.objects.filter(counter_id=counter.pk).exists():
        return Q()
    return Q(**{f"{field}__in": mine})


def counter_waiting(counter: Counter, *, day: datetime.date | None = None) -> int:
    """How many numbers wait today for a service this counter handles."""
    return QueueTicket.objects.filter(
        counter_serves_q(counter),
        org_unit_id=counter.org_unit_id,
        day=day or timezone.localdate(),
        status=QueueTicket.Status.WAITING,
    ).count()


def counter_current(counter: Counter) -> QueueTicket | None:
    return (
        QueueTicket.objects.filter(
            counter=counter, status__in=[QueueTicket.Status.CALLED, QueueTicket.Status.SERVING]
        )
        .select_related("item", "resident")
        .order_by("-called_at")
        .first()
    )


# --- records -------------------------------------------------------------------------------------


def record_list(*, user, roles=READER_ROLES) -> QuerySet:
    """Records in the user's scope: a grid worker sees their grid's, community staff the centre's."""
    scope = scope_q(user, roles)
    return ServiceRecord.objects.filter(scope).select_related(
        "item", "resident", "staff", "counter", "station", "forward_partner", "forward_unit", "rating"
    )


def forwarded_open(*, user) -> QuerySet:
    return (
        record_list(user=user)
        .filter(forward_status=ServiceRecord.ForwardStatus.PENDING)
        .order_by("forward_due_at")
    )


def records_of_resident(resident) -> QuerySet:
    return ServiceRecord.objects.filter(resident=resident).select_related(
        "item", "rating", "forward_partner", "forward_unit"
    )


def proof_list(*, user) -> QuerySet:
    """Proofs of the residents in the user's scope (a grid worker sees those of their grid's residents)."""
    return Proof.objects.filter(scope_q(user, READER_ROLES, field="resident__org_unit")).select_related(
        "resident", "template", "issued_by"
    )


def proof_verify(code: str) -> Proof | None:
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    if not code or len(code) > 16:
        return None
    return Proof.objects.select_related("org_unit").filter(verification_code=code).first()


def callback_list(*, user) -> QuerySet:
    return (
        Rating.objects.filter(scope_q(user, CALLBACK_ROLES), callback_status=Rating.Callback.PENDING)
        .select_related("record", "record__item", "record__resident", "record__staff")
        .order_by("created_at")
    )


# --- statistics ----------------------------------------------------------------------------------


def _percentile(values: list[int], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def _minutes(seconds) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def statistics_for(*, user, year: int, today: datetime.date | None = None) -> dict:
    """Monthly services by item, category, channel and outcome; waiting and handling times; the share
    done on the spot; satisfaction; and the year-on-year change of the volume (same period)."""
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year - 1, 1, 1, tzinfo=tz)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    rows = list(
        ServiceRecord.objects.filter(
            scope_q(user, READER_ROLES), started_at__gte=start, started_at__lt=end
        ).values_list(
            "started_at",
            "ended_at",
            "waiting_seconds",
            "outcome",
            "channel",
            "item__category",
            "item__name",
            "rating__level",
        )
    )
    months = list(range(1, 13))
    this_year = [r for r in rows if timezone.localtime(r[0], tz).year == year]
    last_year = [r for r in rows if timezone.localtime(r[0], tz).year == year - 1]

    def month_of(r):
        return timezone.localtime(r[0], tz).month

    by_month = Tally(month_of(r) for r in this_year)
    by_month_last = Tally(month_of(r) for r in last_year)

    def table(index):
        grid = defaultdict(lambda: [0] * 12)
        for r in this_year:
            grid[r[index]][month_of(r) - 1] += 1
        return sorted(((k, v, sum(v)) for k, v in grid.items()), key=lambda t: -t[2])

    # Same period comparison: up to today's day of the year when the year is still running.
    if year == today.year:
        cutoff = (today.month, today.day)
        this_period = sum(1 for r in this_year if _md(r[0], tz) <= cutoff)
        last_period = sum(1 for r in last_year if _md(r[0], tz) <= cutoff)
    else:
        this_period, last_period = len(this_year), len(last_year)
    yoy = round((this_period - last_period) * 100 / last_period, 1) if last_period else None

    waits = sorted(r[2] for r in this_year if r[2] is not None)
    handles = sorted(int((r[1] - r[0]).total_seconds()) for r in this_year)
    on_the_spot = sum(1 for r in this_year if r[3] == ServiceRecord.Outcome.DONE)
    levels = Tally(r[7] for r in this_year if r[7])
    rated = sum(levels.values())
    satisfied_share = (
        round((levels[Rating.Level.SATISFIED] + levels[Rating.Level.BASIC]) * 100 / rated, 1)
        if rated
        else None
    )
    labels = {
        "category": dict(Category.choices),
        "channel": dict(ServiceRecord.Channel.choices),
        "outcome": dict(ServiceRecord.Outcome.choices),
    }
    return {
        "year": year,
        "months": months,
        "total": len(this_year),
        "total_last_year": len(last_year),
        "period_this": this_period,
        "period_last": last_period,
        "yoy_percent": yoy,
        "by_month": [by_month[m] for m in months],
        "by_month_last": [by_month_last[m] for m in months],
        "by_item": table(6),
        "by_category": [(labels["category"].get(k, k), v, t) for k, v, t in table(5)],
        "by_channel": [(labels["channel"].get(k, k), v, t) for k, v, t in table(4)],
        "by_outcome": [(labels["outcome"].get(k, k), v, t) for k, v, t in table(3)],
        "wait_median": _minutes(statistics.median(waits) if waits else None),
        "wait_p90": _minutes(_percentile(waits, 0.9)),
        "handle_median": _minutes(statistics.median(handles) if handles else None),
        "handle_p90": _minutes(_percentile(handles, 0.9)),
        "on_the_spot_percent": round(on_the_spot * 100 / len(this_year), 1) if this_year else None,
        "ratings": {level: levels[level] for level in Rating.Level.values},
        "rating_labels": dict(Rating.Level.choices),
        "rated": rated,
        "satisfied_percent": satisfied_share,
    }


def _md(dt, tz):
    local = timezone.localtime(dt, tz)
    return (local.month, local.day)


def home_counts(*, user) -> dict:
    today = timezone.localdate()
    records = ServiceRecord.objects.filter(scope_q(user, READER_ROLES))
    return {
        "today": records.filter(started_at__date=today).count(),
        "forwarded_open": records.filter(forward_status=ServiceRecord.ForwardStatus.PENDING).count(),
        "overdue": records.filter(
            forward_status=ServiceRecord.ForwardStatus.PENDING, forward_due_at__lt=timezone.now()
        ).count(),
        "callbacks": Rating.objects.filter(
            scope_q(user, CALLBACK_ROLES), callback_status=Rating.Callback.PENDING
        ).aggregate(n=Count("id"))["n"],
    }
