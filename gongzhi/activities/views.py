import datetime
import io
import json

import segno
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.accounts.roles import READER_ROLES, Role
from gongzhi.accounts.scoping import communities_of, community_scope_q
from gongzhi.core import audit
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEntry, PartnerUnit
from gongzhi.core.pagination import paginate, querystring_without_page
from gongzhi.core.views import form_error
from gongzhi.registry.models import Resident
from gongzhi.registry.selectors import resident_of_user
from gongzhi.venues.selectors import room_list

from . import counter, selectors, services
from .forms import ActivityEditForm, ActivityForm, ManualAttendanceForm, ScanForm, day_end, day_start
from .models import Activity, ActivitySession, Enrolment
from .rules import ORGANISERS, VIEWERS


def _activity_or_404(request, pk) -> Activity:
    activity = selectors.activity_get(user=request.user, pk=pk)
    if activity is None:
        raise Http404
    return activity


def _session_or_404(request, pk) -> ActivitySession:
    session = ActivitySession.objects.select_related(
        "activity", "activity__org_unit", "activity__partner"
    ).filter(pk=pk)
    session = session.filter(community_scope_q(request.user, VIEWERS, field="activity__org_unit"))
    session = session.first()
    if session is None or not services.can_manage(request.user, session.activity):
        raise Http404
    return session


@permission_required("activities.view_activities", raise_exception=True)
def calendar(request):
    """The resident's calendar: upcoming activities that fit their age and group."""
    resident = resident_of_user(request.user)
    group = request.GET.get("group", "")
    if group not in Activity.TargetGroup.values:
        group = ""
    everyone = request.GET.get("all") == "1" or resident is None
    qs = selectors.upcoming_for(user=request.user, resident=resident, group=group, everyone=everyone)
    return render(
        request,
        "activities/calendar.html",
        {
            "page": paginate(request, qs),
            "qs": querystring_without_page(request),
            "group": group,
            "groups": Activity.TargetGroup.choices,
            "everyone": everyone,
            "resident": resident,
            "can_create": request.user.has_perm("activities.create_activity"),
        },
    )


@permission_required("activities.view_activities", raise_exception=True)
def activity_list(request):
    category = request.GET.get("category", "")
    if category not in Activity.Category.values:
        category = ""
    q = request.GET.get("q", "").strip()
    qs = selectors.activity_list(user=request.user, category=category or None, q=q)
    return render(
        request,
        "activities/activity_list.html",
        {
            "page": paginate(request, qs),
            "qs": querystring_without_page(request),
            "category": category,
            "categories": Activity.Category.choices,
            "q": q,
            "can_create": request.user.has_perm("activities.create_activity"),
        },
    )


@permission_required("activities.view_activities", raise_exception=True)
def activity_detail(request, pk):
    activity = _activity_or_404(request, pk)
    resident = resident_of_user(request.user)
    manage = services.can_manage(request.user, activity)
    family = selectors.household_for_enrolment(resident) if resident else []
    mine = list(
        activity.enrolments.filter(resident__in=family)
        .exclude(status=Enrolment.Status.CANCELLED)
        .select_related("resident")
    )
    enrolled_ids = {e.resident_id for e in mine}
    now = timezone.now()
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "sessions": selectors.sessions_of(activity),
            "can_manage": manage,
            "enrolments": selectors.enrolments_of(activity) if manage else None,
            "mine": mine,
            "candidates": [r for r in family if r.pk not in enrolled_ids],
            "window_open": activity.enrol_opens <= now <= activity.enrol_closes,
            "now": now,
            "checkin_url": request.build_absolute_uri(
                reverse("activities:self_checkin", args=[activity.checkin_token])
            ),
        },
    )


@require_POST
@permission_required("activities.enrol", raise_exception=True)
def enrol(request, pk):
    activity = _activity_or_404(request, pk)
    resident_id = request.POST.get("resident", "")
    role = request.POST.get("role", Enrolment.Role.PARTICIPANT)
    if role not in Enrolment.Role.values:
        raise Http404
    resident = None
    if resident_id.isdigit():
        if services.can_manage(request.user, activity):
            # Organisers enrol any resident of the activity's community.
            resident = Resident.objects.filter(
                pk=resident_id, org_unit__path__startswith=activity.org_unit.path
            ).first()
        else:
            # A resident enrols themself or a child of their household they are guardian of.
            own = resident_of_user(request.user)
            family = selectors.household_for_enrolment(own) if own else []
            resident = next((r for r in family if str(r.pk) == resident_id), None)
    if resident is None:
        raise Http404
    try:
        e = services.enrolment_create(actor=request.user, activity=activity, resident=resident, role=role)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        if e.status == Enrolment.Status.WAITLISTED:
            messages.success(
                request, _("The activity is full: %(name)s is on the waiting list.") % {"name": resident.name}
            )
        else:
            messages.success(request, _("%(name)s is enrolled.") % {"name": resident.name})
    return redirect("activities:activity_detail", pk=activity.pk)


