import datetime

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from gongzhi.core.extension_points import (
    CockpitMetric,
    DemoStep,
    HomePanel,
    NavItem,
    PeriodicJob,
    register_cockpit_metric,
    register_demo_step,
    register_home_panel,
    register_nav,
    register_periodic_job,
)
from gongzhi.core.uploads import register_access_rule

register_nav(NavItem("care", _("Care"), "care:roster", "care.view_roster", order=350))
register_nav(
    NavItem("care.health", _("Health records"), "care:health_list", "care.view_health_records", order=351)
)


def _roster_panel(request):
    """The grid worker's home page: how many visits are overdue and the first few to make."""
    from django.utils import timezone

    from . import selectors

    if not request.user.has_perm("care.record_visit"):
        return None
    today = timezone.localdate()
    counts = selectors.roster_counts(user=request.user, today=today)
    if not counts["total"]:
        return None
    overdue = list(selectors.roster(user=request.user, today=today, overdue_only=True)[:5])
    return render_to_string(
        "care/partials/home_panel.html", {"counts": counts, "overdue": overdue}, request=request
    )


def _my_health(request):
    """A resident with a health record sees a link to it (opening it is logged)."""
    from gongzhi.registry.selectors import resident_of_user

    from .models import HealthRecord

    resident = resident_of_user(request.user)
    if resident is None:
        return None
    record = HealthRecord.objects.filter(resident=resident).only("pk").first()
    if record is None:
        return None
    return render_to_string("care/partials/my_health.html", {"record": record}, request=request)


def _may_see_visit_photo(user, upload):
    return user.has_perm("care.view_profile", upload)


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


register_access_rule("care.visit_photo", _may_see_visit_photo)
register_home_panel(HomePanel("care.roster", _roster_panel, "care.view_roster", order=300))
register_home_panel(HomePanel("care.my_health", _my_health, "care.view_own_health", order=530))
register_demo_step(DemoStep("care", _demo, order=65))

# Run by core_scheduler: standing orders (e.g. meals every weekday) become dated orders two weeks ahead.
register_periodic_job(
    PeriodicJob(
        "care_generate",
        _("Create the dated home-care orders of standing orders"),
        "care_generate",
        at=datetime.time(0, 30),
    )
)


# --- cockpit figures (gongzhi.dashboard): care coverage, as of the last day of a span -----------------
# Each compute answers {org_unit_id: number} over the whole deployment in a fixed number of grouped
# queries; the dashboard's refresh job runs them, pages read the stored sums. People are counted at the
# grid of their register entry, as on the roster and in care:report (selectors.coverage_by_grid).

# The three groups of "one old, one young, one needy" (一老一小一困), by the registry's care tags.
CARE_GROUPS = {
    "elderly": ("living_alone", "empty_nest", "left_behind_elderly"),
    "children": ("left_behind_child", "floating_child", "distressed_child"),
    "needy": ("disabled", "dibao", "tekun"),
}
ASSESSMENT_VALID_DAYS = 365


