"""The cockpit figures of the apps already on main, registered as fallbacks
(`register_cockpit_metric(..., replace=False)`): an app that registers a metric of the same key from
its own extensions module wins. Each compute answers {org_unit_id: value} for the span
start <= day < end in one or two grouped queries over the whole deployment (the refresh job runs
them; pages never do). Definitions follow the owning app's own statistics, cited per function."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.extension_points import CockpitMetric, register_cockpit_metric

ZERO = Decimal(0)


def _dt(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def _cap(end: datetime.date) -> datetime.datetime:
    """The instant the span's figures are taken at: its end, or now while it runs."""
    return min(_dt(end), timezone.now())


def _grouped(qs, field: str, agg) -> dict:
    rows = qs.values(field).annotate(v=agg).order_by().values_list(field, "v")
    return {unit: v for unit, v in rows if unit is not None and v}


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# --- registry: residents and households (stock on the last day of the span) ---------------------


def _living_on(end: datetime.date):
    from gongzhi.registry.models import Resident

    return (
        Resident.objects.filter(created_at__lt=_dt(end))
        .exclude(moved_in_on__gte=end)
        .exclude(moved_out_on__lt=end)
        .exclude(died_on__lt=end)
        .exclude(Q(status=Resident.Status.MOVED_OUT, moved_out_on__isnull=True))
        .exclude(Q(status=Resident.Status.DECEASED, died_on__isnull=True))
    )


def residents(*, start, end):
    return _grouped(_living_on(end), "org_unit", Count("pk"))


def households(*, start, end):
    """Households with at least one member on the register on the span's last day, rebuilt from the
    residents' move-in, move-out and death dates (a household keeps no dates of its own)."""
    return _grouped(_living_on(end), "household__org_unit", Count("household", distinct=True))


def elderly(*, start, end):
    last_day = end - datetime.timedelta(days=1)
    return _grouped(
        _living_on(end).filter(birth_date__lte=_years_before(last_day, 60)), "org_unit", Count("pk")
    )


def care_tagged(*, start, end):
    return _grouped(_living_on(end).filter(care_tags__isnull=False), "org_unit", Count("pk", distinct=True))


# --- cases (gongzhi.cases.selectors.metrics: received in the span, rejected ones left out) -----------


def _cases(start, end):
    from gongzhi.cases.models import Case

    return Case.objects.filter(created_at__gte=_dt(start), created_at__lt=_dt(end)).exclude(
        status=Case.Status.REJECTED
    )


def _case_count(condition=None):
    def compute(*, start, end):
        qs = _cases(start, end)
        if condition is not None:
            qs = qs.filter(condition(_cap(end)))
        return _grouped(qs, "org_unit", Count("pk"))

    return compute


CASE_CONDITIONS = {
    "responded_on_time": lambda now: Q(accepted_at__isnull=False, accepted_at__lte=F("response_due")),
    "response_base": lambda now: Q(accepted_at__isnull=False) | Q(response_due__lt=now),
    "resolved_on_time": lambda now: Q(resolved_at__isnull=False, resolved_at__lte=F("resolution_due")),
    "resolution_base": lambda now: Q(resolved_at__isnull=False) | Q(resolution_due__lt=now),
    "rated": lambda now: Q(rating__isnull=False),
    "satisfied": lambda now: Q(rating__gte=4),
    "overdue": lambda now: (
        Q(resolved_at__isnull=True, resolution_due__lt=now) | Q(resolved_at__gt=F("resolution_due"))
    ),
}


def _case_tier(tier):
    return _case_count(lambda now: Q(tier=tier))


# --- service desk (gongzhi.servicedesk.selectors.statistics_for) -------------------------------------


def _records(start, end):
    from gongzhi.servicedesk.models import ServiceRecord

    return ServiceRecord.objects.filter(started_at__gte=_dt(start), started_at__lt=_dt(end))


def services(*, start, end):
    return _grouped(_records(start, end), "org_unit", Count("pk"))


def services_rated(*, start, end):
    return _grouped(_records(start, end).filter(rating__isnull=False), "org_unit", Count("pk"))


