"""Thin views: parse, check the named permission, call a selector or service, render."""

import datetime

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.accounts.scoping import visible_units
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import OrgUnit
from gongzhi.core.pagination import paginate, querystring_without_page
from gongzhi.core.views import form_error
from gongzhi.registry.models import Resident

from . import exports, gbt42195, selectors, services
from .forms import (
    AssessmentForm,
    ChildForm,
    ClinicForm,
    FollowUpForm,
    HealthRecordForm,
    HealthRecordNewForm,
    MeasurementForm,
    OrderForm,
    OrderStepForm,
    RecurringForm,
    RiskForm,
    ScreenForm,
    VisitForm,
    VolunteerForm,
)
from .models import RiskLevel, ServiceOrder
from .rules import CARE_READ_ROLES


def _get(fn, **kw):
    try:
        return fn(**kw)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _writable(request, pk):
    resident = _get(selectors.writable_resident, user=request.user, pk=pk)
    return resident


# --- roster ------------------------------------------------------------------------------------


@permission_required("care.view_roster", raise_exception=True)
def roster(request):
    today = timezone.localdate()
    risk = request.GET.get("risk", "")
    tag = request.GET.get("tag", "")
    grid = request.GET.get("grid", "")
    grid_id = int(grid) if grid.isdigit() else None
    overdue = request.GET.get("overdue") == "1"
    people = selectors.roster(
        user=request.user,
        risk=risk,
        tag=tag,
        grid=grid_id,
        q=request.GET.get("q", ""),
        overdue_only=overdue,
        today=today,
    )
    page = paginate(request, people)
    grids = visible_units(request.user, CARE_READ_ROLES).filter(kind=OrgUnit.Kind.GRID)
    return render(
        request,
        "care/roster.html",
        {
            "page": page,
            "qs": querystring_without_page(request),
            "today": today,
            "risks": RiskLevel.choices,
            "risk": risk,
            "grids": grids,
            "grid": grid_id,
            "overdue": overdue,
            "q": request.GET.get("q", ""),
            "counts": selectors.roster_counts(user=request.user, today=today),
        },
    )


@permission_required("care.view_roster", raise_exception=True)
def person(request, pk):
    resident = _get(selectors.roster_resident, user=request.user, pk=pk)
    profile = getattr(resident, "care_profile", None)
    assessments = list(selectors.assessments_of(resident)[:20]) if profile else []
    chart = {
        "labels": [str(a.assessed_on) for a in reversed(assessments)],
        "series": {
            "total": [a.total for a in reversed(assessments)],
            "self_care": [a.self_care for a in reversed(assessments)],
            "mobility": [a.mobility for a in reversed(assessments)],
            "mental": [a.mental for a in reversed(assessments)],
            "perception": [a.perception for a in reversed(assessments)],
        },
        "names": {
            "total": _("Total"),
            **{d.code: str(d.label) for d in gbt42195.DIMENSIONS},
        },
    }
    can_write = request.user.has_perm("care.record_visit", resident)
    return render(
        request,
        "care/person.html",
        {
            "resident": resident,
            "profile": profile,
            "today": timezone.localdate(),
            "visits": selectors.visits_of(resident)[:10] if profile else [],
            "assessments": assessments,
            "orders": selectors.order_list(user=request.user).filter(profile__resident=resident)[:10]
            if profile
            else [],
            "chart": chart,
            "risk_form": RiskForm(
                initial={
                    "risk_level": profile.risk_level if profile else RiskLevel.MEDIUM,
                    "risk_reason": profile.risk_reason if profile else "",
                }
            ),
            "can_write": can_write,
            "visit_saved": request.GET.get("visit_saved") == "1",
            "level_labels": gbt42195.LEVEL_LABELS,
        },
    )


