"""Pages of the collective economy: thin — parse, check permission, call a service or selector."""

import datetime
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.accounts.scoping import communities_of, scope_q
from gongzhi.core.errors import ApplicationError
from gongzhi.core.pagination import paginate, querystring_without_page
from gongzhi.core.views import form_error

from . import forms, schedule, selectors, services
from .models import Invoice, Lease, ShopUnit, Tenant
from .roles import MANAGE_ROLES

VIEW = "economy.view_economy"
MANAGE = "economy.manage_economy"


def _require_manage(request, obj):
    if not request.user.has_perm("economy.manage_record", obj):
        raise PermissionDenied


def _date(value, default):
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _form_page(request, form, title, back):
    return render(request, "core/form.html", {"form": form, "title": title, "back": back})


# --- Overview and projects -------------------------------------------------------------------


@permission_required(VIEW, raise_exception=True)
def index(request):
    today = timezone.localdate()
    projects = list(selectors.project_list(user=request.user))
    reports = [selectors.income_report(project=p, year=today.year) for p in projects]
    arrears = selectors.arrears(user=request.user, as_of=today)
    return render(
        request,
        "economy/index.html",
        {
            "reports": reports,
            "arrears": arrears,
            "year": today.year,
            "can_manage": request.user.has_perm(MANAGE),
            "generate_form": forms.GenerateForm(),
        },
    )


@permission_required(MANAGE, raise_exception=True)
def project_create(request):
    form = forms.ProjectForm(request.POST or None, communities=communities_of(request.user, MANAGE_ROLES))
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The project was created."))
            return redirect("economy:project_detail", pk=project.pk)
    return _form_page(request, form, _("New project"), back="/economy/")