def services_satisfied(*, start, end):
    return _grouped(
        _records(start, end).filter(rating__level__in=["satisfied", "basic"]), "org_unit", Count("pk")
    )


# --- points bank (gongzhi.points: earning kinds are awards and their reversals) ----------------------


def _entries(start, end):
    from gongzhi.points.models import PointEntry

    return PointEntry.objects.filter(created_at__gte=_dt(start), created_at__lt=_dt(end))


def points_earned(*, start, end):
    from gongzhi.points.models import PointEntry

    return _grouped(_entries(start, end).filter(kind__in=PointEntry.EARNING_KINDS), "org_unit", Sum("points"))


def points_redeemed(*, start, end):
    from gongzhi.points.models import PointEntry

    spent = _grouped(
        _entries(start, end).filter(kind__in=[PointEntry.Kind.REDEMPTION, PointEntry.Kind.CANCELLATION]),
        "org_unit",
        Sum("points"),
    )
    return {unit: -v for unit, v in spent.items() if v < 0}


def volunteers(*, start, end):
    from gongzhi.points.models import PointEntry

    return _grouped(
        _entries(start, end).filter(kind=PointEntry.Kind.AWARD, reversed_by__isnull=True),
        "org_unit",
        Count("account", distinct=True),
    )


def volunteer_hours(*, start, end):
    from gongzhi.points.models import PointEntry, PointRule

    return _grouped(
        _entries(start, end).filter(
            kind=PointEntry.Kind.AWARD, reversed_by__isnull=True, rule__unit=PointRule.Unit.HOUR
        ),
        "org_unit",
        Sum("quantity"),
    )


# --- activities (gongzhi.activities.selectors.participation_stats) ----------------------------------


def _attendances(start, end):
    from gongzhi.activities.models import Attendance

    return Attendance.objects.filter(
        counted=True, session__start__gte=_dt(start), session__start__lt=_dt(end)
    )


FIELD_ACTIVITY_UNIT = "session__activity__org_unit"


def sessions(*, start, end):
    from gongzhi.activities.models import ActivitySession

    qs = ActivitySession.objects.filter(start__gte=_dt(start), start__lt=_dt(end), end__lte=timezone.now())
    return _grouped(qs, "activity__org_unit", Count("pk"))


def person_times(*, start, end):
    return _grouped(_attendances(start, end), FIELD_ACTIVITY_UNIT, Count("pk"))


def people_reached(*, start, end):
    return _grouped(_attendances(start, end), FIELD_ACTIVITY_UNIT, Count("resident", distinct=True))


def child_times(*, start, end):
    from gongzhi.activities.selectors import CHILD_AGE

    born_after = datetime.date(start.year - CHILD_AGE, 12, 31)
    return _grouped(
        _attendances(start, end).filter(resident__birth_date__gt=born_after), FIELD_ACTIVITY_UNIT, Count("pk")
    )


def _group_times(group):
    def compute(*, start, end):
        return _grouped(
            _attendances(start, end).filter(session__activity__target_group=group),
            FIELD_ACTIVITY_UNIT,
            Count("pk"),
        )

    return compute


# --- deliberation (the minimal Topic on main) --------------------------------------------------------


def _topics(start, end):
    from gongzhi.deliberation.models import Topic

    return Topic.objects.filter(created_at__gte=_dt(start), created_at__lt=_dt(end))


def topics(*, start, end):
    return _grouped(_topics(start, end), "org_unit", Count("pk"))


def topics_decided(*, start, end):
    return _grouped(_topics(start, end).filter(status__in=["decided", "closed"]), "org_unit", Count("pk"))


def decisions(*, start, end):
    """Votes closed and counted in the span (gongzhi.deliberation: Decision.closed_at)."""
    from gongzhi.deliberation.models import Decision

    qs = Decision.objects.filter(closed_at__gte=_dt(start), closed_at__lt=_dt(end))
    return _grouped(qs, "org_unit", Count("pk"))


