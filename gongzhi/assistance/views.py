import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.accounts.scoping import communities_of, visible_units
from gongzhi.core import audit, crypto
from gongzhi.core.errors import ApplicationError
from gongzhi.core.pagination import paginate, querystring_without_page
from gongzhi.core.selectors import processing_basis_for
from gongzhi.core.views import form_error

from . import exports, selectors, services
from .forms import (
    ApplicationForm,
    BatchForm,
    DocumentForm,
    ReconcileForm,
    ReportForm,
    ReviewForm,
    StandardForm,
    StepForm,
)
from .models import Application, Batch, Enrolment
from .rules import COUNTY_ROLES, FILE_ROLES, PREPARER_ROLES

VIEW = "assistance.view_files"


def _get(fn, **kw):
    try:
        return fn(**kw)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


@permission_required(VIEW, raise_exception=True)
def index(request):
    today = timezone.localdate()
    return render(
        request,
        "assistance/index.html",
        {
            "counts": selectors.dashboard_counts(user=request.user, today=today),
            "overdue": selectors.review_list(user=request.user, today=today, overdue=True)[:10],
            "programmes": selectors.programme_list(),
        },
    )


@permission_required(VIEW, raise_exception=True)
def application_list(request):
    state = request.GET.get("state", "")
    programme = request.GET.get("programme", "")
    page = paginate(request, selectors.application_list(user=request.user, state=state, programme=programme))
    return render(
        request,
        "assistance/application_list.html",
        {
            "page": page,
            "qs": querystring_without_page(request),
            "states": Application.State.choices,
            "programmes": selectors.programme_list(),
            "state": state,
            "programme": programme,
            "can_create": request.user.has_perm("assistance.prepare"),
        },
    )


