import datetime

from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from gongzhi.accounts.roles import READER_ROLES
from gongzhi.accounts.scoping import community_scope_q, scope_q
from gongzhi.core.models import PartnerUnit
from gongzhi.registry.models import Resident

from .models import Activity, ActivitySession, Attendance, Enrolment
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


def groups_for(age: int) -> list[str]:
    groups = [Activity.TargetGroup.ALL, Activity.TargetGroup.NEEDY]
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
        qs = qs.filter(age_window(age), target_group__in=groups_for(age))
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
    return session.attendances.select_related("resident").order_by("check_in_at", "id")


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
    month and organiser, for activities sessions held in `year`. A handful of grouped queries."""
    qs = _counted(user, year)
    child_born_after = datetime.date(year - CHILD_AGE, 12, 31)
    children = qs.filter(resident__birth_date__gt=child_born_after)
    partners = dict(PartnerUnit.objects.values_list("pk", "name"))
    by_partner = _breakdown(qs, "session__activity__partner")
    for row in by_partner:
        row["label"] = partners.get(row["key"]) if row["key"] else None
    months = {r["key"]: r for r in _breakdown(qs.annotate(m=ExtractMonth("session__start")), "m")}
    return {
        "year": year,
        "total": qs.aggregate(times=Count("id"), people=Count("resident", distinct=True)),
        "children": children.aggregate(times=Count("id"), people=Count("resident", distinct=True)),
        "by_category": _breakdown(qs, "session__activity__category", dict(Activity.Category.choices)),
        "by_group": _breakdown(qs, "session__activity__target_group", dict(Activity.TargetGroup.choices)),
        "by_month": [months.get(m, {"key": m, "label": m, "times": 0, "people": 0}) for m in range(1, 13)],
        "by_partner": by_partner,
        "sessions": ActivitySession.objects.filter(
            scope_q(user, READER_ROLES, field="activity__org_unit"), start__year=year, end__lte=timezone.now()
        ).count(),
    }


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