def results_done(*, start, end):
    """Results of decided topics completed in the span (gongzhi.deliberation: Result.done_at)."""
    from gongzhi.deliberation.models import Result

    qs = Result.objects.filter(status=Result.Status.DONE, done_at__gte=_dt(start), done_at__lt=_dt(end))
    return _grouped(qs, "org_unit", Count("pk"))


# --- assistance (gongzhi.assistance.selectors.care_report: lines paid, by payment month) -------------


def _paid(start, end):
    from gongzhi.assistance.models import PaymentLine

    return PaymentLine.objects.filter(month__gte=start, month__lt=end, status=PaymentLine.Status.PAID)


def assisted_households(*, start, end):
    return _grouped(_paid(start, end), "org_unit", Count("household", distinct=True))


def assisted_persons(*, start, end):
    """Persons of a beneficiary counted once in the span (the largest household size paid)."""
    rows = (
        _paid(start, end)
        .values("org_unit", "programme", "beneficiary_key")
        .annotate(m=Max("persons"))
        .order_by()
        .values_list("org_unit", "m")
    )
    out = defaultdict(int)
    for unit, persons in rows:
        out[unit] += persons
    return dict(out)


def assistance_paid(*, start, end):
    return _grouped(_paid(start, end), "org_unit", Sum("amount"))


def _paid_group(group):
    def compute(*, start, end):
        return _grouped(_paid(start, end).filter(programme__report_group=group), "org_unit", Sum("amount"))

    return compute


def reviews_overdue(*, start, end):
    """Reviews due before the span's last day and not done by then."""
    from gongzhi.assistance.models import ReviewTask

    last_day = end - datetime.timedelta(days=1)
    qs = ReviewTask.objects.filter(due_date__lt=last_day).filter(
        Q(done_at__isnull=True) | Q(done_at__gte=_dt(end))
    )
    return _grouped(qs, "org_unit", Count("pk"))


def possibly_missed(*, start, end):
    """Households that look eligible but receive nothing, on the span's last day: the rules of the
    assistance app's "possibly missed" list (gongzhi.assistance.selectors.possibly_missed) applied to
    the whole deployment and counted per household. A member on the register that day is flagged when
    (a) a programme with a minimum age has no enrolment or application of theirs although they have
    reached it, or (b) the household has no enrolment or application at all and either every member is
    70 or older, or the member carries one of the care tags in assistance.selectors.CARE_TAGS.
    Enrolments count while not exited (or exited after the day), applications while not refused."""
    from django.db.models import Exists, OuterRef

    from gongzhi.assistance.models import Application, Enrolment, Programme
    from gongzhi.assistance.selectors import CARE_TAGS

    day = end - datetime.timedelta(days=1)
    living = _living_on(end)
    enrolments = Enrolment.objects.filter(created_at__lt=_dt(end)).exclude(
        Q(status=Enrolment.Status.EXITED) & (Q(end_date__isnull=True) | Q(end_date__lt=day))
    )
    applications = Application.objects.filter(submitted_at__lt=_dt(end)).exclude(
        state=Application.State.REFUSED
    )
    uncovered = living.annotate(
        e=Exists(
            enrolments.filter(
                Q(beneficiary=OuterRef("pk"))
                | Q(household=OuterRef("household"), programme__target="household")
            )
        ),
        a=Exists(
            applications.filter(
                Q(beneficiary=OuterRef("pk")) | Q(household=OuterRef("household"), beneficiary__isnull=True)
            )
        ),
    ).filter(e=False, a=False)
    found: set[tuple[int, int]] = set()

    def take(qs):
        found.update(qs.values_list("household", "household__org_unit").distinct().order_by())

    for programme in Programme.objects.filter(is_active=True, eligibility__has_key="min_age"):
        born_by = _years_before(day, int(programme.eligibility["min_age"]))
        take(
            living.filter(birth_date__lte=born_by)
            .annotate(
                e=Exists(enrolments.filter(programme=programme, beneficiary=OuterRef("pk"))),
                a=Exists(applications.filter(programme=programme, beneficiary=OuterRef("pk"))),
            )
            .filter(e=False, a=False)
        )
    old = _years_before(day, 70)
    young_member = living.filter(household=OuterRef("household"), birth_date__gt=old)
    take(
        uncovered.filter(birth_date__lte=old, relationship_to_head="head")
        .annotate(y=Exists(young_member))
        .filter(y=False)
    )
    take(uncovered.filter(care_tags__code__in=CARE_TAGS))
    out = defaultdict(int)
    for _household, unit in found:
        out[unit] += 1
    return dict(out)


