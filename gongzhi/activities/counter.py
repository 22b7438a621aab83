"""The activities' part of the service centre's one scan page (the points counter): check a person in
or out of a session running now. Registered as a `CardAction` in `extensions.py`; the counter calls
these functions without importing this app."""

import datetime

from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError
from gongzhi.core.extension_points import CardOutcome

from . import selectors, services
from .models import Activity, ActivitySession, Attendance, Enrolment

KEY = "activities.attendance"


def counter_url(community_id: int, session_id: int | None = None) -> str:
    """The counter's scan page with check-in at this session chosen."""
    url = f"{reverse('points:counter')}?community={community_id}"
    return f"{url}&do={KEY}:{session_id}" if session_id else url


def open_sessions(user, community, wanted=None):
    """Sessions of the community's activities that staff may check people into at the counter: those
    of today and those open for check-in now (30 minutes before to two hours after), plus `wanted`."""
    now = timezone.now()
    day = timezone.localdate()
    day_start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    when = Q(start__lt=day_start + datetime.timedelta(days=1), end__gt=day_start) | Q(
        start__lte=now + services.CHECK_IN_EARLY, end__gte=now - services.CHECK_OUT_LATE
    )
    if wanted is not None and str(wanted).isdigit():
        when |= Q(pk=int(wanted))
    sessions = (
        ActivitySession.objects.filter(
            when,
            activity__org_unit=community,
            activity__status=Activity.Status.PUBLISHED,
            confirmed_at__isnull=True,
        )
        .select_related("activity", "activity__org_unit", "activity__partner")
        .order_by("start", "id")[:30]
    )
    return [s for s in sessions if services.can_manage(user, s.activity)]


def _label(session: ActivitySession) -> str:
    start, end = timezone.localtime(session.start), timezone.localtime(session.end)
    return _("Check in or out: %(title)s, %(day)s %(start)s–%(end)s") % {
        "title": session.activity.title,
        "day": f"{start:%m-%d}",
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
    }


def choices(request, community, wanted=None):
    return [(str(s.pk), _label(s)) for s in open_sessions(request.user, community, wanted)]


def outcome_of(result: services.ScanResult) -> CardOutcome:
    a = result.attendance
    title = a.session.activity.title
    if result.action == "check_in":
        message = _("%(name)s checked in to %(title)s.") % {"name": a.resident.name, "title": title}
    else:
        message = _("%(name)s checked out of %(title)s after %(m)s minutes.") % {
            "name": a.resident.name,
            "title": title,
            "m": a.present_minutes,
        }
    details = [str(w) for w in result.warnings]
    details.append(selectors.points_outlook([a])[0].message)
    return CardOutcome(True, message, details)


def perform(request, community, value, resident, by_card) -> CardOutcome:
    session = next(
        (s for s in open_sessions(request.user, community, value) if str(s.pk) == str(value)), None
    )
    if session is None:
        return CardOutcome(False, _("This session cannot be checked into at this counter."))
    try:
        result = services.attendance_check(
            actor=request.user, session=session, resident=resident, by_card=by_card
        )
    except ApplicationError as exc:
        return CardOutcome(False, str(exc.message))
    return outcome_of(result)


def panel(request, community, resident):
    """On the resident's counter page: the sessions open now, where they stand, and buttons."""
    sessions = open_sessions(request.user, community)
    if not sessions:
        return None
    by_session = {
        a.session_id: a
        for a in Attendance.objects.filter(session__in=sessions, resident=resident).select_related(
            "session", "session__activity"
        )
    }
    roles = dict(
        Enrolment.objects.filter(activity__in={s.activity_id for s in sessions}, resident=resident)
        .exclude(status=Enrolment.Status.CANCELLED)
        .values_list("activity_id", "role")
    )
    # A session not yet checked into is previewed with an unsaved attendance.
    attendances = [
        by_session.get(s.pk)
        or Attendance(
            session=s,
            resident=resident,
            role=roles.get(s.activity_id, Enrolment.Role.PARTICIPANT),
            check_in_at=timezone.now(),
        )
        for s in sessions
    ]
    rows = [
        {"session": s, "attendance": a if a.pk else None, "outlook": o, "role": a.get_role_display()}
        for s, a, o in zip(sessions, attendances, selectors.points_outlook(attendances), strict=True)
    ]
    return render_to_string(
        "activities/partials/counter_panel.html",
        {"rows": rows, "resident": resident, "community": community},
        request=request,
    )