@permission_required(VIEW, raise_exception=True)
def project_detail(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    page = paginate(request, selectors.unit_list(user=request.user, project=project, status=status, q=q))
    return render(
        request,
        "economy/project_detail.html",
        {
            "project": project,
            "page": page,
            "status": status,
            "q": q,
            "statuses": ShopUnit.Status.choices,
            "qs": querystring_without_page(request),
            "can_manage": request.user.has_perm("economy.manage_record", project),
        },
    )


@permission_required(MANAGE, raise_exception=True)
def project_edit(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    _require_manage(request, project)
    initial = {f: getattr(project, f) for f in forms.ProjectUpdateForm.base_fields}
    form = forms.ProjectUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(actor=request.user, project=project, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The project was updated."))
            return redirect("economy:project_detail", pk=project.pk)
    return _form_page(request, form, _("Edit the project"), back=f"/economy/projects/{project.pk}/")


# --- Shop units ------------------------------------------------------------------------------


@permission_required(MANAGE, raise_exception=True)
def unit_create(request, project_pk):
    project = selectors.project_get(user=request.user, pk=project_pk)
    _require_manage(request, project)
    form = forms.ShopUnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.shopunit_create(actor=request.user, project=project, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Unit %(number)s was added.") % {"number": unit.number})
            return redirect("economy:project_detail", pk=project.pk)
    return _form_page(request, form, _("New shop unit"), back=f"/economy/projects/{project.pk}/")


@permission_required(MANAGE, raise_exception=True)
def unit_edit(request, pk):
    unit = selectors.unit_get(user=request.user, pk=pk)
    _require_manage(request, unit)
    form = forms.UnitUpdateForm(
        request.POST or None, initial={"floor": unit.floor, "area": unit.area, "use": unit.use}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.shopunit_update(actor=request.user, unit=unit, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The unit was updated."))
            return redirect("economy:unit_detail", pk=unit.pk)
    return _form_page(request, form, _("Edit the shop unit"), back=f"/economy/units/{unit.pk}/")


@permission_required(VIEW, raise_exception=True)
def unit_detail(request, pk):
    unit = selectors.unit_get(user=request.user, pk=pk)
    can_manage = request.user.has_perm("economy.manage_record", unit)
    status_form = forms.UnitStatusForm(initial={"status": unit.status}) if can_manage else None
    photo_form = forms.PhotoForm() if can_manage else None
    if request.method == "POST" and can_manage:
        try:
            if "photo" in request.FILES:
                photo_form = forms.PhotoForm(request.POST, request.FILES)
                if photo_form.is_valid():
                    services.shopunit_add_photo(
                        actor=request.user, unit=unit, file=photo_form.cleaned_data["photo"]
                    )
                    messages.success(request, _("The photo was added."))
                    return redirect("economy:unit_detail", pk=unit.pk)
            else:
                status_form = forms.UnitStatusForm(request.POST)
                if status_form.is_valid():
                    services.shopunit_update(
                        actor=request.user, unit=unit, status=status_form.cleaned_data["status"]
                    )
                    messages.success(request, _("The status was changed."))
                    return redirect("economy:unit_detail", pk=unit.pk)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return redirect("economy:unit_detail", pk=unit.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "economy/unit_detail.html",
        {"unit": unit, "can_manage": can_manage, "status_form": status_form, "photo_form": photo_form},
    )


# --- Tenants ---------------------------------------------------------------------------------


@permission_required(VIEW, raise_exception=True)
def tenant_list(request):
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    page = paginate(request, selectors.tenant_list(user=request.user, q=q, kind=kind))
    return render(
        request,
        "economy/tenant_list.html",
        {
            "page": page,
            "q": q,
            "kind": kind,
            "kinds": Tenant.Kind.choices,
            "qs": querystring_without_page(request),
            "can_manage": request.user.has_perm(MANAGE),
        },
    )


@permission_required(MANAGE, raise_exception=True)
def tenant_create(request):
    communities = communities_of(request.user, MANAGE_ROLES)
    form = forms.TenantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tenant = services.tenant_create(
                actor=request.user, org_unit=communities.first(), **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The tenant was registered."))
            return redirect("economy:tenant_detail", pk=tenant.pk)
    return _form_page(request, form, _("New tenant"), back="/economy/tenants/")


@permission_required(VIEW, raise_exception=True)
def tenant_detail(request, pk):
    tenant = selectors.tenant_get(user=request.user, pk=pk)
    can_manage = request.user.has_perm("economy.manage_record", tenant)
    form = None
    if can_manage:
        form = forms.TenantUpdateForm(
            request.POST or None,
            initial={
                "contact_name": tenant.contact_name,
                "contact_phone": tenant.contact_phone,
                "business": tenant.business,
                "local_employees": tenant.local_employees,
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.tenant_update(actor=request.user, tenant=tenant, **form.cleaned_data)
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The tenant was updated."))
                return redirect("economy:tenant_detail", pk=tenant.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "economy/tenant_detail.html",
        {"tenant": tenant, "leases": selectors.lease_list(user=request.user, tenant=tenant), "form": form},
    )


# --- Leases ----------------------------------------------------------------------------------


@permission_required(VIEW, raise_exception=True)
def lease_list(request):
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    ending = request.GET.get("ending") == "1"
    qs = selectors.lease_list(user=request.user, status=status, q=q)
    if ending:
        today = timezone.localdate()
        qs = qs.filter(
            status=Lease.Status.ACTIVE, end_date__gte=today, end_date__lte=today + datetime.timedelta(days=90)
        ).order_by("end_date", "id")
    page = paginate(request, qs)
    return render(
        request,
        "economy/lease_list.html",
        {
            "page": page,
            "status": status,
            "ending": ending,
            "q": q,
            "statuses": Lease.Status.choices,
            "qs": querystring_without_page(request),
            "can_manage": request.user.has_perm(MANAGE),
        },
    )


@permission_required(VIEW, raise_exception=True)
def deposit_list(request):
    status = request.GET.get("status", "")
    if status not in Lease.DepositStatus.values:
        status = ""
    q = request.GET.get("q", "").strip()
    qs = selectors.deposit_list(user=request.user, status=status, q=q)
    return render(
        request,
        "economy/deposit_list.html",
        {
            "page": paginate(request, qs),
            "totals": selectors.deposit_totals(qs),
            "status": status,
            "q": q,
            "statuses": [c for c in Lease.DepositStatus.choices if c[0] != Lease.DepositStatus.NONE],
            "qs": querystring_without_page(request),
        },
    )


@permission_required(MANAGE, raise_exception=True)
def lease_create(request):
    manage_q = scope_q(request.user, MANAGE_ROLES)
    units = ShopUnit.objects.filter(manage_q).select_related("project").order_by("project__name", "number")
    tenants = Tenant.objects.filter(manage_q).order_by("name")
    initial = {"unit": request.GET.get("unit"), "tenant": request.GET.get("tenant")}
    form = forms.LeaseForm(request.POST or None, units=units, tenants=tenants, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            lease = services.lease_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The lease was recorded."))
            return redirect("economy:lease_detail", pk=lease.pk)
    return _form_page(request, form, _("New lease"), back="/economy/leases/")


@permission_required(VIEW, raise_exception=True)
def lease_detail(request, pk):
    lease = selectors.lease_get(user=request.user, pk=pk)
    periods = schedule.lease_periods(lease)
    can_manage = request.user.has_perm("economy.manage_record", lease) and lease.status == Lease.Status.ACTIVE
    return render(
        request,
        "economy/lease_detail.html",
        {
            "lease": lease,
            "periods": periods,
            "invoices": selectors.invoice_list(user=request.user, lease=lease).order_by("period_start"),
            "transitions": lease.transitions.select_related("actor"),
            "settlement": getattr(lease, "settlement", None),
            "can_manage": can_manage,
            "can_deposit": request.user.has_perm("economy.manage_record", lease),
            "today": timezone.localdate(),
        },
    )


def _lease_action(request, pk, form_class, title, call, success):
    lease = selectors.lease_get(user=request.user, pk=pk)
    _require_manage(request, lease)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = call(lease, form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, success)
            target = result if isinstance(result, Lease) else lease
            return redirect("economy:lease_detail", pk=target.pk)
    return _form_page(request, form, title, back=f"/economy/leases/{lease.pk}/")


@permission_required(MANAGE, raise_exception=True)
def lease_renew(request, pk):
    def call(lease, data):
        return services.lease_renew(
            actor=request.user,
            lease=lease,
            end_date=data["end_date"],
            rent_rate=data["rent_rate"],
            yearly_increase_pct=data["yearly_increase_pct"],
            rent_free_months=data["rent_free_months"] or 0,
        )

    return _lease_action(
        request, pk, forms.RenewForm, _("Renew the lease"), call, _("The lease was renewed.")
    )


@permission_required(MANAGE, raise_exception=True)
def lease_terminate(request, pk):
    def call(lease, data):
        services.lease_terminate(actor=request.user, lease=lease, **data)

    return _lease_action(
        request,
        pk,
        forms.TerminateForm,
        _("End the lease early"),
        call,
        _("The lease was ended and settled."),
    )


@permission_required(MANAGE, raise_exception=True)
def deposit_receive(request, pk):
    def call(lease, data):
        services.deposit_receive(actor=request.user, lease=lease, **data)

    return _lease_action(
        request,
        pk,
        forms.DepositReceiveForm,
        _("Deposit received"),
        call,
        _("The deposit is recorded as held."),
    )


@permission_required(MANAGE, raise_exception=True)
def deposit_return(request, pk):
    def call(lease, data):
        services.deposit_return(actor=request.user, lease=lease, **data)

    return _lease_action(
        request,
        pk,
        forms.DepositReturnForm,
        _("Return the deposit"),
        call,
        _("The deposit return is recorded."),
    )


# --- Invoices, payments, receipts ------------------------------------------------------------


@permission_required(VIEW, raise_exception=True)
def invoice_list(request):
    status = request.GET.get("status", "")
    overdue = request.GET.get("overdue") == "1"
    today = timezone.localdate()
    qs = selectors.invoice_list(user=request.user, status=status, overdue_on=today if overdue else None)
    page = paginate(request, qs)
    return render(
        request,
        "economy/invoice_list.html",
        {
            "page": page,
            "status": status,
            "overdue": overdue,
            "statuses": Invoice.Status.choices,
            "today": today,
            "qs": querystring_without_page(request),
            "can_manage": request.user.has_perm(MANAGE),
            "generate_form": forms.GenerateForm(),
        },
    )


@permission_required(MANAGE, raise_exception=True)
@require_POST
def invoices_generate(request):
    form = forms.GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a date."))
        return redirect("economy:invoice_list")
    total = 0
    for community in communities_of(request.user, MANAGE_ROLES):
        total += len(
            services.invoices_generate(
                actor=request.user, as_of=form.cleaned_data["as_of"], org_unit=community
            )
        )
    messages.success(request, _("%(n)s new invoices were issued.") % {"n": total})
    return redirect("economy:invoice_list")


def _invoice_context(request, invoice, form=None):
    can_pay = request.user.has_perm("economy.manage_record", invoice) and invoice.status in (
        Invoice.Status.OPEN,
        Invoice.Status.PARTIAL,
    )
    return {
        "invoice": invoice,
        "can_correct": request.user.has_perm("economy.manage_record", invoice)
        and invoice.status != Invoice.Status.VOID,
        "payments": list(invoice.payments.all()),
        "form": form or (forms.PaymentForm(initial={"amount": invoice.balance}) if can_pay else None),
        "today": timezone.localdate(),
    }


@permission_required(VIEW, raise_exception=True)
def invoice_detail(request, pk):
    invoice = selectors.invoice_get(user=request.user, pk=pk)
    return render(request, "economy/invoice_detail.html", _invoice_context(request, invoice))


@permission_required(MANAGE, raise_exception=True)
@require_POST
def payment_create(request, pk):
    invoice = selectors.invoice_get(user=request.user, pk=pk)
    _require_manage(request, invoice)
    form = forms.PaymentForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            payment = services.payment_record(actor=request.user, invoice=invoice, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("Payment recorded, receipt %(number)s.") % {"number": payment.receipt_number}
            )
            if not request.headers.get("HX-Request"):
                return redirect("economy:invoice_detail", pk=invoice.pk)
            invoice = selectors.invoice_get(user=request.user, pk=pk)
            form = None
    template = (
        "economy/partials/payments.html"
        if request.headers.get("HX-Request")
        else "economy/invoice_detail.html"
    )
    return render(request, template, _invoice_context(request, invoice, form), status=status)


@permission_required(MANAGE, raise_exception=True)
@require_POST
def payment_reverse(request, pk):
    payment = selectors.payment_get(user=request.user, pk=pk)
    _require_manage(request, payment)
    try:
        reversal = services.payment_reverse(
            actor=request.user, payment=payment, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("The payment was reversed (entry %(number)s).") % {"number": reversal.receipt_number}
        )
    return redirect("economy:invoice_detail", pk=payment.invoice_id)


@permission_required(VIEW, raise_exception=True)
def receipt(request, pk):
    payment = selectors.payment_get(user=request.user, pk=pk)
    invoice = payment.invoice
    return render(
        request, "economy/receipt.html", {"payment": payment, "invoice": invoice, "lease": invoice.lease}
    )


# --- Arrears and income ----------------------------------------------------------------------


@permission_required(VIEW, raise_exception=True)
def arrears(request):
    today = timezone.localdate()
    as_of = _date(request.GET.get("as_of"), today)
    return render(
        request,
        "economy/arrears.html",
        {
            "report": selectors.arrears(user=request.user, as_of=as_of),
            "as_of": as_of,
            "month_ends": forms.month_ends(today),
        },
    )


def _year(request):
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


@permission_required(VIEW, raise_exception=True)
def income(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    year = _year(request)
    report = selectors.income_report(project=project, year=year)
    chart = {
        "months": [m["month"] for m in report["months"]],
        "expected": [float(m["expected"]) for m in report["months"]],
        "invoiced": [float(m["invoiced"]) for m in report["months"]],
        "collected": [float(m["collected"]) for m in report["months"]],
        "occupancy": [float(m["occupancy"]) for m in report["months"]],
        "monthly_target": float(project.annual_rent_target / 12),
        "labels": {
            "expected": _("Expected"),
            "invoiced": _("Invoiced"),
            "collected": _("Collected"),
            "occupancy": _("Occupancy (%)"),
            "target": _("Monthly target"),
        },
    }
    can_manage = request.user.has_perm("economy.manage_record", project)
    return render(
        request,
        "economy/income.html",
        {
            "project": project,
            "report": report,
            "chart": chart,
            "year": year,
            "years": [year - 1, year + 1],
            "allocations": selectors.allocation_list(user=request.user, project=project).filter(year=year),
            "can_manage": can_manage,
        },
    )


@permission_required(VIEW, raise_exception=True)
def income_xlsx(request, pk):
    from openpyxl import Workbook

    project = selectors.project_get(user=request.user, pk=pk)
    year = _year(request)
    report = selectors.income_report(project=project, year=year)
    wb = Workbook()
    ws = wb.active
    ws.title = str(year)
    ws.append([project.name, str(year)])
    ws.append([_("Annual rent target (yuan)"), float(report["target"])])
    ws.append([])
    ws.append([_("Month"), _("Expected"), _("Invoiced"), _("Collected"), _("Occupancy (%)")])
    for m in report["months"]:
        ws.append([m["month"], m["expected"], m["invoiced"], m["collected"], m["occupancy"]])
    t = report["totals"]
    ws.append([_("Year"), t["expected"], t["invoiced"], t["collected"], None])
    for row in ws.iter_rows(min_row=5, min_col=2, max_col=4):
        for cell in row:
            cell.number_format = "#,##0.00"
    ws.append([])
    ws.append([_("Allocations")])
    for a in report["allocations"]:
        ws.append([a["label"], a["amount"]])
    ws.append([_("Not yet allocated"), report["unallocated"]])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="income-{project.pk}-{year}.xlsx"'
    return response


@permission_required(MANAGE, raise_exception=True)
def allocation_create(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    _require_manage(request, project)
    form = forms.AllocationForm(request.POST or None, initial={"year": _year(request)})
    if request.method == "POST" and form.is_valid():
        try:
            allocation = services.allocation_create(actor=request.user, project=project, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The allocation was recorded."))
            return redirect(f"/economy/projects/{project.pk}/income/?year={allocation.year}")
    return _form_page(request, form, _("Allocate income"), back=f"/economy/projects/{project.pk}/income/")
