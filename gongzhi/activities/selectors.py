import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import READER_ROLES
from gongzhi.accounts.scoping import community_scope_q, scope_paths, scope_q, visible_units
from gongzhi.core import figures
from gongzhi.core.models import PartnerUnit
from gongzhi.registry.choices import HARDSHIP_TAGS
from gongzhi.registry.models import Resident

from .models import PRESENCE_SHARE, Activity, ActivitySession, Attendance, Enrolment
from .rules import VIEWERS

ELDERLY_AGE = 60
CHILD_AGE = 18


def activity_list(*, user, category=None, upcoming=False, q="", partner_id=None) -> QuerySet:
    qs = (
        Activity.objects.filter(community_scope_q(user, VIEWERS))
        .select_related("org_unit", "partner", "room")
        .annotate(
            first_start=Min("sessions__start"),
            last_end=Max("sessions__end"),
            session_count=Count("sessions", distinct=True),
            enrolled_count=Count(
                "enrolments",
                filter=Q(enrolments__status=Enrolment.Status.ENROLLED, enrolments__role="participant"),
                distinct=True,
            ),
        )
    )
    if category:
        qs = qs.filter(category=category)
    if partner_id:
        qs = qs.filter(partner_id=partner_id)
    if q:
        qs = qs.filter(title__icontains=q)
    if upcoming:
        qs = qs.filter(last_end__gte=timezone.now(), status=Activity.Status.PUBLISHED)
        return qs.order_by("first_start", "id")
    return qs.order_by("-first_start", "-id")


def activity_get(*, user, pk) -> Activity | None:
    return activity_list(user=user).filter(pk=pk).first()


def sessions_of(activity: Activity) -> QuerySet:
    return activity.sessions.annotate(
        checked_in=Count("attendances", distinct=True),
        counted_n=Count("attendances", filter=Q(attendances__counted=True), distinct=True),
    ).order_by("start")


def enrolments_of(activity: Activity) -> QuerySet:
    return activity.enrolments.select_related("resident", "enrolled_by").order_by(
        "status", "created_at", "id"
    )


def age_window(age: int) -> Q:
    return (Q(min_age__isnull=True) | Q(min_age__lte=age)) & (Q(max_age__isnull=True) | Q(max_age__gte=age))


def in_hardship(resident: Resident) -> bool:
    """Whether the resident's household has a living member with a hardship tag (低保, 特困,
    disabled): activities for people in hardship are offered to the whole household."""
    return Resident.objects.filter(
        household_id=resident.household_id, status=Resident.Status.LIVING, care_tags__code__in=HARDSHIP_TAGS
    ).exists()


def groups_for(age: int, *, hardship: bool = False) -> list[str]:
    groups = [Activity.TargetGroup.ALL]
    if hardship:
        groups.append(Activity.TargetGroup.NEEDY)
    if age >= ELDERLY_AGE:
        groups.append(Activity.TargetGroup.ELDERLY)
    if age < CHILD_AGE:
        groups.append(Activity.TargetGroup.CHILDREN)
    return groups


def upcoming_for(*, user, resident: Resident | None, group: str = "", everyone: bool = False) -> QuerySet:
    """The calendar a resident sees: upcoming published activities that fit their age and group."""
    qs = activity_list(user=user, upcoming=True)
    if group:
        qs = qs.filter(target_group=group)
    if resident is not None and not everyone:
        age = resident.age_on(timezone.localdate())
        qs = qs.filter(age_window(age), target_group__in=groups_for(age, hardship=in_hardship(resident)))
    return qs


def household_for_enrolment(resident: Resident) -> list[Resident]:
    """The resident and the children of their household they may enrol."""
    from .services import is_guardian

    today = timezone.localdate()
    members = list(resident.household.members.filter(status=Resident.Status.LIVING).order_by("birth_date"))
    return [resident] + [m for m in members if m.pk != resident.pk and is_guardian(resident, m, on=today)]


def my_enrolments(*, residents) -> QuerySet:
    return (
        Enrolment.objects.filter(resident__in=residents)
        .exclude(status=Enrolment.Status.CANCELLED)
        .select_related("activity", "activity__room", "activity__partner", "resident")
        .annotate(first_start=Min("activity__sessions__start"), last_end=Max("activity__sessions__end"))
        .order_by("-first_start", "-id")
    )


