"""Reads of the collective economy, scoped to the user's communities. Every list costs a fixed
number of queries whatever its length."""

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from gongzhi.accounts.scoping import scope_q

from . import schedule
from .models import ZERO, Allocation, Invoice, Lease, Payment, Project, ShopUnit, Tenant
from .roles import READ_ROLES

OPEN_STATES = (Invoice.Status.OPEN, Invoice.Status.PARTIAL)


def _get(qs: QuerySet, pk):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def project_list(*, user) -> QuerySet:
    return (
        Project.objects.filter(scope_q(user, READ_ROLES))
        .select_related("org_unit")
        .annotate(
            unit_count=Count("units", distinct=True),
            let_count=Count("units", filter=Q(units__status=ShopUnit.Status.LET), distinct=True),
            total_area=Sum("units__area"),
        )
        .order_by("name", "id")
    )


def project_get(*, user, pk) -> Project:
    return _get(project_list(user=user), pk)


def unit_list(*, user, project=None, status: str = "", q: str = "") -> QuerySet:
    qs = ShopUnit.objects.filter(scope_q(user, READ_ROLES)).select_related("project")
    if project is not None:
        qs = qs.filter(project=project)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(use__icontains=q))
    return qs


def unit_get(*, user, pk) -> ShopUnit:
    return _get(
        unit_list(user=user).prefetch_related(
            "photos", Prefetch("leases", queryset=Lease.objects.select_related("tenant"))
        ),
        pk,
    )


def tenant_list(*, user, q: str = "", kind: str = "") -> QuerySet:
    qs = (
        Tenant.objects.filter(scope_q(user, READ_ROLES))
        .annotate(active_leases=Count("leases", filter=Q(leases__status=Lease.Status.ACTIVE)))
        .order_by("name", "id")
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q) | Q(business__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def tenant_get(*, user, pk) -> Tenant:
    return _get(tenant_list(user=user), pk)


def lease_list(*, user, status: str = "", unit=None, tenant=None, q: str = "") -> QuerySet:
    qs = Lease.objects.filter(scope_q(user, READ_ROLES)).select_related("unit", "unit__project", "tenant")
    if status:
        qs = qs.filter(status=status)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if tenant is not None:
        qs = qs.filter(tenant=tenant)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(unit__number__icontains=q) | Q(tenant__name__icontains=q))
    return qs


def deposit_list(*, user, status: str = "", q: str = "") -> QuerySet:
    """Leases that carry a deposit, with what is due, held and returned: the bookkeeper's deposit
    register. Newest receipt first; a deposit still due sorts by the lease start."""
    qs = (
        Lease.objects.filter(scope_q(user, READ_ROLES), deposit__gt=0)
        .exclude(deposit_status=Lease.DepositStatus.NONE)
        .select_related("unit", "unit__project", "tenant")
        .order_by("deposit_status", "-deposit_received_on", "-start_date", "-id")
    )
    if status:
        qs = qs.filter(deposit_status=status)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(unit__number__icontains=q) | Q(tenant__name__icontains=q))
    return qs


def deposit_totals(qs: QuerySet) -> dict:
    """Sums of a deposit list in one query: due (not yet received), held, and returned."""
    agg = qs.order_by().aggregate(
        due=Sum("deposit", filter=Q(deposit_status=Lease.DepositStatus.DUE)),
        held=Sum("deposit", filter=Q(deposit_status=Lease.DepositStatus.HELD)),
        returned=Sum("deposit_returned", filter=Q(deposit_status=Lease.DepositStatus.RETURNED)),
        kept=Sum(F("deposit") - F("deposit_returned"), filter=Q(deposit_status=Lease.DepositStatus.RETURNED)),
        count=Count("id"),
    )
    return {k: (v if v is not None else ZERO) for k, v in agg.items()}


def lease_get(*, user, pk) -> Lease:
    return _get(lease_list(user=user).select_related("previous", "org_unit"), pk)


def invoice_list(*, user, status: str = "", lease=None, overdue_on: datetime.date | None = None) -> QuerySet:
    qs = Invoice.objects.filter(scope_q(user, READ_ROLES)).select_related(
        "lease", "lease__unit", "lease__tenant"
    )
    if status:
        qs = qs.filter(status=status)
    if lease is not None:
        qs = qs.filter(lease=lease)
    if overdue_on is not None:
        qs = qs.filter(status__in=OPEN_STATES, due_date__lt=overdue_on)
    return qs


def invoice_get(*, user, pk) -> Invoice:
    return _get(
        invoice_list(user=user)
        .select_related("org_unit")
        .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("paid_on", "id"))),
        pk,
    )


def payment_list(*, user, invoice=None) -> QuerySet:
    qs = Payment.objects.filter(scope_q(user, READ_ROLES)).select_related(
        "invoice", "invoice__lease", "invoice__lease__unit", "invoice__lease__tenant"
    )
    if invoice is not None:
        qs = qs.filter(invoice=invoice)
    return qs


def payment_get(*, user, pk) -> Payment:
    return _get(payment_list(user=user).select_related("org_unit", "recorded_by"), pk)


# --- Arrears ---------------------------------------------------------------------------------

BUCKETS = (("0_30", 0, 30), ("31_90", 31, 90), ("90_plus", 91, None))


def bucket_of(days_overdue: int) -> str:
    for key, low, high in BUCKETS:
        if days_overdue >= low and (high is None or days_overdue <= high):
            return key
    return BUCKETS[0][0]


@dataclass
class ArrearsRow:
    tenant: Tenant
    invoices: list = field(default_factory=list)
    buckets: dict = field(default_factory=lambda: {k: ZERO for k, _l, _h in BUCKETS})

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def oldest_days(self) -> int:
        return max((i.days_overdue for i in self.invoices), default=0)