@permission_required("assistance.prepare", raise_exception=True)
def application_new(request):
    households = selectors.household_options(user=request.user).filter(
        org_unit__in=visible_units(request.user, PREPARER_ROLES)
    )
    form = ApplicationForm(request.POST or None, households=households)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.application_submit(actor=request.user, on_behalf=True, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The application was submitted."))
            return redirect("assistance:application_detail", pk=app.pk)
    return render(request, "core/form.html", {"form": form, "title": _("New application")})


# What a user may do next on an application, with the fields each step asks for.
STEP_FIELDS = {
    "check": [
        "household_size",
        "monthly_income",
        "assets_note",
        "elderly_members",
        "disabled_members",
        "ill_members",
        "disability_grade",
        "household_class",
    ],
    "visit": ["note"],
    "review": ["note"],
    "publish": ["notice_days"],
    "street_approve": ["note"],
    "county_approve": ["enrol_from", "payee_name", "bank_name", "account_number", "note"],
}
STEP_LABELS = {
    "check": gettext_lazy("Record the income and assets check"),
    "visit": gettext_lazy("Record the home visit"),
    "review": gettext_lazy("Record the community review"),
    "publish": gettext_lazy("Start the public notice"),
    "street_approve": gettext_lazy("Pass the first review (street)"),
    "county_approve": gettext_lazy("Approve and enrol (county)"),
}


def _next_step(user, app):
    for action, (from_state, _to, perm, _approval) in services.TRANSITIONS.items():
        if app.state == from_state and user.has_perm(perm, app):
            form = StepForm(initial={"action": action, "notice_days": app.notice_days})
            return {
                "action": action,
                "label": STEP_LABELS[action],
                "fields": [form[f] for f in STEP_FIELDS[action]],
                "form": form,
            }
    return None


@permission_required(VIEW, raise_exception=True)
def application_detail(request, pk):
    app = _get(selectors.application_get, user=request.user, pk=pk)
    audit.record_access(actor=request.user, obj=app, what="assistance.application")
    open_ = app.state not in (Application.State.ENROLLED, Application.State.REFUSED)
    return render(
        request,
        "assistance/application_detail.html",
        {
            "app": app,
            "legal_basis": processing_basis_for(app).first(),
            "step": _next_step(request.user, app) if open_ else None,
            "can_refuse": open_ and request.user.has_perm("assistance.refuse", app),
            "can_object": app.state == Application.State.NOTICE
            and request.user.has_perm("assistance.prepare", app),
        },
    )


@permission_required(VIEW, raise_exception=True)
@require_POST
def application_step(request, pk):
    app = _get(selectors.application_get, user=request.user, pk=pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the figures entered."))
        return redirect("assistance:application_detail", pk=pk)
    try:
        services.application_transition(
            actor=request.user,
            application=app,
            action=form.cleaned_data["action"],
            note=form.cleaned_data.get("note") or "",
            **form.data_for_service(),
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Recorded."))
    return redirect("assistance:application_detail", pk=pk)


@permission_required(VIEW, raise_exception=True)
@require_POST
def application_document(request, pk):
    app = _get(selectors.application_get, user=request.user, pk=pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.application_document_add(actor=request.user, application=app, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The document was filed."))
    else:
        messages.error(request, _("Name the document and choose a file."))
    return redirect("assistance:application_detail", pk=pk)


@permission_required(VIEW, raise_exception=True)
def application_notice(request, pk):
    """The printable public notice (公示): names masked; amounts shown unless settings hide them."""
    app = _get(selectors.application_get, user=request.user, pk=pk)
    if app.notice_start is None:
        raise Http404
    person = app.beneficiary or app.household.members.filter(relationship_to_head="head").first()
    return render(
        request,
        "assistance/notice.html",
        {
            "app": app,
            "masked_name": crypto.mask_name(person.name if person else ""),
            "show_amount": getattr(settings, "GONGZHI_ASSISTANCE_NOTICE_AMOUNTS", True),
        },
    )


@permission_required(VIEW, raise_exception=True)
def enrolment_list(request):
    status = request.GET.get("status", "")
    programme = request.GET.get("programme", "")
    page = paginate(request, selectors.enrolment_list(user=request.user, status=status, programme=programme))
    return render(
        request,
        "assistance/enrolment_list.html",
        {
            "page": page,
            "qs": querystring_without_page(request),
            "statuses": Enrolment.Status.choices,
            "programmes": selectors.programme_list(),
            "status": status,
            "programme": programme,
        },
    )


@permission_required(VIEW, raise_exception=True)
def enrolment_detail(request, pk):
    enrolment = _get(selectors.enrolment_get, user=request.user, pk=pk)
    audit.record_access(actor=request.user, obj=enrolment, what="assistance.enrolment")
    return render(
        request,
        "assistance/enrolment_detail.html",
        {
            "e": enrolment,
            "lines": selectors.enrolment_lines(enrolment)[:24],
            "reviews": enrolment.reviews.select_related("done_by"),
            "review_form": ReviewForm(),
            "can_review": request.user.has_perm("assistance.prepare", enrolment),
        },
    )


@permission_required(VIEW, raise_exception=True)
@require_POST
def review_complete(request, pk, review_pk):
    enrolment = _get(selectors.enrolment_get, user=request.user, pk=pk)
    review = enrolment.reviews.filter(pk=review_pk).first()
    if review is None:
        raise Http404
    form = ReviewForm(request.POST)
    ok, text = False, _("Check the figures entered.")
    if form.is_valid():
        try:
            services.review_complete(actor=request.user, review=review, **form.cleaned_data)
        except ApplicationError as exc:
            text = str(exc.message)
        else:
            ok, text = True, _("The review was recorded.")
    if request.headers.get("HX-Request"):
        # htmx: answer only the reviews section, refreshed.
        return render(
            request,
            "assistance/partials/reviews.html",
            {
                "e": enrolment,
                "reviews": enrolment.reviews.select_related("done_by"),
                "review_form": form if not ok else ReviewForm(),
                "can_review": True,
                "review_message": text,
                "review_message_class": "msg-success" if ok else "msg-error",
            },
        )
    (messages.success if ok else messages.error)(request, text)
    return redirect("assistance:enrolment_detail", pk=pk)


@permission_required(VIEW, raise_exception=True)
def review_list(request):
    today = timezone.localdate()
    overdue = request.GET.get("overdue") == "1"
    page = paginate(request, selectors.review_list(user=request.user, today=today, overdue=overdue))
    return render(
        request,
        "assistance/review_list.html",
        {"page": page, "qs": querystring_without_page(request), "overdue": overdue, "today": today},
    )


@permission_required(VIEW, raise_exception=True)
def missed_list(request):
    rows = selectors.possibly_missed(user=request.user, today=timezone.localdate())
    page = paginate(request, rows)
    return render(
        request, "assistance/missed_list.html", {"page": page, "qs": querystring_without_page(request)}
    )


@permission_required(VIEW, raise_exception=True)
def batch_list(request):
    communities = communities_of(request.user, PREPARER_ROLES)
    form = BatchForm(request.POST or None, communities=communities)
    if request.method == "POST":
        if not request.user.has_perm("assistance.manage_batches"):
            raise Http404
        if form.is_valid():
            try:
                batch = services.batch_create(
                    actor=request.user,
                    programme=form.cleaned_data["programme"],
                    community=form.cleaned_data["community"],
                    month=form.cleaned_data["month"],
                )
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The draft batch was computed."))
                return redirect("assistance:batch_detail", pk=batch.pk)
    page = paginate(
        request, selectors.batch_list(user=request.user, programme=request.GET.get("programme", ""))
    )
    return render(
        request,
        "assistance/batch_list.html",
        {
            "page": page,
            "qs": querystring_without_page(request),
            "form": form if communities.exists() else None,
        },
    )


@permission_required(VIEW, raise_exception=True)
def batch_detail(request, pk):
    batch = _get(selectors.batch_get, user=request.user, pk=pk)
    audit.record_access(actor=request.user, obj=batch, what="assistance.batch")
    page = paginate(request, selectors.batch_lines(batch), per_page=50)
    actions = [
        (action, label)
        for action, label in (
            ("check", _("Mark as checked")),
            ("approve", _("Approve (county)")),
            ("pay", _("Send to the bank")),
        )
        if batch.state == services.BATCH_TRANSITIONS[action][0]
        and request.user.has_perm(services.BATCH_TRANSITIONS[action][2], batch)
    ]
    return render(
        request,
        "assistance/batch_detail.html",
        {
            "batch": batch,
            "page": page,
            "qs": querystring_without_page(request),
            "actions": actions,
            "can_recompute": batch.state == Batch.State.DRAFT
            and request.user.has_perm("assistance.manage_batches", batch),
            "reconcile_form": ReconcileForm()
            if batch.state == Batch.State.PAID and request.user.has_perm("assistance.approve_batches", batch)
            else None,
        },
    )


@permission_required(VIEW, raise_exception=True)
@require_POST
def batch_step(request, pk):
    batch = _get(selectors.batch_get, user=request.user, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "compute":
            services.batch_compute(actor=request.user, batch=batch)
        elif action == "reconcile":
            form = ReconcileForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ApplicationError(_("Choose the bank's returned file."), field="file")
            results = exports.parse_bank_return(form.cleaned_data["file"].read())
            services.batch_reconcile(actor=request.user, batch=batch, results=results)
        else:
            services.batch_transition(actor=request.user, batch=batch, action=action)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Recorded."))
    return redirect("assistance:batch_detail", pk=pk)


@permission_required(VIEW, raise_exception=True)
def batch_file(request, pk, fmt):
    batch = _get(selectors.batch_get, user=request.user, pk=pk)
    if fmt not in ("csv", "xlsx") or batch.state not in (
        Batch.State.APPROVED,
        Batch.State.PAID,
        Batch.State.RECONCILED,
    ):
        raise Http404
    audit.record_access(actor=request.user, obj=batch, what="assistance.bank_file")
    header, rows = exports.bank_rows(batch, selectors.batch_lines(batch).exclude(status="failed"))
    name = f"bank-{batch.programme.code}-{batch.month:%Y-%m}-{batch.pk}"
    if fmt == "xlsx":
        body = exports.to_xlsx([(f"{batch.month:%Y-%m}", header, rows)])
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, ctype = exports.to_csv(header, rows), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _report(request):
    units = visible_units(request.user, FILE_ROLES).exclude(kind="grid").order_by("path")
    today = timezone.localdate()
    initial = {"org_unit": units.first(), "date_from": datetime.date(today.year, 1, 1), "date_to": today}
    form = ReportForm(request.GET or None, units=units, initial=initial)
    if request.GET and form.is_valid():
        unit, date_from, date_to = (form.cleaned_data[k] for k in ("org_unit", "date_from", "date_to"))
    elif request.GET or units.first() is None:
        return form, None, None
    else:
        unit, date_from, date_to = initial["org_unit"], initial["date_from"], initial["date_to"]
    report = selectors.care_report(user=request.user, org_unit=unit, date_from=date_from, date_to=date_to)
    trend = selectors.monthly_trend(user=request.user, org_unit=unit, date_from=date_from, date_to=date_to)
    return form, report, trend


@permission_required(VIEW, raise_exception=True)
def report(request):
    form, report_, trend = _report(request)
    return render(
        request,
        "assistance/report.html",
        {
            "form": form,
            "report": report_,
            "chart": {"title": _("Amount paid per month (yuan)"), **trend} if trend else None,
            "qs": request.GET.urlencode(),
        },
    )


@permission_required(VIEW, raise_exception=True)
def report_xlsx(request):
    form, report_, trend = _report(request)
    if report_ is None:
        raise Http404
    audit.record_access(
        actor=request.user,
        org_unit=report_["org_unit"],
        what="assistance.report",
        object_type="assistance.report",
    )
    header = [_("Programme"), _("Households"), _("People"), _("Amount (yuan)"), _("Summary")]
    groups = [[r["label"], r["households"], r["persons"], r["amount"], r["text"]] for r in report_["groups"]]
    progs = [
        [r["label"], r["households"], r["persons"], r["amount"], r["text"]] for r in report_["programmes"]
    ]
    months = [[m, *[s["data"][i] for s in trend["series"]]] for i, m in enumerate(trend["months"])]
    body = exports.to_xlsx(
        [
            (_("Report"), header, groups),
            (_("Programmes"), header, progs),
            (_("Months"), [_("Month"), *[s["name"] for s in trend["series"]]], months),
        ]
    )
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="care-report-{report_["date_from"]}-{report_["date_to"]}.xlsx"'
    )
    return response


@permission_required(VIEW, raise_exception=True)
def standard_list(request):
    """Dated standards per region: rows are never edited; a change is a new row from its date."""
    units = visible_units(request.user, COUNTY_ROLES).exclude(kind="grid").order_by("path")
    can_add = units.exists()
    form = StandardForm(request.POST or None, units=units) if can_add else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v is not None}
        data["band"] = data.get("band") or ""
        try:
            services.standard_create(actor=request.user, **data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The new standard was recorded."))
            return redirect("assistance:standard_list")
    page = paginate(
        request, selectors.standard_list().order_by("programme__code", "band", "-valid_from"), per_page=50
    )
    return render(request, "assistance/standard_list.html", {"page": page, "qs": "", "form": form})