def attendance_of(session: ActivitySession) -> QuerySet:
    return session.attendances.select_related("resident", "session", "session__activity").order_by(
        "check_in_at", "id"
    )


# --- statistics ---------------------------------------------------------------------------------


def _counted(user, year: int) -> QuerySet:
    return Attendance.objects.filter(
        scope_q(user, READER_ROLES, field="session__activity__org_unit"),
        counted=True,
        session__start__year=year,
    )


def _breakdown(qs, field, labels=None):
    rows = (
        qs.values(field).annotate(times=Count("id"), people=Count("resident", distinct=True)).order_by(field)
    )
    out = []
    for r in rows:
        key = r[field]
        out.append(
            {
                "key": key,
                "label": str(labels.get(key, key)) if labels else key,
                "times": r["times"],
                "people": r["people"],
            }
        )
    return out


def participation_stats(*, user, year: int) -> dict:
    """Person-times (人次, counted attendances) and distinct people, per category, target group,
    month and organiser, for activities sessions held in `year`, with "as_of", when they were
    computed: the same scope's figures are computed at most once per few minutes, and afresh after
    an attendance or activity in scope changed (core.figures).
    On PostgreSQL one scan with grouping sets; elsewhere a handful of grouped queries
    (`_participation_stats_by_query`)."""
    paths = scope_paths(user, READER_ROLES)
    question = (year, paths, get_language())
    return figures.cached(
        "activities.participation", question, lambda: _participation_stats(user, year), scope=paths
    )


def _participation_stats(user, year: int) -> dict:
    if connection.vendor == "postgresql":
        grouped = _participation_grouped(user, year)
    else:
        grouped = _participation_stats_by_query(user, year)
    partners = dict(PartnerUnit.objects.values_list("pk", "name"))
    for row in grouped["by_partner"]:
        row["label"] = partners.get(row["key"]) if row["key"] else None
    months = {r["key"]: r for r in grouped.pop("by_month")}
    return {
        "year": year,
        **grouped,
        "by_month": [months.get(m, {"key": m, "label": m, "times": 0, "people": 0}) for m in range(1, 13)],
        "sessions": ActivitySession.objects.filter(
            scope_q(user, READER_ROLES, field="activity__org_unit"), start__year=year, end__lte=timezone.now()
        ).count(),
    }


def _participation_stats_by_query(user, year: int) -> dict:
    qs = _counted(user, year)
    child_born_after = datetime.date(year - CHILD_AGE, 12, 31)
    children = qs.filter(resident__birth_date__gt=child_born_after)
    return {
        "total": qs.aggregate(times=Count("id"), people=Count("resident", distinct=True)),
        "children": children.aggregate(times=Count("id"), people=Count("resident", distinct=True)),
        "by_category": _breakdown(qs, "session__activity__category", dict(Activity.Category.choices)),
        "by_group": _breakdown(qs, "session__activity__target_group", dict(Activity.TargetGroup.choices)),
        "by_month": _breakdown(qs.annotate(m=ExtractMonth("session__start")), "m"),
        "by_partner": _breakdown(qs, "session__activity__partner"),
    }


# The six breakdowns of `_participation_stats_by_query` in one scan of the year's counted
# attendances: each of them had to join and sort the same rows (28 ms of the page's database time
# at a community of 10,000 attendances, docs/performance.md). GROUPING() tells the sets apart: a
# bit per column, set when the row is not grouped by it.
_PARTICIPATION_SQL = """
SELECT category, target_group, partner_id, m, child,
       GROUPING(category, target_group, partner_id, m, child) AS g,
       COUNT(*) AS times, COUNT(DISTINCT resident_id) AS people
FROM (
    SELECT a.category, a.target_group, a.partner_id, t.resident_id,
           EXTRACT(MONTH FROM s.start AT TIME ZONE %s)::int AS m, r.birth_date > %s AS child
    FROM activities_attendance t
    JOIN activities_activitysession s ON s.id = t.session_id
    JOIN activities_activity a ON a.id = s.activity_id
    JOIN registry_resident r ON r.id = t.resident_id
    WHERE t.counted AND s.start >= %s AND s.start < %s
      AND t.org_unit_id = ANY(%s) AND s.org_unit_id = ANY(%s) AND a.org_unit_id = ANY(%s)
) x
GROUP BY GROUPING SETS ((category), (target_group), (partner_id), (m), (child), ())
"""
# The three tables are restricted by their own org unit (the distribution key: an attendance, its
# session and its activity carry the same one), so the plan reads the community's rows by that
# index instead of hashing the whole district's activities and sessions (51 ms at district scale
# against 25 at community scale before).
_SET_OF_GROUPING = {0b01111: "by_category", 0b10111: "by_group", 0b11011: "by_partner", 0b11101: "by_month"}