# --- collective economy (gongzhi.economy.selectors.income_report) ------------------------------------


def rent_invoiced(*, start, end):
    from gongzhi.economy.models import Invoice

    qs = Invoice.objects.filter(period_start__gte=start, period_start__lt=end).exclude(
        status=Invoice.Status.VOID
    )
    return _grouped(qs, "org_unit", Sum("amount"))


def rent_collected(*, start, end):
    from gongzhi.economy.models import Payment

    return _grouped(Payment.objects.filter(paid_on__gte=start, paid_on__lt=end), "org_unit", Sum("amount"))


def rent_plan(*, start, end):
    """The annual rent targets of the projects that existed by the span's end, pro rata by the
    days of the span in its year."""
    from gongzhi.economy.models import Project

    out = defaultdict(lambda: ZERO)
    days_in_year = (datetime.date(start.year + 1, 1, 1) - datetime.date(start.year, 1, 1)).days
    share = Decimal((end - start).days) / Decimal(days_in_year)
    for unit, target in Project.objects.filter(created_at__lt=_dt(end)).values_list(
        "org_unit", "annual_rent_target"
    ):
        out[unit] += (target * share).quantize(Decimal("0.01"))
    return {u: v for u, v in out.items() if v}


def area_total(*, start, end):
    from gongzhi.economy.models import ShopUnit

    return _grouped(ShopUnit.objects.filter(created_at__lt=_dt(end)), "org_unit", Sum("area"))


def area_let(*, start, end):
    """Area of the units a lease covers on the span's last day (gongzhi.economy.selectors.occupancy_on)."""
    from gongzhi.economy.models import Lease, ShopUnit

    last_day = end - datetime.timedelta(days=1)
    let_units = Lease.objects.filter(start_date__lte=last_day, end_date__gte=last_day).values("unit")
    return _grouped(ShopUnit.objects.filter(pk__in=let_units), "org_unit", Sum("area"))


# --- venues --------------------------------------------------------------------------------------------


def bookings(*, start, end):
    from gongzhi.venues.models import Booking

    qs = Booking.objects.filter(status=Booking.Status.CONFIRMED, start__gte=_dt(start), start__lt=_dt(end))
    return _grouped(qs, "org_unit", Count("pk"))