def arrears(*, user, as_of: datetime.date, project=None) -> dict:
    """Rent past its due date and unpaid as of the end of `as_of`, by tenant and age (days since
    the due date: 0-30, 31-90, over 90). Payments made after `as_of` do not count, so the list at
    a past month end is what the books showed that day."""
    qs = (
        Invoice.objects.filter(scope_q(user, READ_ROLES), due_date__lt=as_of, period_start__lte=as_of)
        .exclude(status=Invoice.Status.VOID)
        .select_related("lease", "lease__unit", "lease__tenant")
        .annotate(paid_then=Sum("payments__amount", filter=Q(payments__paid_on__lte=as_of)))
        .order_by("lease__tenant__name", "due_date")
    )
    if project is not None:
        qs = qs.filter(lease__unit__project=project)
    rows: dict[int, ArrearsRow] = {}
    totals = {k: ZERO for k, _l, _h in BUCKETS}
    for invoice in qs:
        owed = schedule.fen(invoice.amount - (invoice.paid_then or ZERO))
        if owed <= 0:
            continue
        invoice.owed = owed
        invoice.days_overdue = (as_of - invoice.due_date).days
        invoice.bucket = bucket_of(invoice.days_overdue)
        row = rows.setdefault(invoice.lease.tenant_id, ArrearsRow(invoice.lease.tenant))
        row.invoices.append(invoice)
        row.buckets[invoice.bucket] += owed
        totals[invoice.bucket] += owed
    ordered = sorted(rows.values(), key=lambda r: (-r.total, r.tenant.name))
    return {"as_of": as_of, "rows": ordered, "totals": totals, "total": sum(totals.values(), ZERO)}


# --- Income against plan ---------------------------------------------------------------------


def collected_in_year(*, project: Project, year: int) -> Decimal:
    return (
        Payment.objects.filter(invoice__lease__unit__project=project, paid_on__year=year).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )


def occupancy_on(units: list, leases: list, day: datetime.date) -> Decimal:
    """Let area over total area on `day` (a unit let when a lease covers the day)."""
    total = sum((u.area for u in units), ZERO)
    if not total:
        return ZERO
    let_ids = {le.unit_id for le in leases if le.start_date <= day <= le.end_date}
    let_area = sum((u.area for u in units if u.pk in let_ids), ZERO)
    return (let_area * 100 / total).quantize(Decimal("0.1"))


def income_report(*, project: Project, year: int) -> dict:
    """Per month of `year`: rent expected from the leases (the month's rent, counted in the month
    a lease month starts), invoiced (invoices whose period starts in the month), collected
    (payments, net of refunds, by payment date) and the occupancy by area at the month's end;
    and the year's totals against the project's annual target."""
    units = list(project.units.all())
    leases = list(Lease.objects.filter(unit__project=project).select_related("unit"))
    expected = [ZERO] * 12
    for lease in leases:
        if lease.start_date.year > year or lease.end_date.year < year:
            continue
        for m in schedule.lease_months(lease):
            if m.start.year == year:
                expected[m.start.month - 1] += m.amount
    invoiced = [ZERO] * 12
    for row in (
        Invoice.objects.filter(lease__unit__project=project, period_start__year=year)
        .exclude(status=Invoice.Status.VOID)
        .values("period_start__month")
        .annotate(s=Sum("amount"))
    ):
        invoiced[row["period_start__month"] - 1] = schedule.fen(row["s"])
    collected = [ZERO] * 12
    for row in (
        Payment.objects.filter(invoice__lease__unit__project=project, paid_on__year=year)
        .values("paid_on__month")
        .annotate(s=Sum("amount"))
    ):
        collected[row["paid_on__month"] - 1] = schedule.fen(row["s"])
    months = []
    for i in range(12):
        month_end = datetime.date(year, i + 1, calendar.monthrange(year, i + 1)[1])
        months.append(
            {
                "month": i + 1,
                "expected": expected[i],
                "invoiced": invoiced[i],
                "collected": collected[i],
                "occupancy": occupancy_on(units, leases, month_end),
            }
        )
    allocations = list(
        project.allocations.filter(year=year)
        .values("category")
        .annotate(s=Sum("amount"))
        .order_by("category")
    )
    labels = dict(Allocation.Category.choices)
    totals = {
        "expected": sum(expected, ZERO),
        "invoiced": sum(invoiced, ZERO),
        "collected": sum(collected, ZERO),
    }
    target = project.annual_rent_target

    def pct(v):
        return (v * 100 / target).quantize(Decimal("0.1")) if target else None

    allocated = schedule.fen(sum((a["s"] for a in allocations), ZERO))
    return {
        "project": project,
        "year": year,
        "months": months,
        "totals": totals,
        "target": target,
        "expected_pct": pct(totals["expected"]),
        "collected_pct": pct(totals["collected"]),
        "allocations": [
            {"category": a["category"], "label": str(labels[a["category"]]), "amount": schedule.fen(a["s"])}
            for a in allocations
        ],
        "allocated": allocated,
        "unallocated": totals["collected"] - allocated,
        "units": len(units),
        "local_jobs": sum(
            {le.tenant_id: le.tenant.local_employees for le in _leases_with_tenant(project, year)}.values()
        ),
    }


def _leases_with_tenant(project, year):
    return Lease.objects.filter(
        unit__project=project, start_date__year__lte=year, end_date__year__gte=year
    ).select_related("tenant")


def allocation_list(*, user, project=None) -> QuerySet:
    qs = Allocation.objects.filter(scope_q(user, READ_ROLES)).select_related("project")
    if project is not None:
        qs = qs.filter(project=project)
    return qs