def _participation_grouped(user, year: int) -> dict:
    # The units in scope as a list of ids, so that the planner knows how many it gets.
    units = list(visible_units(user, READER_ROLES).values_list("id", flat=True))
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    tz = timezone.get_current_timezone_name()
    params = [tz, datetime.date(year - CHILD_AGE, 12, 31), start, end, units, units, units]
    with connection.cursor() as cursor:
        cursor.execute(_PARTICIPATION_SQL, params)
        rows = cursor.fetchall()
    out = {name: [] for name in _SET_OF_GROUPING.values()}
    out["total"] = {"times": 0, "people": 0}
    out["children"] = {"times": 0, "people": 0}
    labels = {"by_category": dict(Activity.Category.choices), "by_group": dict(Activity.TargetGroup.choices)}
    for category, target_group, partner_id, month, child, g, times, people in rows:
        if g == 0b11111:
            out["total"] = {"times": times, "people": people}
        elif g == 0b11110:
            if child:
                out["children"] = {"times": times, "people": people}
        else:
            name = _SET_OF_GROUPING[g]
            key = {"by_category": category, "by_group": target_group, "by_partner": partner_id}.get(
                name, month
            )
            label = str(labels[name].get(key, key)) if name in labels else key
            out[name].append({"key": key, "label": label, "times": times, "people": people})
    for name in _SET_OF_GROUPING.values():  # the order of the grouped queries: by key, none last
        out[name].sort(key=lambda r: (r["key"] is None, r["key"] if r["key"] is not None else 0))
    return out


def partner_programmes(*, user, partner_id=None) -> list[dict]:
    """Per partner unit: programmes run, sessions held, participants reached (distinct people) and
    person-times, over all time."""
    partners = PartnerUnit.objects.filter(scope_q(user, (*READER_ROLES, "partner_staff"))).order_by("name")
    if partner_id:
        partners = partners.filter(pk=partner_id)
    now = timezone.now()
    programmes = dict(
        Activity.objects.filter(partner__in=partners)
        .values_list("partner")
        .annotate(n=Count("id"))
        .order_by()
    )
    sessions = dict(
        ActivitySession.objects.filter(activity__partner__in=partners, end__lte=now)
        .values_list("activity__partner")
        .annotate(n=Count("id"))
        .order_by()
    )
    reach = {
        r["session__activity__partner"]: r
        for r in Attendance.objects.filter(session__activity__partner__in=partners, counted=True)
        .values("session__activity__partner")
        .annotate(times=Count("id"), people=Count("resident", distinct=True))
        .order_by()
    }
    out = []
    for p in partners:
        r = reach.get(p.pk, {})
        out.append(
            {
                "partner": p,
                "programmes": programmes.get(p.pk, 0),
                "sessions": sessions.get(p.pk, 0),
                "people": r.get("people", 0),
                "times": r.get("times", 0),
            }
        )
    return out


# --- what an attendance earns --------------------------------------------------------------------


@dataclass
class PointsOutlook:
    """What one attendance earned, or will earn once the organiser confirms the session.

    state: awarded | expected | below_presence | not_awarded | none"""

    state: str
    message: str
    points: int | None = None


def _rule_code(attendance: Attendance) -> str:
    activity = attendance.session.activity
    code = (
        activity.point_rule_code
        if attendance.role == Enrolment.Role.VOLUNTEER
        else activity.participant_point_rule_code
    )
    return (code or "").strip().lower()