@require_POST
@permission_required("care.manage_profile", raise_exception=True)
def risk_set(request, pk):
    resident = _writable(request, pk)
    form = RiskForm(request.POST)
    if form.is_valid():
        try:
            services.profile_set_risk(
                actor=request.user,
                resident=resident,
                level=form.cleaned_data["risk_level"],
                reason=form.cleaned_data["risk_reason"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The risk level was saved."))
    else:
        messages.error(request, _("Choose a risk level and give the reason."))
    return redirect("care:person", pk=resident.pk)


# --- visits ------------------------------------------------------------------------------------


def _visit_form(request, resident, data=None, files=None):
    from gongzhi.cases.selectors import categories_for

    return VisitForm(
        data,
        files,
        categories=categories_for(services.community_of(resident.org_unit)),
        service_types=services.service_types_for(resident.org_unit),
        initial={"visited_on": timezone.localdate()},
    )


@permission_required("care.record_visit", raise_exception=True)
def visit_new(request, pk):
    resident = _writable(request, pk)
    form = _visit_form(request, resident)
    if request.method == "POST":
        form = _visit_form(request, resident, request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                visit = services.visit_record(
                    actor=request.user,
                    resident=resident,
                    kind=d["kind"],
                    visited_on=d["visited_on"],
                    companions=d["companions"],
                    situation=d["situation"],
                    wellbeing=dict.fromkeys(d["wellbeing"], True),
                    needs=d["needs"],
                    photos=[d["photos"]] if d.get("photos") else [],
                    client_key=d["client_key"],
                    case_category=d["case_category"],
                    order_service_type=d["order_service_type"],
                )
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                if visit.case_id:
                    messages.success(request, _("The visit was recorded and a case was opened."))
                else:
                    messages.success(request, _("The visit was recorded."))
                return redirect(reverse("care:person", args=[resident.pk]) + "?visit_saved=1")
    return render(request, "care/visit_form.html", {"form": form, "resident": resident})


# --- assessments -------------------------------------------------------------------------------


@permission_required("care.assess", raise_exception=True)
def assessment_new(request, pk):
    resident = _writable(request, pk)
    form = AssessmentForm(initial={"assessed_on": timezone.localdate(), "risk_events_30d": 0})
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                assessment = services.assessment_record(
                    actor=request.user,
                    resident=resident,
                    assessed_on=d["assessed_on"],
                    answers=form.answers(),
                    coma=d["coma"],
                    dementia=d["dementia"],
                    risk_events_30d=d["risk_events_30d"],
                    note=d["note"],
                )
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The assessment was saved."))
                return redirect("care:assessment_detail", pk=assessment.pk)
    return render(request, "care/assessment_form.html", {"form": form, "resident": resident})


@permission_required("care.view_roster", raise_exception=True)
def assessment_detail(request, pk):
    assessment = _get(selectors.assessment_get, user=request.user, pk=pk)
    answers = assessment.answers
    dims = [
        (d, [(item, answers.get(item.code)) for item in d.items], getattr(assessment, d.code))
        for d in gbt42195.DIMENSIONS
    ]
    return render(
        request,
        "care/assessment_detail.html",
        {
            "a": assessment,
            "dims": dims,
            "level_label": gbt42195.LEVEL_LABELS[assessment.level],
            "preliminary_label": gbt42195.LEVEL_LABELS[assessment.preliminary_level],
            "adjustments": [gbt42195.ADJUSTMENT_LABELS[a] for a in assessment.adjustments],
        },
    )


# --- service orders ----------------------------------------------------------------------------


@permission_required("care.view_orders", raise_exception=True)
def order_list(request):
    state = request.GET.get("state", "")
    page = paginate(request, selectors.order_list(user=request.user, state=state))
    return render(
        request,
        "care/order_list.html",
        {
            "page": page,
            "qs": querystring_without_page(request),
            "states": ServiceOrder.State.choices,
            "state": state,
        },
    )


@permission_required("care.manage_order", raise_exception=True)
def order_new(request, pk):
    resident = _writable(request, pk)
    types = services.service_types_for(resident.org_unit)
    form = OrderForm(service_types=types)
    if request.method == "POST":
        form = OrderForm(request.POST, service_types=types)
        if form.is_valid():
            try:
                order = services.order_create(
                    actor=request.user,
                    resident=resident,
                    service_type=form.cleaned_data["service_type"],
                    description=form.cleaned_data["description"],
                )
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The service order was created."))
                return redirect("care:order_detail", pk=order.pk)
    return render(
        request, "care/form.html", {"form": form, "title": _("New service order"), "resident": resident}
    )


def _step_form(order, data=None):
    volunteers = selectors.Volunteer.objects.filter(
        org_unit=services.community_of(order.org_unit), is_active=True
    )
    return OrderStepForm(data, partners=services.partner_options(order.org_unit), volunteers=volunteers)


@permission_required("care.view_orders", raise_exception=True)
def order_detail(request, pk):
    order = _get(selectors.order_get, user=request.user, pk=pk)
    can_manage = request.user.has_perm("care.manage_order", order)
    return render(
        request,
        "care/order_detail.html",
        {
            "order": order,
            "actions": services.allowed_actions(order) if can_manage else [],
            "form": _step_form(order),
        },
    )


@require_POST
@permission_required("care.view_orders", raise_exception=True)
def order_step(request, pk):
    order = _get(selectors.order_get, user=request.user, pk=pk)
    if not request.user.has_perm("care.manage_order", order):
        raise PermissionDenied
    form = _step_form(order, request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the values entered."))
        return redirect("care:order_detail", pk=order.pk)
    d = form.cleaned_data
    try:
        services.order_transition(
            actor=request.user,
            order=order,
            action=d["action"],
            note=d["note"],
            partner=d["partner"],
            volunteer=d["volunteer"],
            scheduled_for=d["scheduled_for"],
            done_note=d["done_note"],
            confirmed_by=d["confirmed_by"],
            hours=d["hours"],
            rating=d["rating"],
            comment=d["comment"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The order was updated."))
    return redirect("care:order_detail", pk=order.pk)


@permission_required("care.manage_order", raise_exception=True)
def recurring_new(request, pk):
    resident = _writable(request, pk)
    community = services.community_of(resident.org_unit)
    kw = {
        "service_types": services.service_types_for(resident.org_unit),
        "partners": services.partner_options(resident.org_unit),
        "volunteers": selectors.Volunteer.objects.filter(org_unit=community, is_active=True),
    }
    form = RecurringForm(
        initial={"weekdays": ["0", "1", "2", "3", "4"], "start_on": timezone.localdate()}, **kw
    )
    if request.method == "POST":
        form = RecurringForm(request.POST, **kw)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.recurring_create(
                    actor=request.user,
                    resident=resident,
                    service_type=d["service_type"],
                    weekdays=d["weekdays"],
                    time=d["time"],
                    start_on=d["start_on"],
                    end_on=d["end_on"],
                    partner=d["partner"],
                    volunteer=d["volunteer"],
                    note=d["note"],
                )
                created = services.recurring_generate(
                    actor=request.user, until=timezone.localdate() + datetime.timedelta(days=14)
                )
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(
                    request, _("The standing order was saved; %(n)s orders were planned.") % {"n": created}
                )
                return redirect("care:person", pk=resident.pk)
    return render(
        request, "care/form.html", {"form": form, "title": _("New standing order"), "resident": resident}
    )


@permission_required("care.view_roster", raise_exception=True)
def volunteer_list(request):
    form = VolunteerForm()
    communities = [
        u for u in visible_units(request.user, CARE_READ_ROLES) if u.kind == OrgUnit.Kind.COMMUNITY
    ]
    can_add = bool(communities) and request.user.has_perm("care.manage_volunteers", communities[0])
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = VolunteerForm(request.POST)
        if form.is_valid():
            try:
                services.volunteer_create(actor=request.user, org_unit=communities[0], **form.cleaned_data)
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The volunteer was added."))
                return redirect("care:volunteer_list")
    page = paginate(request, selectors.volunteer_list(user=request.user))
    return render(
        request,
        "care/volunteer_list.html",
        {"page": page, "qs": querystring_without_page(request), "form": form, "can_add": can_add},
    )


# --- health records ----------------------------------------------------------------------------


@permission_required("care.view_health_records", raise_exception=True)
def health_list(request):
    page = paginate(request, selectors.health_record_list(user=request.user))
    return render(
        request,
        "care/health_list.html",
        {
            "page": page,
            "qs": querystring_without_page(request),
            "count": selectors.health_count(user=request.user),
            "q": request.GET.get("q", ""),
            "residents": (
                selectors.health_residents(user=request.user)
                .filter(health_record__isnull=True, name__startswith=request.GET["q"].strip())
                .order_by("name")[:20]
                if request.GET.get("q", "").strip()
                else []
            ),
        },
    )


def _guarded_health(request, pk):
    """The record if the user may see it (logged), else 404 for an unknown or foreign record, or a
    logged refusal for a record of the user's area seen without the health role."""
    try:
        record = selectors.health_record_get(user=request.user, pk=pk)
    except ObjectDoesNotExist:
        try:
            other = selectors.health_record_any(pk)
        except ObjectDoesNotExist as exc:
            raise Http404 from exc
        if request.user.has_perm("care.view_profile", other):
            selectors.log_refusal(user=request.user, obj=other, what="health_record")
            raise PermissionDenied from None
        raise Http404 from None
    selectors.log_access(user=request.user, obj=record, what="health_record")
    return record


def health_detail(request, pk):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    record = _guarded_health(request, pk)
    can_manage = request.user.has_perm("care.manage_health_record", record)
    from gongzhi.core.selectors import processing_basis_for

    return render(
        request,
        "care/health_detail.html",
        {
            "record": record,
            "measurements": selectors.measurements_of(record)[:60],
            "basis": processing_basis_for(record).first(),
            "can_manage": can_manage,
            "form": HealthRecordForm(initial={f: getattr(record, f) for f in services.HEALTH_FIELDS}),
            "measure_form": MeasurementForm(initial={"measured_on": timezone.localdate()}),
            "ranges": services.RANGES,
        },
    )


@require_POST
@permission_required("care.view_health_records", raise_exception=True)
def health_edit(request, pk):
    record = _guarded_health(request, pk)
    if not request.user.has_perm("care.manage_health_record", record):
        raise PermissionDenied
    if "measured_on" in request.POST:
        form = MeasurementForm(request.POST)
        if form.is_valid():
            try:
                services.measurements_add(
                    actor=request.user,
                    record=record,
                    values=form.values(),
                    measured_on=form.cleaned_data["measured_on"],
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The measurements were saved."))
        else:
            messages.error(request, _("Check the values entered."))
    else:
        form = HealthRecordForm(request.POST)
        if form.is_valid():
            services.health_record_update(actor=request.user, record=record, **form.cleaned_data)
            messages.success(request, _("The health record was saved."))
    return redirect("care:health_detail", pk=record.pk)


@permission_required("care.view_health_records", raise_exception=True)
def health_new(request, pk):
    try:
        resident = selectors.health_residents(user=request.user).get(pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    form = HealthRecordNewForm(
        initial={"basis": "consent", "consent_given_on": timezone.localdate(), "consent_relation": "self"}
    )
    if request.method == "POST":
        form = HealthRecordNewForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                record = services.health_record_create(
                    actor=request.user,
                    resident=resident,
                    basis=d["basis"],
                    statute=d["statute"],
                    consent_given_on=d["consent_given_on"],
                    consent_by=d["consent_by"],
                    consent_relation=d["consent_relation"],
                    **{f: d[f] for f in services.HEALTH_FIELDS},
                )
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The health record was created."))
                return redirect("care:health_detail", pk=record.pk)
    return render(
        request, "care/form.html", {"form": form, "title": _("New health record"), "resident": resident}
    )


@permission_required("care.view_health_records", raise_exception=True)
def clinic_list(request):
    communities = [
        u for u in visible_units(request.user, {"health_worker"}) if u.kind == OrgUnit.Kind.COMMUNITY
    ]
    form = ClinicForm(initial={"held_on": timezone.localdate()})
    if request.method == "POST" and communities:
        form = ClinicForm(request.POST)
        if form.is_valid():
            try:
                clinic = services.clinic_create(
                    actor=request.user, org_unit=communities[0], **form.cleaned_data
                )
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                return redirect("care:clinic_detail", pk=clinic.pk)
    page = paginate(request, selectors.clinic_list(user=request.user))
    return render(
        request,
        "care/clinic_list.html",
        {"page": page, "qs": querystring_without_page(request), "form": form, "can_add": bool(communities)},
    )


@permission_required("care.view_health_records", raise_exception=True)
def clinic_detail(request, pk):
    """The fast entry screen: one resident after another, the form comes back empty."""
    clinic = _get(selectors.clinic_get, user=request.user, pk=pk)
    residents = selectors.health_residents(user=request.user).filter(
        org_unit__path__startswith=clinic.org_unit.path
    )
    form = ScreenForm(residents=residents)
    if request.method == "POST":
        form = ScreenForm(request.POST, residents=residents)
        if form.is_valid():
            try:
                rows = services.clinic_screen(
                    actor=request.user,
                    clinic=clinic,
                    resident=form.cleaned_data["resident"],
                    values=form.values(),
                    consent_by=form.cleaned_data["consent_by"],
                )
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                flagged = sum(r.out_of_range for r in rows)
                messages.success(
                    request,
                    _("Saved for %(name)s: %(n)s values, %(flagged)s out of range.")
                    % {"name": form.cleaned_data["resident"].name, "n": len(rows), "flagged": flagged},
                )
                return redirect("care:clinic_detail", pk=clinic.pk)
    return render(request, "care/clinic_detail.html", {"clinic": clinic, "form": form})


# --- children ----------------------------------------------------------------------------------


@permission_required("care.view_children", raise_exception=True)
def child_list(request):
    page = paginate(request, selectors.child_list(user=request.user))
    return render(
        request,
        "care/child_list.html",
        {"page": page, "qs": querystring_without_page(request), "today": timezone.localdate()},
    )


def _guarded_child(request, pk):
    try:
        child = selectors.child_get(user=request.user, pk=pk)
    except ObjectDoesNotExist:
        try:
            other = selectors.child_any(pk)
        except ObjectDoesNotExist as exc:
            raise Http404 from exc
        if request.user.has_perm("care.view_profile", other) or request.user.has_perm(
            "care.view_health_record", other
        ):
            selectors.log_refusal(user=request.user, obj=other, what="child_record")
            raise PermissionDenied from None
        raise Http404 from None
    selectors.log_access(user=request.user, obj=child, what="child_record")
    return child


def _guardians(child_resident):
    return Resident.objects.filter(
        household_id=child_resident.household_id, status=Resident.Status.LIVING
    ).exclude(pk=child_resident.pk)


def child_detail(request, pk):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    child = _guarded_child(request, pk)
    can_manage = request.user.has_perm("care.manage_child", child)
    form = ChildForm(
        initial={
            f: getattr(child, f) for f in (*services.CHILD_FIELDS, "kind", "guardian", "next_follow_up_on")
        },
        guardians=_guardians(child.resident),
    )
    return render(
        request,
        "care/child_detail.html",
        {
            "child": child,
            "can_manage": can_manage,
            "form": form,
            "follow_form": FollowUpForm(initial={"on": timezone.localdate()}),
        },
    )


@require_POST
def child_edit(request, pk):
    if not request.user.is_authenticated:
        raise PermissionDenied
    child = _guarded_child(request, pk)
    if not request.user.has_perm("care.manage_child", child):
        raise PermissionDenied
    try:
        if "note" in request.POST:
            form = FollowUpForm(request.POST)
            if not form.is_valid():
                raise ApplicationError(_("Check the values entered."))
            services.child_follow_up_add(actor=request.user, child=child, **form.cleaned_data)
            messages.success(request, _("The follow-up was recorded."))
        else:
            form = ChildForm(request.POST, guardians=_guardians(child.resident))
            if not form.is_valid():
                raise ApplicationError(_("Check the values entered."))
            d = dict(form.cleaned_data)
            d.pop("kind")
            services.child_profile_update(actor=request.user, child=child, **d)
            messages.success(request, _("The child's record was saved."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("care:child_detail", pk=child.pk)


@permission_required("care.view_children", raise_exception=True)
def child_new(request, pk):
    try:
        resident = selectors.writable_resident(user=request.user, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    if not request.user.has_perm("care.manage_child", resident):
        raise PermissionDenied
    form = ChildForm(guardians=_guardians(resident))
    if request.method == "POST":
        form = ChildForm(request.POST, guardians=_guardians(resident))
        if form.is_valid():
            try:
                child = services.child_profile_create(
                    actor=request.user, resident=resident, **form.cleaned_data
                )
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The child's record was created."))
                return redirect("care:child_detail", pk=child.pk)
    return render(
        request, "care/form.html", {"form": form, "title": _("Monitor a child"), "resident": resident}
    )


# --- reports -----------------------------------------------------------------------------------


@permission_required("care.view_reports", raise_exception=True)
def report(request):
    today = timezone.localdate()
    coverage = selectors.coverage_by_grid(user=request.user, today=today)
    services_month = selectors.services_by_month(user=request.user, today=today)
    chart = {
        "coverage": {
            "labels": [r["grid"] for r in coverage],
            "series": {
                _("Visited on time (%)"): [r["visited_pct"] for r in coverage],
                _("Assessed within 12 months (%)"): [r["assessed_pct"] for r in coverage],
            },
        },
        "services": services_month,
    }
    return render(
        request,
        "care/report.html",
        {
            "coverage": coverage,
            "services": services_month,
            "overdue": selectors.roster(user=request.user, today=today, overdue_only=True)[:50],
            "reassess": selectors.reassessments_due(user=request.user, today=today)[:50],
            "chart": chart,
            "today": today,
        },
    )


@permission_required("care.view_reports", raise_exception=True)
def report_xlsx(request):
    data = exports.report_workbook(user=request.user, today=timezone.localdate())
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="care-report.xlsx"'
    return response


# --- needy households: donations and start-up guidance ----------------------------------------


@permission_required("care.view_roster", raise_exception=True)
def needy(request):
    from .forms import DonationForm, GuidanceForm

    communities = [
        u for u in visible_units(request.user, CARE_READ_ROLES) if u.kind == OrgUnit.Kind.COMMUNITY
    ]
    can_add = bool(communities) and request.user.has_perm("care.manage_volunteers", communities[0])
    residents = selectors.needy_residents(user=request.user)
    today = timezone.localdate()
    donation_form = DonationForm(residents=residents, initial={"on": today})
    guidance_form = GuidanceForm(residents=residents, initial={"on": today})
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        which = request.POST.get("form")
        if which == "donation":
            donation_form = DonationForm(request.POST, residents=residents)
            form, call = donation_form, services.donation_record
        else:
            guidance_form = GuidanceForm(request.POST, residents=residents)
            form, call = guidance_form, services.guidance_record
        if form.is_valid():
            kw = dict(form.cleaned_data)
            if which == "donation":
                kw["org_unit"] = communities[0]
            try:
                call(actor=request.user, **kw)
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("care:needy")
    page = paginate(request, selectors.donation_list(user=request.user))
    return render(
        request,
        "care/needy.html",
        {
            "page": page,
            "qs": querystring_without_page(request),
            "totals": selectors.donation_totals(user=request.user),
            "sessions": selectors.guidance_list(user=request.user)[:20],
            "errands": selectors.order_list(user=request.user, service="errand")[:20],
            "donation_form": donation_form,
            "guidance_form": guidance_form,
            "can_add": can_add,
        },
    )