def register() -> None:
    from django.conf import settings

    apps = set(settings.GONGZHI_APPS)
    sections = {
        "registry": _("Residents and households"),
        "cases": _("Needs and complaints"),
        "servicedesk": _("Service desk"),
        "points": _("Points bank"),
        "activities": _("Activities"),
        "deliberation": _("Deliberation"),
        "assistance": _("Social assistance"),
        "economy": _("Collective economy"),
        "venues": _("Function rooms"),
    }

    def add(app, key, label, compute=None, order=0, **kw):
        if app not in apps:
            return
        metric = CockpitMetric(
            key=f"{app}.{key}",
            label=label,
            section=app,
            section_label=sections[app],
            compute=compute,
            order=order,
            **kw,
        )
        register_cockpit_metric(metric, replace=False)

    add(
        "registry",
        "residents",
        _("Residents"),
        residents,
        100,
        kind="stock",
        list_url="registry:resident_list",
        breakdown=True,
        description=_(
            "Residents on the register on the period's last day, from their registration, move-in, "
            "move-out and death dates."
        ),
    )
    add(
        "registry",
        "households",
        _("Households"),
        households,
        101,
        kind="stock",
        list_url="registry:household_list",
        breakdown=True,
        description=_(
            "Households with at least one member on the register on the period's last day. Past periods "
            "are rebuilt from the residents' move-in, move-out and death dates; a resident who moved to "
            "another household is counted in the household and grid they belong to today."
        ),
    )
    add(
        "registry",
        "elderly",
        _("Residents aged 60 and over"),
        elderly,
        102,
        kind="stock",
        list_url="registry:resident_list",
    )
    add(
        "registry",
        "care_tagged",
        _("Residents in a care group"),
        care_tagged,
        103,
        kind="stock",
        tile=False,  # the care app's roster tiles (care.*) say it group by group
        list_url="registry:resident_list",
    )

    add(
        "cases",
        "received",
        _("Cases received"),
        _case_count(),
        300,
        list_url="cases:queue",
        trend=True,
        breakdown=True,
    )
    for name, cond in CASE_CONDITIONS.items():
        label = {
            "responded_on_time": _("Cases answered on time"),
            "response_base": _("Cases due an answer"),
            "resolved_on_time": _("Cases resolved on time"),
            "resolution_base": _("Cases due a resolution"),
            "rated": _("Cases rated"),
            "satisfied": _("Cases rated satisfied"),
            "overdue": _("Cases overdue"),
        }[name]
        shown = name == "overdue"
        add(
            "cases", name, label, _case_count(cond), 320 if shown else 390, tile=shown, list_url="cases:queue"
        )
    add(
        "cases",
        "response_rate",
        _("Response rate"),
        None,
        301,
        kind="ratio",
        unit="%",
        numerator="cases.responded_on_time",
        denominator="cases.response_base",
        list_url="cases:metrics",
    )
    add(
        "cases",
        "resolution_rate",
        _("On-time resolution rate"),
        None,
        302,
        kind="ratio",
        unit="%",
        numerator="cases.resolved_on_time",
        denominator="cases.resolution_base",
        list_url="cases:metrics",
    )
    add(
        "cases",
        "satisfaction_rate",
        _("Satisfaction rate"),
        None,
        303,
        kind="ratio",
        unit="%",
        numerator="cases.satisfied",
        denominator="cases.rated",
        list_url="cases:metrics",
    )
    from gongzhi.cases.models import Tier

    tier_labels = {
        Tier.GRID: _("Small matters (grid)"),
        Tier.JOINT: _("Difficult matters (joint)"),
        Tier.CONSULTATION: _("Big matters (consultation)"),
    }
    for i, (tier, label) in enumerate(tier_labels.items()):
        add("cases", f"tier_{tier}", label, _case_tier(tier), 330 + i, list_url="cases:queue")

    add(
        "servicedesk",
        "services",
        _("Services handled"),
        services,
        400,
        list_url="servicedesk:record_list",
        trend=True,
        breakdown=True,
    )
    add("servicedesk", "rated", _("Services rated"), services_rated, 490, tile=False)
    add("servicedesk", "satisfied", _("Services rated satisfied"), services_satisfied, 491, tile=False)
    add(
        "servicedesk",
        "satisfaction_rate",
        _("Service satisfaction"),
        None,
        401,
        kind="ratio",
        unit="%",
        numerator="servicedesk.satisfied",
        denominator="servicedesk.rated",
        list_url="servicedesk:stats",
    )

    add(
        "points",
        "earned",
        _("Points earned"),
        points_earned,
        500,
        unit="points",
        list_url="points:overview",
        trend=True,
    )
    add(
        "points",
        "redeemed",
        _("Points redeemed"),
        points_redeemed,
        501,
        unit="points",
        list_url="points:redemptions",
    )
    add(
        "points",
        "volunteers",
        _("Active volunteers"),
        volunteers,
        502,
        list_url="points:ranking",
        breakdown=True,
    )
    add(
        "points",
        "volunteer_hours",
        _("Volunteer hours"),
        volunteer_hours,
        503,
        unit="hours",
        list_url="points:ranking",
    )

    from gongzhi.activities.models import Activity

    add(
        "activities",
        "sessions",
        _("Activity sessions held"),
        sessions,
        600,
        list_url="activities:activity_list",
    )
    add(
        "activities",
        "person_times",
        _("Participations (person-times)"),
        person_times,
        601,
        list_url="activities:stats",
        trend=True,
        breakdown=True,
    )
    add("activities", "people", _("People reached"), people_reached, 602, list_url="activities:stats")
    add("activities", "child_times", _("Child participations"), child_times, 603, list_url="activities:stats")
    group_labels = {
        Activity.TargetGroup.ELDERLY: _("Participations in activities for the elderly"),
        Activity.TargetGroup.CHILDREN: _("Participations in activities for children"),
        Activity.TargetGroup.NEEDY: _("Participations in activities for people in hardship"),
    }
    for i, (group, label) in enumerate(group_labels.items()):
        add("activities", f"group_{group}", label, _group_times(group), 610 + i, list_url="activities:stats")

    add("deliberation", "topics", _("Topics raised"), topics, 700, list_url="deliberation:topic_list")
    add(
        "deliberation",
        "decided",
        _("Topics decided"),
        topics_decided,
        701,
        list_url="deliberation:topic_list",
    )
    add(
        "deliberation",
        "decisions",
        _("Votes closed"),
        decisions,
        702,
        list_url="deliberation:topic_list",
    )
    add(
        "deliberation",
        "results_done",
        _("Results done"),
        results_done,
        703,
        list_url="deliberation:result_list",
    )

    add(
        "assistance",
        "households",
        _("Households assisted"),
        assisted_households,
        800,
        list_url="assistance:report",
        breakdown=True,
    )
    add("assistance", "persons", _("Persons assisted"), assisted_persons, 801, list_url="assistance:report")
    add(
        "assistance",
        "paid",
        _("Assistance paid"),
        assistance_paid,
        802,
        unit="yuan",
        list_url="assistance:report",
    )
    from gongzhi.assistance.models import Programme

    for i, (group, label) in enumerate(Programme.ReportGroup.choices):
        add(
            "assistance",
            f"paid_{group}",
            label,
            _paid_group(group),
            803 + i,
            unit="yuan",
            list_url="assistance:report",
        )
    add(
        "assistance",
        "possibly_missed",
        _("Households possibly missed"),
        possibly_missed,
        811,
        kind="stock",
        list_url="assistance:missed_list",
        description=_(
            "Households with a member who looks eligible but that receive nothing: someone who has "
            "reached a programme's minimum age without an enrolment or application in it, or, in a "
            "household with no enrolment or application at all, a member carrying a disability, living "
            "alone, distressed child or chronic disease tag, or a household whose members are all 70 or "
            "older. Counted on the period's last day; care tags as they stand today."
        ),
    )
    add(
        "assistance",
        "reviews_overdue",
        _("Reviews overdue"),
        reviews_overdue,
        810,
        kind="stock",
        list_url="assistance:review_list",
    )

    add(
        "economy",
        "invoiced",
        _("Rent invoiced"),
        rent_invoiced,
        900,
        unit="yuan",
        list_url="economy:invoice_list",
        list_perm="economy.view_economy",
    )
    add(
        "economy",
        "collected",
        _("Rent collected"),
        rent_collected,
        901,
        unit="yuan",
        list_url="economy:index",
        list_perm="economy.view_economy",
        trend=True,
    )
    add(
        "economy",
        "plan",
        _("Rent planned"),
        rent_plan,
        902,
        unit="yuan",
        list_url="economy:index",
        list_perm="economy.view_economy",
    )
    add(
        "economy",
        "collection_rate",
        _("Rent collected against plan"),
        None,
        903,
        kind="ratio",
        unit="%",
        numerator="economy.collected",
        denominator="economy.plan",
        list_url="economy:index",
        list_perm="economy.view_economy",
    )
    add("economy", "area_total", _("Shop area"), area_total, 990, kind="stock", tile=False)
    add("economy", "area_let", _("Shop area let"), area_let, 991, kind="stock", tile=False)
    add(
        "economy",
        "occupancy",
        _("Occupancy"),
        None,
        904,
        kind="ratio",
        unit="%",
        numerator="economy.area_let",
        denominator="economy.area_total",
        list_url="economy:index",
        list_perm="economy.view_economy",
    )

    add("venues", "bookings", _("Room bookings"), bookings, 1000, list_url="venues:booking_list")