def points_outlook(attendances) -> list[PointsOutlook]:
    """What each attendance (loaded with session__activity; an unsaved one previews a check-in)
    earned or will earn, in order: two queries whatever their number (the rules of the activities'
    communities, the awards already posted)."""
    from .services import award_key, award_quantity, counts

    attendances = list(attendances)
    share = int(PRESENCE_SHARE * 100)
    rules, entries = {}, {}
    if apps.is_installed("gongzhi.points") and attendances:
        from gongzhi.points.models import PointEntry, PointRule

        codes = {_rule_code(a) for a in attendances} - {""}
        units = {a.session.activity.org_unit_id for a in attendances}
        if codes:
            rules = {
                (r.org_unit_id, r.code): r
                for r in PointRule.objects.filter(org_unit_id__in=units, code__in=codes)
            }
        keys = [
            award_key(a.session.activity_id, a.session_id, a.resident_id)
            for a in attendances
            if a.session.confirmed_at
        ]
        if keys:
            entries = {
                e.idempotency_key: e
                for e in PointEntry.objects.filter(
                    idempotency_key__in=keys, org_unit_id__in=units, kind=PointEntry.Kind.AWARD
                )
            }
    today = timezone.localdate()
    out = []
    for a in attendances:
        session, activity = a.session, a.session.activity
        code = _rule_code(a)
        rule = rules.get((activity.org_unit_id, code))
        volunteer = a.role == Enrolment.Role.VOLUNTEER
        entry = entries.get(award_key(activity.pk, session.pk, a.resident_id))
        if entry is not None:
            o = PointsOutlook(
                "awarded",
                _("%(points)s points awarded for this session (%(rule)s).")
                % {"points": entry.points, "rule": rule.name if rule else code},
                entry.points,
            )
        elif not code:
            o = PointsOutlook(
                "none",
                _("Volunteers of this activity earn no points.")
                if volunteer
                else _("Participants of this activity earn no points."),
            )
        elif rule is None or not rule.is_valid_on(today):
            o = PointsOutlook(
                "none", _("The point rule %(code)s is not in force: no points.") % {"code": code}
            )
        elif session.confirmed_at:
            if a.counted:
                o = PointsOutlook("not_awarded", _("No points were awarded for this session."))
            else:
                o = PointsOutlook(
                    "below_presence",
                    _("Present for less than %(share)s%% of the session: no points.") % {"share": share},
                )
        elif a.check_out_at is not None:
            if counts(session, a.present_minutes):
                points = _points(rule, award_quantity(rule.unit, a.present_minutes))
                o = PointsOutlook(
                    "expected",
                    _("Will earn %(points)s points (%(rule)s) when the organiser confirms the session.")
                    % {"points": points, "rule": rule.name},
                    points,
                )
            else:
                o = PointsOutlook(
                    "below_presence",
                    _("Present for less than %(share)s%% of the session: no points.") % {"share": share},
                )
        else:
            points = _points(rule, award_quantity(rule.unit, session.minutes))
            message = (
                _(
                    "Earns up to %(points)s points (%(rule)s, by the hour) when the organiser confirms the "
                    "session, for a stay of at least %(share)s%% of it."
                )
                if rule.unit == "hour"
                else _(
                    "Earns %(points)s points (%(rule)s) when the organiser confirms the session, for a stay "
                    "of at least %(share)s%% of it."
                )
            )
            o = PointsOutlook(
                "expected", message % {"points": points, "rule": rule.name, "share": share}, points
            )
        out.append(o)
    return out


def _points(rule, quantity: Decimal) -> int:
    return int((quantity * rule.points).to_integral_value(rounding=ROUND_HALF_UP))


def my_attendance(*, residents, limit: int = 20) -> list[Attendance]:
    """The latest attendances of a resident and the children they enrol, with what each earned."""
    rows = list(
        Attendance.objects.filter(resident__in=residents)
        .select_related("session", "session__activity", "resident")
        .order_by("-check_in_at", "-id")[:limit]
    )
    for a, outlook in zip(rows, points_outlook(rows), strict=True):
        a.outlook = outlook
    return rows


def partner_get(*, user, pk) -> PartnerUnit | None:
    """A partner unit in the user's reading scope; partner staff see their own unit only."""
    qs = PartnerUnit.objects.filter(scope_q(user, (*READER_ROLES, "partner_staff")), pk=pk)
    if not user.has_role(*READER_ROLES):
        qs = qs.filter(pk=user.partner_unit_id or -1)
    return qs.select_related("org_unit").first()


def partner_sessions_held(partner: PartnerUnit, *, limit: int = 20) -> QuerySet:
    """The latest sessions a partner unit held, with how many people each counted."""
    return (
        ActivitySession.objects.filter(activity__partner=partner, end__lte=timezone.now())
        .select_related("activity")
        .annotate(
            checked_in=Count("attendances", distinct=True),
            counted_n=Count("attendances", filter=Q(attendances__counted=True), distinct=True),
        )
        .order_by("-start", "-id")[:limit]
    )
