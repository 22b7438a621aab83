"""The collective economy's JSON API, mounted at /api/v1/economy/. Lists answer {"items", "count"};
objects outside the caller's communities answer 404; refusals {"code", "message", "field"}."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.accounts.scoping import communities_of
from gongzhi.api.pagination import PagePagination
from gongzhi.api.schemas import ErrorOut
from gongzhi.core.errors import ApplicationError

from . import selectors, services
from .roles import MANAGE_ROLES

router = Router(tags=["economy"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _can_view(request):
    if not request.user.has_perm("economy.view_economy"):
        raise PermissionDenied


def _can_manage(request, obj=None):
    perm = "economy.manage_record" if obj is not None else "economy.manage_economy"
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


class ProjectOut(Schema):
    id: int
    org_unit_id: int
    name: str
    investment: Decimal
    funding_sources: str
    completion_date: datetime.date | None
    annual_rent_target: Decimal


class UnitOut(Schema):
    id: int
    project_id: int
    number: str
    floor: int
    area: Decimal
    use: str
    status: str


class TenantOut(Schema):
    id: int
    org_unit_id: int
    kind: str
    name: str
    credit_code: str
    id_number_masked: str
    contact_name: str
    contact_phone: str
    business: str
    local_employees: int

    @staticmethod
    def resolve_id_number_masked(obj):
        return obj.masked_id_number if obj.id_index else ""


class TenantIn(Schema):
    org_unit_id: int | None = None
    kind: str
    name: str
    credit_code: str = ""
    id_number: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    business: str = ""
    local_employees: int = 0


class LeaseOut(Schema):
    id: int
    number: str
    unit_id: int
    tenant_id: int
    start_date: datetime.date
    end_date: datetime.date
    agreed_end_date: datetime.date
    rent_basis: str
    rent_rate: Decimal
    payment_cycle: str
    rent_free_months: int
    yearly_increase_pct: Decimal
    due_days: int
    deposit: Decimal
    deposit_status: str
    status: str
    previous_id: int | None


class LeaseIn(Schema):
    unit_id: int
    tenant_id: int
    start_date: datetime.date
    end_date: datetime.date
    rent_basis: str
    rent_rate: Decimal
    payment_cycle: str
    rent_free_months: int = 0
    yearly_increase_pct: Decimal = Decimal("0")
    deposit: Decimal = Decimal("0")
    due_days: int = 15
    number: str = ""


class InvoiceOut(Schema):
    id: int
    number: str
    lease_id: int
    period_start: datetime.date
    period_end: datetime.date
    due_date: datetime.date
    amount: Decimal
    paid_amount: Decimal
    balance: Decimal
    status: str
    late: bool

    @staticmethod
    def resolve_late(obj):
        return obj.is_late(timezone.localdate())


class GenerateIn(Schema):
    as_of: datetime.date


class GeneratedOut(Schema):
    count: int
    items: list[InvoiceOut]


class PaymentOut(Schema):
    id: int
    invoice_id: int
    amount: Decimal
    paid_on: datetime.date
    method: str
    reference: str
    receipt_number: str


class PaymentIn(Schema):
    amount: Decimal
    paid_on: datetime.date
    method: str = "bank"
    reference: str = ""


class MonthOut(Schema):
    month: int
    expected: Decimal
    invoiced: Decimal
    collected: Decimal
    occupancy: Decimal


class AllocationSum(Schema):
    category: str
    label: str
    amount: Decimal


class IncomeOut(Schema):
    project_id: int
    year: int
    target: Decimal
    expected: Decimal
    invoiced: Decimal
    collected: Decimal
    expected_pct: Decimal | None
    collected_pct: Decimal | None
    months: list[MonthOut]
    allocations: list[AllocationSum]
    allocated: Decimal
    unallocated: Decimal


class ArrearsRowOut(Schema):
    tenant_id: int
    tenant_name: str
    days_0_30: Decimal
    days_31_90: Decimal
    days_90_plus: Decimal
    total: Decimal


class ArrearsOut(Schema):
    as_of: datetime.date
    days_0_30: Decimal
    days_31_90: Decimal
    days_90_plus: Decimal
    total: Decimal
    rows: list[ArrearsRowOut]


@router.get("/projects", response=list[ProjectOut], summary="Collective-economy projects")
@paginate(PagePagination)
def list_projects(request):
    _can_view(request)
    return selectors.project_list(user=request.user)


@router.get("/units", response=list[UnitOut], summary="Shop units")
@paginate(PagePagination)
def list_units(request, project_id: int | None = None, status: str = ""):
    _can_view(request)
    project = selectors.project_get(user=request.user, pk=project_id) if project_id else None
    return selectors.unit_list(user=request.user, project=project, status=status)


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def get_unit(request, unit_id: int):
    _can_view(request)
    return selectors.unit_get(user=request.user, pk=unit_id)


@router.get("/tenants", response=list[TenantOut], summary="Tenants (ID numbers masked)")
@paginate(PagePagination)
def list_tenants(request, q: str = "", kind: str = ""):
    _can_view(request)
    return selectors.tenant_list(user=request.user, q=q, kind=kind)


@router.get("/tenants/{tenant_id}", response={200: TenantOut, **ERRORS})
def get_tenant(request, tenant_id: int):
    _can_view(request)
    return selectors.tenant_get(user=request.user, pk=tenant_id)


@router.post("/tenants", response={201: TenantOut, **ERRORS}, summary="Register a tenant")
def create_tenant(request, payload: TenantIn):
    _can_manage(request)
    communities = communities_of(request.user, MANAGE_ROLES)
    unit = communities.filter(pk=payload.org_unit_id).first() if payload.org_unit_id else communities.first()
    if unit is None:
        raise ApplicationError(_("Not found."), code="not_found", status=404, field="org_unit_id")
    data = payload.dict(exclude={"org_unit_id"})
    return Status(201, services.tenant_create(actor=request.user, org_unit=unit, **data))


@router.get("/leases", response=list[LeaseOut], summary="Leases")
@paginate(PagePagination)
def list_leases(request, status: str = ""):
    _can_view(request)
    return selectors.lease_list(user=request.user, status=status)


class DepositOut(Schema):
    lease_id: int
    lease_number: str
    unit_number: str
    tenant_id: int
    tenant_name: str
    deposit: Decimal
    deposit_status: str
    received_on: datetime.date | None
    returned: Decimal
    returned_on: datetime.date | None
    held: Decimal

    @staticmethod
    def resolve_lease_id(obj):
        return obj.pk

    @staticmethod
    def resolve_lease_number(obj):
        return obj.number

    @staticmethod
    def resolve_unit_number(obj):
        return obj.unit.number

    @staticmethod
    def resolve_tenant_name(obj):
        return obj.tenant.name

    @staticmethod
    def resolve_received_on(obj):
        return obj.deposit_received_on

    @staticmethod
    def resolve_returned(obj):
        return obj.deposit_returned

    @staticmethod
    def resolve_returned_on(obj):
        return obj.deposit_returned_on

    @staticmethod
    def resolve_held(obj):
        return obj.deposit_held


@router.get(
    "/deposits",
    response=list[DepositOut],
    summary="Deposit register: leases with a deposit due, held or returned (status=due|held|returned)",
)
@paginate(PagePagination)
def list_deposits(request, status: str = "", q: str = ""):
    _can_view(request)
    return selectors.deposit_list(user=request.user, status=status, q=q)


@router.get("/leases/{lease_id}", response={200: LeaseOut, **ERRORS})
def get_lease(request, lease_id: int):
    _can_view(request)
    return selectors.lease_get(user=request.user, pk=lease_id)


@router.post("/leases", response={201: LeaseOut, **ERRORS}, summary="Record a lease (overlaps answer 409)")
def create_lease(request, payload: LeaseIn):
    _can_manage(request)
    unit = selectors.unit_get(user=request.user, pk=payload.unit_id)
    tenant = selectors.tenant_get(user=request.user, pk=payload.tenant_id)
    _can_manage(request, unit)
    data = payload.dict(exclude={"unit_id", "tenant_id"})
    return Status(201, services.lease_create(actor=request.user, unit=unit, tenant=tenant, **data))


@router.get("/invoices", response=list[InvoiceOut], summary="Rent invoices")
@paginate(PagePagination)
def list_invoices(request, status: str = "", lease_id: int | None = None, late: bool = False):
    _can_view(request)
    lease = selectors.lease_get(user=request.user, pk=lease_id) if lease_id else None
    return selectors.invoice_list(
        user=request.user, status=status, lease=lease, overdue_on=timezone.localdate() if late else None
    )


@router.post(
    "/invoices/generate", response={200: GeneratedOut, **ERRORS}, summary="Issue due invoices (idempotent)"
)
def generate_invoices(request, payload: GenerateIn):
    _can_manage(request)
    created = []
    for community in communities_of(request.user, MANAGE_ROLES):
        created += services.invoices_generate(actor=request.user, as_of=payload.as_of, org_unit=community)
    return {"count": len(created), "items": created}


@router.get("/invoices/{invoice_id}", response={200: InvoiceOut, **ERRORS})
def get_invoice(request, invoice_id: int):
    _can_view(request)
    return selectors.invoice_get(user=request.user, pk=invoice_id)


@router.get("/payments", response=list[PaymentOut], summary="Payments (refunds are negative)")
@paginate(PagePagination)
def list_payments(request, invoice_id: int | None = None):
    _can_view(request)
    invoice = selectors.invoice_get(user=request.user, pk=invoice_id) if invoice_id else None
    return selectors.payment_list(user=request.user, invoice=invoice)


@router.post(
    "/invoices/{invoice_id}/payments", response={201: PaymentOut, **ERRORS}, summary="Record a payment"
)
def create_payment(request, invoice_id: int, payload: PaymentIn):
    invoice = selectors.invoice_get(user=request.user, pk=invoice_id)
    _can_manage(request, invoice)
    return Status(201, services.payment_record(actor=request.user, invoice=invoice, **payload.dict()))


@router.get(
    "/income", response={200: IncomeOut, **ERRORS}, summary="Income against plan for a project and year"
)
def income_report(request, project_id: int, year: int | None = None):
    _can_view(request)
    project = selectors.project_get(user=request.user, pk=project_id)
    year = year or timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise ApplicationError(_("The year must be between 2000 and 2100."), field="year")
    r = selectors.income_report(project=project, year=year)
    return {
        "project_id": project.pk,
        "year": year,
        "target": r["target"],
        "expected_pct": r["expected_pct"],
        "collected_pct": r["collected_pct"],
        "months": r["months"],
        "allocations": r["allocations"],
        "allocated": r["allocated"],
        "unallocated": r["unallocated"],
        **r["totals"],
    }


@router.get(
    "/arrears", response=ArrearsOut, summary="Arrears by age (0-30, 31-90, over 90 days) as of a date"
)
def arrears(request, as_of: datetime.date | None = None):
    _can_view(request)
    r = selectors.arrears(user=request.user, as_of=as_of or timezone.localdate())
    t = r["totals"]
    return {
        "as_of": r["as_of"],
        "days_0_30": t["0_30"],
        "days_31_90": t["31_90"],
        "days_90_plus": t["90_plus"],
        "total": r["total"],
        "rows": [
            {
                "tenant_id": row.tenant.pk,
                "tenant_name": row.tenant.name,
                "days_0_30": row.buckets["0_30"],
                "days_31_90": row.buckets["31_90"],
                "days_90_plus": row.buckets["90_plus"],
                "total": row.total,
            }
            for row in r["rows"]
        ],
    }