def _start_of(day: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def _grouped(qs, field="org_unit", distinct=False) -> dict:
    from django.db.models import Count

    rows = qs.values(field).annotate(v=Count("pk", distinct=distinct)).order_by().values_list(field, "v")
    return {unit: v for unit, v in rows if v}


def _roster_on(end: datetime.date, codes=None):
    """Residents on the care roster on the day before `end`: on the register that day (by their
    move-in, move-out and death dates) and carrying a care tag other than the derived age tags (the
    roster's own rule). Care tags keep no history: today's tags are used for past days too."""
    from django.db.models import Q

    from gongzhi.registry.choices import DERIVED_TAGS
    from gongzhi.registry.models import CareTag, Resident

    tags = CareTag.objects.exclude(code__in=list(DERIVED_TAGS))
    if codes is not None:
        tags = tags.filter(code__in=codes)
    ids = (
        Resident.objects.filter(created_at__lt=_start_of(end), care_tags__in=tags)
        .exclude(moved_in_on__gte=end)
        .exclude(moved_out_on__lt=end)
        .exclude(died_on__lt=end)
        .exclude(Q(status=Resident.Status.MOVED_OUT, moved_out_on__isnull=True))
        .exclude(Q(status=Resident.Status.DECEASED, died_on__isnull=True))
        .values("pk")
    )
    return Resident.objects.filter(pk__in=ids)


def cockpit_roster(*, start, end):
    return _grouped(_roster_on(end))


def _group(codes):
    def compute(*, start, end):
        return _grouped(_roster_on(end, codes))

    return compute


def _frequencies():
    from .models import VisitFrequency

    return {(r.org_unit_id, r.risk_level): r.days for r in VisitFrequency.objects.all()}


def cockpit_visited_on_time(*, start, end):
    """People on the roster whose last visit on or before the day is within their risk level's
    visit frequency (the grid's, else the community's, else the default), so not overdue that day:
    on today's figures this is care:report's "visited" (next visit due today or later)."""
    from django.db.models import Max

    from .models import RiskLevel, Visit
    from .services import DEFAULT_FREQUENCY_DAYS

    day = end - datetime.timedelta(days=1)
    last = dict(
        Visit.objects.filter(visited_on__lte=day)
        .values("profile__resident")
        .annotate(last=Max("visited_on"))
        .order_by()
        .values_list("profile__resident", "last")
    )
    frequency = _frequencies()
    out: dict[int, int] = {}
    for pk, unit, path, level in _roster_on(end).values_list(
        "pk", "org_unit_id", "org_unit__path", "care_profile__risk_level"
    ):
        visited = last.get(pk)
        if visited is None:
            continue
        level = level or RiskLevel.MEDIUM
        ids = [int(p) for p in path.strip("/").split("/") if p]
        community = ids[-2] if len(ids) >= 2 else None
        days = next(
            (frequency[(u, level)] for u in (unit, community, None) if (u, level) in frequency),
            DEFAULT_FREQUENCY_DAYS[RiskLevel(level)],
        )
        if visited + datetime.timedelta(days=days) >= day:
            out[unit] = out.get(unit, 0) + 1
    return out


def cockpit_assessed(*, start, end):
    """People on the roster with a capability assessment in the 12 months up to the day (as in
    care:report)."""
    from .models import Assessment

    day = end - datetime.timedelta(days=1)
    assessed = Assessment.objects.filter(
        assessed_on__lte=day,
        assessed_on__gte=day - datetime.timedelta(days=ASSESSMENT_VALID_DAYS),
    ).values("profile__resident")
    return _grouped(_roster_on(end).filter(pk__in=assessed))


def cockpit_health_records(*, start, end):
    """Health records opened by the day (the source's "327 health records"), at the record's grid."""
    from .models import HealthRecord

    return _grouped(HealthRecord.objects.filter(created_at__lt=_start_of(end)))


def cockpit_visits(*, start, end):
    from .models import Visit

    return _grouped(Visit.objects.filter(visited_on__gte=start, visited_on__lt=end))


def cockpit_services_done(*, start, end):
    from .models import ServiceOrder

    return _grouped(
        ServiceOrder.objects.filter(
            state__in=[ServiceOrder.State.DONE, ServiceOrder.State.RATED],
            done_at__gte=_start_of(start),
            done_at__lt=_start_of(end),
        )
    )


def _register_cockpit_metrics():
    section, section_label = "care", _("Care for the old, the young and the needy")

    def add(key, label, compute=None, order=0, **kw):
        register_cockpit_metric(
            CockpitMetric(
                key=f"care.{key}",
                label=label,
                section=section,
                section_label=section_label,
                compute=compute,
                order=order,
                **kw,
            )
        )

    stock = {"kind": "stock", "list_url": "care:roster"}
    add(
        "roster",
        _("People on the care roster"),
        cockpit_roster,
        200,
        breakdown=True,
        description=_(
            "Residents on the register on the period's last day with a care tag (age alone does not "
            "count); tags as they stand today."
        ),
        **stock,
    )
    add("group_elderly", _("Elderly in care (一老)"), _group(CARE_GROUPS["elderly"]), 201, **stock)
    add("group_children", _("Children in care (一小)"), _group(CARE_GROUPS["children"]), 202, **stock)
    add("group_needy", _("People in hardship in care (一困)"), _group(CARE_GROUPS["needy"]), 203, **stock)
    add(
        "visited_on_time",
        _("Visited on time"),
        cockpit_visited_on_time,
        204,
        kind="stock",
        list_url="care:report",
        description=_(
            "On the roster and not overdue on the period's last day: the last visit lies within the "
            "risk level's visit frequency (risk levels as they stand today)."
        ),
    )
    add(
        "visit_coverage",
        _("Visit coverage"),
        None,
        205,
        kind="ratio",
        unit="%",
        numerator="care.visited_on_time",
        denominator="care.roster",
        list_url="care:report",
    )
    add(
        "assessed",
        _("Assessed in the last 12 months"),
        cockpit_assessed,
        206,
        kind="stock",
        list_url="care:report",
        description=_(
            "On the roster with a capability assessment in the 12 months up to the period's last day."
        ),
    )
    add(
        "assessment_coverage",
        _("Assessment coverage"),
        None,
        207,
        kind="ratio",
        unit="%",
        numerator="care.assessed",
        denominator="care.roster",
        list_url="care:report",
    )
    add(
        "health_records",
        _("Health records"),
        cockpit_health_records,
        208,
        kind="stock",
        list_url="care:health_list",
        list_perm="care.view_health_records",  # health workers only: secretaries see the figure
    )
    add("visits", _("Visits made"), cockpit_visits, 209, list_url="care:roster", trend=True)
    add("services_done", _("Home-care services done"), cockpit_services_done, 210, list_url="care:order_list")


_register_cockpit_metrics()