@require_POST
@login_required
def enrolment_cancel(request, pk):
    enrolment = Enrolment.objects.select_related("activity", "resident").filter(pk=pk).first()
    if enrolment is None or selectors.activity_get(user=request.user, pk=enrolment.activity_id) is None:
        raise Http404
    try:
        promoted = services.enrolment_cancel(actor=request.user, enrolment=enrolment)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The enrolment is cancelled."))
        if promoted is not None and services.can_manage(request.user, enrolment.activity):
            messages.info(
                request, _("%(name)s moved up from the waiting list.") % {"name": promoted.resident.name}
            )
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("activities:activity_detail", pk=enrolment.activity_id)


@require_POST
@permission_required("activities.create_activity", raise_exception=True)
def activity_cancel(request, pk):
    activity = _activity_or_404(request, pk)
    if not services.can_manage(request.user, activity):
        raise Http404
    try:
        services.activity_cancel(actor=request.user, activity=activity, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("activities:activity_detail", pk=activity.pk)


@permission_required("activities.create_activity", raise_exception=True)
def activity_create(request):
    user = request.user
    community = communities_of(user, ORGANISERS).first()
    if community is None:
        raise Http404
    is_staff = user.covers(community, services.MANAGER_ROLES)
    partners = PartnerUnit.objects.filter(org_unit=community, is_active=True)
    if not is_staff:
        partners = partners.filter(pk=user.partner_unit_id)
    form = ActivityForm(
        request.POST or None,
        partners=partners,
        rooms=room_list(user=user).filter(org_unit=community),
        initial={"weeks": 1, "capacity": 20, "target_group": "all"},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        first_start = timezone.make_aware(datetime.datetime.combine(d["date"], d["start_time"]))
        first_end = timezone.make_aware(datetime.datetime.combine(d["date"], d["end_time"]))
        partner = d["partner"] if is_staff else user.partner_unit
        try:
            activity = services.activity_create(
                actor=user,
                org_unit=community,
                title=d["title"],
                description=d["description"],
                category=d["category"],
                partner=partner,
                target_group=d["target_group"],
                min_age=d["min_age"],
                max_age=d["max_age"],
                room=d["room"],
                place=d["place"],
                capacity=d["capacity"],
                enrol_opens=day_start(d["enrol_opens"]),
                enrol_closes=day_end(d["enrol_closes"]),
                sessions=services.weekly_sessions(first_start, first_end, d["weeks"]),
                point_rule_code=d["point_rule_code"],
                participant_point_rule_code=d["participant_point_rule_code"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("activities:activity_detail", pk=activity.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": _("New activity"), "back": reverse("activities:activity_list")},
    )


@permission_required("activities.create_activity", raise_exception=True)
def activity_edit(request, pk):
    activity = _activity_or_404(request, pk)
    if not services.can_manage(request.user, activity):
        raise Http404
    initial = {f: getattr(activity, f) for f in ActivityEditForm.base_fields if hasattr(activity, f)}
    initial["enrol_opens"] = timezone.localtime(activity.enrol_opens).date()
    initial["enrol_closes"] = timezone.localtime(activity.enrol_closes).date()
    form = ActivityEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        d["enrol_opens"], d["enrol_closes"] = day_start(d["enrol_opens"]), day_end(d["enrol_closes"])
        try:
            _activity, promoted = services.activity_update(actor=request.user, activity=activity, **d)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            for e in promoted:
                messages.info(
                    request, _("%(name)s moved up from the waiting list.") % {"name": e.resident.name}
                )
            return redirect("activities:activity_detail", pk=activity.pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("Edit activity"),
            "back": reverse("activities:activity_detail", args=[activity.pk]),
        },
    )


@permission_required("activities.view_activities", raise_exception=True)
def activity_qr(request, pk):
    """The activity's self check-in QR code as SVG, for printing or showing on a screen."""
    activity = _activity_or_404(request, pk)
    if not services.can_manage(request.user, activity):
        raise Http404
    url = request.build_absolute_uri(reverse("activities:self_checkin", args=[activity.checkin_token]))
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=8, border=2)
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")


@login_required
def self_checkin(request, token):
    """Opened by a resident's phone camera from the activity's QR code."""
    activity = Activity.objects.filter(checkin_token=token).select_related("org_unit").first()
    if activity is None:
        raise Http404
    result = error = outlook = None
    if request.method == "POST":
        try:
            result = services.attendance_self(actor=request.user, activity_token=token)
        except ApplicationError as exc:
            error = str(exc.message)
        else:
            outlook = selectors.points_outlook([result.attendance])[0]
    return render(
        request,
        "activities/self_checkin.html",
        {
            "activity": activity,
            "result": result,
            "outlook": outlook,
            "error": error,
            "session": services.current_session(activity),
        },
    )


@permission_required("activities.view_own_activities", raise_exception=True)
def my_activities(request):
    resident = resident_of_user(request.user)
    family = selectors.household_for_enrolment(resident) if resident else []
    page = paginate(request, selectors.my_enrolments(residents=family))
    return render(
        request,
        "activities/my_activities.html",
        {
            "page": page,
            "qs": querystring_without_page(request),
            "resident": resident,
            "now": timezone.now(),
            "attendances": selectors.my_attendance(residents=family),
        },
    )


@permission_required("activities.view_activities", raise_exception=True)
def session_detail(request, pk):
    session = _session_or_404(request, pk)
    attendances = list(selectors.attendance_of(session))
    for a, outlook in zip(attendances, selectors.points_outlook(attendances), strict=True):
        a.outlook = outlook
    return render(
        request,
        "activities/session_detail.html",
        {
            "session": session,
            "activity": session.activity,
            "attendances": attendances,
            "share": int(services.PRESENCE_SHARE * 100),
            "can_confirm": session.confirmed_at is None and timezone.now() >= session.end,
            "manual_form": ManualAttendanceForm(),
        },
    )


@require_POST
@permission_required("activities.view_activities", raise_exception=True)
def session_manual(request, pk):
    """Staff enter or correct one person's times (a forgotten card, a phone that would not scan)."""
    session = _session_or_404(request, pk)
    form = ManualAttendanceForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        resident = Resident.objects.filter(
            pk=d["resident"], org_unit__path__startswith=session.activity.org_unit.path
        ).first()
        day = timezone.localtime(session.start).date()
        try:
            if resident is None:
                raise Http404
            services.attendance_manual(
                actor=request.user,
                session=session,
                resident=resident,
                check_in_at=timezone.make_aware(datetime.datetime.combine(day, d["check_in"])),
                check_out_at=timezone.make_aware(datetime.datetime.combine(day, d["check_out"]))
                if d["check_out"]
                else None,
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Give the resident number and the times."))
    return redirect("activities:session_detail", pk=session.pk)


@permission_required("activities.view_activities", raise_exception=True)
def session_scan(request, pk):
    """Check-in by card for one session. Counter staff are sent to the service centre's one scan page
    (the points counter) with this session chosen; partner staff, who do not work the points counter,
    scan here. A POST (htmx) checks the card holder in or out and answers the result fragment."""
    session = _session_or_404(request, pk)
    if request.method == "GET" and request.user.has_perm("points.use_counter", session.activity.org_unit):
        return redirect(counter.counter_url(session.activity.org_unit_id, session.pk))
    form = ScanForm(request.POST or None)
    result = error = outlook = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.attendance_scan(
                actor=request.user, session=session, token=form.cleaned_data["token"]
            )
        except ApplicationError as exc:
            error = str(exc.message)
        else:
            outlook = selectors.points_outlook([result.attendance])[0]
        form = ScanForm()
    context = {
        "session": session,
        "activity": session.activity,
        "form": form,
        "result": result,
        "outlook": outlook,
        "error": error,
    }
    if request.headers.get("HX-Request"):
        return render(request, "activities/partials/scan_result.html", context)
    return render(request, "activities/session_scan.html", context)


@require_POST
@permission_required("activities.view_activities", raise_exception=True)
def counter_attendance(request, pk):
    """From a resident's page at the counter: check them in or out of a session running now."""
    session = _session_or_404(request, pk)
    activity = session.activity
    rid = request.POST.get("resident", "")
    known = Q(org_unit__path__startswith=activity.org_unit.path) | Q(enrolments__activity=activity)
    if apps.is_installed("gongzhi.points"):
        # 双报到: a party member from elsewhere who holds an account at this community's counter.
        known |= Q(point_accounts__org_unit=activity.org_unit)
    resident = (
        Resident.objects.filter(known, pk=int(rid) if rid.isdigit() else 0, status=Resident.Status.LIVING)
        .distinct()
        .first()
    )
    if resident is None:
        raise Http404
    try:
        result = services.attendance_check(
            actor=request.user, session=session, resident=resident, by_card=False
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        outcome = counter.outcome_of(result)
        messages.success(request, outcome.message)
        for detail in outcome.details:
            messages.info(request, detail)
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(counter.counter_url(activity.org_unit_id, session.pk))


@require_POST
@permission_required("activities.view_activities", raise_exception=True)
def session_confirm(request, pk):
    session = _session_or_404(request, pk)
    try:
        r = services.session_confirm(actor=request.user, session=session)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Confirmed: %(counted)s counted, %(not)s below the presence rule, %(awarded)s awarded points.")
            % {"counted": r.counted, "not": r.not_counted, "awarded": r.awarded},
        )
        for name, reason in r.refused:
            messages.warning(
                request, _("No points awarded to %(name)s: %(reason)s") % {"name": name, "reason": reason}
            )
    return redirect("activities:session_detail", pk=session.pk)


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


@permission_required("activities.view_stats", raise_exception=True)
def stats(request):
    year = _year(request)
    data = selectors.participation_stats(user=request.user, year=year)
    chart = {
        "category": {
            "labels": [r["label"] for r in data["by_category"]],
            "times": [r["times"] for r in data["by_category"]],
        },
        "group": {
            "labels": [r["label"] for r in data["by_group"]],
            "times": [r["times"] for r in data["by_group"]],
        },
        "month": {
            "labels": [str(r["key"]) for r in data["by_month"]],
            "times": [r["times"] for r in data["by_month"]],
            "people": [r["people"] for r in data["by_month"]],
        },
        "partner": {
            "labels": [r["label"] or str(_("The community")) for r in data["by_partner"]],
            "times": [r["times"] for r in data["by_partner"]],
        },
        "series": {"times": _("Person-times"), "people": _("People")},
    }
    this_year = timezone.localdate().year
    return render(
        request,
        "activities/stats.html",
        {
            "data": data,
            "year": year,
            "years": list(range(this_year, this_year - 5, -1)),
            "chart_json": json.dumps(chart, ensure_ascii=False),
        },
    )


@permission_required("activities.view_stats", raise_exception=True)
def stats_export(request):
    from openpyxl import Workbook

    year = _year(request)
    data = selectors.participation_stats(user=request.user, year=year)
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("Summary"))
    ws.append([_("Year"), year])
    ws.append([_("Person-times"), data["total"]["times"]])
    ws.append([_("People"), data["total"]["people"]])
    ws.append([_("Child person-times"), data["children"]["times"]])
    ws.append([_("Children"), data["children"]["people"]])
    ws.append([_("Sessions held"), data["sessions"]])
    sheets = [
        ("by_category", _("By category")),
        ("by_group", _("By target group")),
        ("by_month", _("By month")),
        ("by_partner", _("By organiser")),
    ]
    for key, title in sheets:
        sheet = wb.create_sheet(str(title)[:31])
        sheet.append([str(title), _("Person-times"), _("People")])
        for row in data[key]:
            sheet.append([row["label"] or str(_("The community")), row["times"], row["people"]])
    buf = io.BytesIO()
    wb.save(buf)
    audit.record(
        actor=request.user,
        action="activities.stats_export",
        kind=AuditEntry.Kind.EXPORT,
        detail={"year": year},
    )
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="participation-{year}.xlsx"'
    return response


@permission_required("activities.view_partner_programmes", raise_exception=True)
def partner_programmes(request):
    partner_id = request.GET.get("partner") or None
    if request.user.has_role(Role.PARTNER_STAFF) and not request.user.has_role(*READER_ROLES):
        partner_id = request.user.partner_unit_id or -1
    rows = selectors.partner_programmes(user=request.user, partner_id=partner_id)
    programmes = None
    if partner_id:
        programmes = selectors.activity_list(user=request.user, partner_id=partner_id)[:50]
    return render(
        request,
        "activities/partner_programmes.html",
        {"rows": rows, "programmes": programmes, "partner_id": partner_id},
    )


@permission_required("activities.view_partner_programmes", raise_exception=True)
def partner_detail(request, pk):
    """A partner unit's page: profile and contacts, the programmes it runs, the sessions it held and
    the people it reached."""
    partner = selectors.partner_get(user=request.user, pk=pk)
    if partner is None:
        raise Http404
    figures = selectors.partner_programmes(user=request.user, partner_id=partner.pk)[0]
    return render(
        request,
        "activities/partner_detail.html",
        {
            "partner": partner,
            "figures": figures,
            "page": paginate(request, selectors.activity_list(user=request.user, partner_id=partner.pk)),
            "qs": querystring_without_page(request),
            "held": selectors.partner_sessions_held(partner),
        },
    )
