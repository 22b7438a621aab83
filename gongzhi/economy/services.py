"""Every write of the collective economy. Keyword-only, atomic, audited."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import RoleAssignment
from gongzhi.core import audit, uploads
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import OrgUnit
from gongzhi.core.services import notification_send

from . import codes, schedule
from .models import (
    ZERO,
    Allocation,
    ExpiryReminder,
    Invoice,
    Lease,
    LeaseTransition,
    Payment,
    Project,
    Settlement,
    ShopUnit,
    Tenant,
)
from .roles import MANAGE_ROLES

REMINDER_DAYS = (90, 60, 30)


def _today() -> datetime.date:
    return timezone.localdate()


def _money(value, field: str, *, allow_zero: bool = True) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ApplicationError(_("Enter an amount in yuan."), code="invalid_amount", field=field) from exc
    if not amount.is_finite():
        raise ApplicationError(
            _("Amounts are kept to the fen (two decimals)."), code="invalid_amount", field=field
        )
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ApplicationError(_("The amount must be more than zero."), code="invalid_amount", field=field)
    # Before rounding to the fen: quantizing an amount beyond the decimal precision raises.
    if amount >= Decimal("1000000000000"):
        raise ApplicationError(_("The amount is too large."), code="invalid_amount", field=field)
    if amount != amount.quantize(schedule.FEN):
        raise ApplicationError(
            _("Amounts are kept to the fen (two decimals)."), code="invalid_amount", field=field
        )
    return amount


def _require_community(org_unit: OrgUnit) -> None:
    if org_unit.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("Collective assets belong to a community."), field="org_unit")


# --- Projects and shop units -----------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    actor,
    org_unit: OrgUnit,
    name: str,
    investment,
    funding_sources: str = "",
    completion_date: datetime.date | None = None,
    annual_rent_target=ZERO,
) -> Project:
    _require_community(org_unit)
    name = name.strip()
    if not name:
        raise ApplicationError(_("Give the project a name."), field="name")
    if Project.objects.filter(org_unit=org_unit, name=name).exists():
        raise ConflictError(_("The community already has a project with this name."), field="name")
    project = Project.objects.create(
        org_unit=org_unit,
        name=name,
        investment=_money(investment, "investment"),
        funding_sources=funding_sources.strip(),
        completion_date=completion_date,
        annual_rent_target=_money(annual_rent_target, "annual_rent_target"),
    )
    audit.record(actor=actor, action="project.create", obj=project)
    return project


@transaction.atomic
def project_update(*, actor, project: Project, **changes) -> Project:
    allowed = {"name", "investment", "funding_sources", "completion_date", "annual_rent_target"}
    for key, value in changes.items():
        if key not in allowed:
            raise ApplicationError(_("This field cannot be changed."), field=key)
        if key in ("investment", "annual_rent_target"):
            value = _money(value, key)
        if key == "name":
            value = (value or "").strip()
            if not value:
                raise ApplicationError(_("Give the project a name."), field="name")
            if Project.objects.filter(org_unit=project.org_unit, name=value).exclude(pk=project.pk).exists():
                raise ConflictError(_("The community already has a project with this name."), field="name")
        setattr(project, key, value.strip() if isinstance(value, str) else value)
    project.save()
    audit.record(actor=actor, action="project.update", obj=project, detail={"fields": sorted(changes)})
    return project


def _area(value) -> Decimal:
    try:
        area = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ApplicationError(_("Enter the area in square metres."), field="area") from exc
    if not area.is_finite() or area <= 0 or area >= Decimal("100000000"):
        raise ApplicationError(_("The area must be more than zero."), field="area")
    return area.quantize(schedule.FEN)


@transaction.atomic
def shopunit_create(
    *,
    actor,
    project: Project,
    number: str,
    area,
    floor: int = 1,
    use: str = "",
    status: str = ShopUnit.Status.VACANT,
) -> ShopUnit:
    number = number.strip()
    if not number:
        raise ApplicationError(_("Give the unit a number."), field="number")
    if status == ShopUnit.Status.LET:
        raise ApplicationError(_("A unit becomes let through a lease."), field="status")
    if ShopUnit.objects.filter(project=project, number=number).exists():
        raise ConflictError(_("This project already has a unit with this number."), field="number")
    unit = ShopUnit.objects.create(
        project=project,
        org_unit=project.org_unit,
        number=number,
        floor=floor,
        area=_area(area),
        use=use.strip(),
        status=status,
    )
    audit.record(actor=actor, action="shopunit.create", obj=unit)
    return unit


@transaction.atomic
def shopunit_update(*, actor, unit: ShopUnit, area=None, floor=None, use=None, status=None) -> ShopUnit:
    unit = ShopUnit.objects.select_for_update().get(pk=unit.pk)
    if area is not None:
        area = _area(area)
        if area != unit.area and unit.leases.filter(status=Lease.Status.ACTIVE).exists():
            raise ConflictError(_("The area of a unit under an active lease cannot change."), field="area")
        unit.area = area
    if floor is not None:
        unit.floor = floor
    if use is not None:
        unit.use = use.strip()
    if status is not None and status != unit.status:
        current = _current_lease(unit, _today())
        if status == ShopUnit.Status.LET:
            raise ApplicationError(_("A unit becomes let through a lease."), field="status")
        if current is not None:
            raise ConflictError(_("The unit is let; end the lease first."), field="status")
        unit.status = status
    unit.save()
    audit.record(actor=actor, action="shopunit.update", obj=unit, detail={"status": unit.status})
    return unit


@transaction.atomic
def shopunit_add_photo(*, actor, unit: ShopUnit, file):
    upload = uploads.upload_store(
        actor=actor, file=file, org_unit=unit.org_unit, purpose="economy.unit_photo", images_only=True
    )
    unit.photos.add(upload)
    audit.record(actor=actor, action="shopunit.add_photo", obj=unit, detail={"upload": str(upload.pk)})
    return upload


def _current_lease(unit: ShopUnit, day: datetime.date) -> Lease | None:
    return unit.leases.filter(start_date__lte=day, end_date__gte=day).first()


@transaction.atomic
def shopunit_sync_status(*, unit: ShopUnit, as_of: datetime.date | None = None) -> ShopUnit:
    """Let while a lease covers the day, vacant otherwise; a unit under repair stays so."""
    as_of = as_of or _today()
    let = _current_lease(unit, as_of) is not None
    if unit.status == ShopUnit.Status.UNDER_REPAIR and not let:
        return unit
    status = ShopUnit.Status.LET if let else ShopUnit.Status.VACANT
    if status != unit.status:
        ShopUnit.objects.filter(pk=unit.pk).update(status=status)
        unit.status = status
    return unit


# --- Tenants ---------------------------------------------------------------------------------


@transaction.atomic
def tenant_create(
    *,
    actor,
    org_unit: OrgUnit,
    kind: str,
    name: str,
    credit_code: str = "",
    id_number: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    business: str = "",
    local_employees: int = 0,
) -> Tenant:
    _require_community(org_unit)
    name = name.strip()
    if not name:
        raise ApplicationError(_("Give the tenant's name."), field="name")
    if local_employees is None or int(local_employees) < 0:
        raise ApplicationError(
            _("The number of local employees cannot be negative."), field="local_employees"
        )
    tenant = Tenant(
        org_unit=org_unit,
        kind=kind,
        name=name,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        business=business.strip(),
        local_employees=int(local_employees),
    )
    if kind == Tenant.Kind.ENTERPRISE:
        code = codes.normalize_code(credit_code)
        if not codes.uscc_is_valid(code):
            raise ApplicationError(
                _(
                    "This is not a valid unified social credit code (18 characters, GB 32100 check character)."
                ),
                code="invalid_credit_code",
                field="credit_code",
            )
        if Tenant.objects.filter(org_unit=org_unit, credit_code=code).exists():
            raise ConflictError(
                _("A tenant with this credit code is already registered."), field="credit_code"
            )
        tenant.credit_code = code
    elif kind == Tenant.Kind.INDIVIDUAL:
        number = codes.normalize_code(id_number)
        if not codes.id_number_is_valid(number):
            raise ApplicationError(
                _("This is not a valid mainland ID number (18 characters, GB 11643 check character)."),
                code="invalid_id_number",
                field="id_number",
            )
        tenant.set_id_number(number)
        if Tenant.objects.filter(org_unit=org_unit, id_index=tenant.id_index).exists():
            raise ConflictError(_("A tenant with this ID number is already registered."), field="id_number")
    else:
        raise ApplicationError(_("Choose an enterprise or an individual."), field="kind")
    try:
        with transaction.atomic():
            tenant.save()
    except IntegrityError as exc:
        raise ConflictError(_("This tenant conflicts with an existing record.")) from exc
    audit.record(
        actor=actor,
        action="tenant.create",
        obj=tenant,
        detail={"kind": kind, "identifier": tenant.identifier},
    )
    return tenant


@transaction.atomic
def tenant_update(
    *, actor, tenant: Tenant, contact_name=None, contact_phone=None, business=None, local_employees=None
) -> Tenant:
    if contact_name is not None:
        tenant.contact_name = contact_name.strip()
    if contact_phone is not None:
        tenant.contact_phone = contact_phone.strip()
    if business is not None:
        tenant.business = business.strip()
    if local_employees is not None:
        if int(local_employees) < 0:
            raise ApplicationError(
                _("The number of local employees cannot be negative."), field="local_employees"
            )
        tenant.local_employees = int(local_employees)
    tenant.save()
    audit.record(actor=actor, action="tenant.update", obj=tenant)
    return tenant


# --- Leases ----------------------------------------------------------------------------------


def _transition(lease: Lease, to_status: str, actor, note: str = "") -> None:
    if to_status == lease.status:
        return
    LeaseTransition.objects.create(
        lease=lease,
        org_unit_id=lease.org_unit_id,
        from_status=lease.status,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
    )
    lease.status = to_status


def _overlap_error():
    return ConflictError(
        _("The unit is already leased for part of these dates: one lease per unit at any time."),
        code="lease_overlap",
        field="start_date",
    )


@transaction.atomic
def lease_create(
    *,
    actor,
    unit: ShopUnit,
    tenant: Tenant,
    start_date: datetime.date,
    end_date: datetime.date,
    rent_basis: str,
    rent_rate,
    payment_cycle: str,
    rent_free_months: int = 0,
    yearly_increase_pct=ZERO,
    deposit=ZERO,
    due_days: int = 15,
    number: str = "",
    note: str = "",
    previous: Lease | None = None,
) -> Lease:
    if tenant.org_unit_id != unit.org_unit_id:
        raise ApplicationError(_("The tenant is registered in another community."), field="tenant")
    if not (start_date and end_date) or start_date >= end_date:
        raise ApplicationError(
            _("The lease must start before it ends."), code="invalid_dates", field="end_date"
        )
    if rent_basis not in Lease.RentBasis.values:
        raise ApplicationError(_("Choose how the rent is set."), field="rent_basis")
    if payment_cycle not in Lease.Cycle.values:
        raise ApplicationError(_("Choose a payment cycle."), field="payment_cycle")
    rent_rate = _money(rent_rate, "rent_rate", allow_zero=False)
    deposit = _money(deposit, "deposit")
    try:
        pct = Decimal(str(yearly_increase_pct))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(
            _("Enter the yearly increase as a percentage."), field="yearly_increase_pct"
        ) from exc
    if not pct.is_finite() or pct < 0 or pct > 100:
        raise ApplicationError(
            _("The yearly increase must be between 0 and 100 %."), field="yearly_increase_pct"
        )
    term_months = len(schedule.months(start=start_date, end=end_date, base=ZERO))
    if rent_free_months < 0 or rent_free_months >= term_months:
        raise ApplicationError(
            _("The rent-free months must be fewer than the months of the lease."), field="rent_free_months"
        )
    if due_days < 0 or due_days > 366:
        raise ApplicationError(_("The days to pay must be between 0 and 366."), field="due_days")
    # Serialise leases of one unit (PostgreSQL; SQLite's IMMEDIATE transaction already does).
    ShopUnit.objects.select_for_update().filter(pk=unit.pk).first()
    if Lease.objects.filter(unit=unit, start_date__lte=end_date, end_date__gte=start_date).exists():
        raise _overlap_error()
    lease = Lease(
        org_unit=unit.org_unit,
        unit=unit,
        tenant=tenant,
        number=number.strip(),
        start_date=start_date,
        end_date=end_date,
        agreed_end_date=end_date,
        rent_basis=rent_basis,
        rent_rate=rent_rate,
        payment_cycle=payment_cycle,
        rent_free_months=rent_free_months,
        yearly_increase_pct=pct.quantize(schedule.FEN),
        due_days=due_days,
        deposit=deposit,
        deposit_status=Lease.DepositStatus.DUE if deposit > 0 else Lease.DepositStatus.NONE,
        previous=previous,
        note=note.strip(),
    )
    try:
        with transaction.atomic():
            lease.save()
    except IntegrityError as exc:  # the exclusion constraint, when two writers raced
        raise _overlap_error() from exc
    if not lease.number:
        lease.number = f"ZL{start_date:%Y}-{lease.pk:05d}"
        Lease.objects.filter(pk=lease.pk).update(number=lease.number)
    shopunit_sync_status(unit=unit)
    audit.record(
        actor=actor,
        action="lease.create",
        obj=lease,
        detail={"unit": unit.number, "start": str(start_date), "end": str(end_date), "rent": str(rent_rate)},
    )
    return lease


@transaction.atomic
def lease_renew(
    *,
    actor,
    lease: Lease,
    end_date: datetime.date,
    rent_rate=None,
    yearly_increase_pct=None,
    payment_cycle: str | None = None,
    rent_free_months: int = 0,
    deposit=None,
) -> Lease:
    """A new lease from the day after this one ends; a held deposit moves to the new lease."""
    lease = Lease.objects.select_for_update().select_related("unit", "tenant").get(pk=lease.pk)
    if lease.status != Lease.Status.ACTIVE:
        raise ConflictError(_("Only an active lease can be renewed."), code="invalid_state")
    deposit = lease.deposit if deposit is None else _money(deposit, "deposit")
    new = lease_create(
        actor=actor,
        unit=lease.unit,
        tenant=lease.tenant,
        start_date=lease.end_date + datetime.timedelta(days=1),
        end_date=end_date,
        rent_basis=lease.rent_basis,
        rent_rate=lease.rent_rate if rent_rate is None else rent_rate,
        payment_cycle=payment_cycle or lease.payment_cycle,
        rent_free_months=rent_free_months,
        yearly_increase_pct=lease.yearly_increase_pct if yearly_increase_pct is None else yearly_increase_pct,
        deposit=deposit,
        due_days=lease.due_days,
        previous=lease,
    )
    if lease.deposit_status == Lease.DepositStatus.HELD and lease.deposit <= new.deposit:
        lease.deposit_status = Lease.DepositStatus.RETURNED
        lease.deposit_returned = lease.deposit
        lease.deposit_returned_on = new.start_date
        new.deposit_status = (
            Lease.DepositStatus.HELD if lease.deposit == new.deposit else Lease.DepositStatus.DUE
        )
        new.deposit_received_on = new.start_date
        new.save(update_fields=["deposit_status", "deposit_received_on"])
    _transition(lease, Lease.Status.RENEWED, actor, note=new.number)
    lease.save()
    audit.record(actor=actor, action="lease.renew", obj=lease, detail={"renewal": new.pk})
    return new


def _reverse(*, actor, payment: Payment, amount: Decimal, on: datetime.date, note: str) -> Payment:
    reversal = Payment.objects.create(
        org_unit=payment.org_unit,
        invoice=payment.invoice,
        amount=-amount,
        paid_on=on,
        method=payment.method,
        reference=note[:100],
        receipt_number=f"TMP-{timezone.now().timestamp()}-{payment.pk}",
        reverses=payment,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    reversal.receipt_number = f"RF{on:%Y}-{reversal.pk:06d}"
    reversal.save(update_fields=["receipt_number"])
    return reversal


def _refund_invoice(*, actor, invoice: Invoice, down_to: Decimal, on: datetime.date, note: str) -> Decimal:
    """Reverse payments on `invoice` (newest first) until at most `down_to` stays paid."""
    excess = invoice.paid_amount - down_to
    refunded = ZERO
    if excess <= 0:
        return refunded
    for p in invoice.payments.filter(amount__gt=0).order_by("-paid_on", "-id"):
        already = -sum((r.amount for r in p.reversals.all()), ZERO)
        room = p.amount - already
        take = min(room, excess - refunded)
        if take > 0:
            _reverse(actor=actor, payment=p, amount=take, on=on, note=note)
            refunded += take
        if refunded >= excess:
            break
    invoice.paid_amount -= refunded
    return refunded


def _invoice_status(invoice: Invoice) -> str:
    if invoice.status == Invoice.Status.VOID:
        return Invoice.Status.VOID
    if invoice.paid_amount >= invoice.amount:
        return Invoice.Status.PAID
    return Invoice.Status.PARTIAL if invoice.paid_amount > 0 else Invoice.Status.OPEN


@transaction.atomic
def lease_terminate(
    *, actor, lease: Lease, termination_date: datetime.date, reason: str = "", penalty=ZERO
) -> Settlement:
    """End a lease early. Rent is owed to the termination date (inclusive): later invoices are
    voided, the invoice spanning the date is reduced to its share, rent paid beyond the date is
    refunded, the held deposit pays what is still owed (and the penalty) and the rest is returned."""
    lease = Lease.objects.select_for_update().select_related("unit").get(pk=lease.pk)
    if lease.status != Lease.Status.ACTIVE:
        raise ConflictError(_("Only an active lease can be terminated."), code="invalid_state")
    if not (lease.start_date <= termination_date < lease.end_date):
        raise ApplicationError(
            _("The termination date must fall within the lease, before its end."), field="termination_date"
        )
    penalty = _money(penalty, "penalty")
    invoices_generate(actor=actor, as_of=termination_date, lease=lease)
    periods = {p.start: p for p in schedule.lease_periods(lease)}
    credit = ZERO
    for invoice in (
        lease.invoices.select_for_update().exclude(status=Invoice.Status.VOID).order_by("period_start")
    ):
        if invoice.period_start > termination_date:
            credit += _refund_invoice(
                actor=actor, invoice=invoice, down_to=ZERO, on=termination_date, note=reason
            )
            invoice.status = Invoice.Status.VOID
        elif invoice.period_end > termination_date:
            share = schedule.prorate(periods[invoice.period_start], termination_date)
            credit += _refund_invoice(
                actor=actor, invoice=invoice, down_to=share, on=termination_date, note=reason
            )
            invoice.amount = share
            invoice.period_end = termination_date
            invoice.status = _invoice_status(invoice)
        else:
            continue
        invoice.save(update_fields=["amount", "paid_amount", "period_end", "status"])
    outstanding = sum((i.balance for i in lease.invoices.exclude(status=Invoice.Status.VOID)), ZERO)
    held = lease.deposit_held
    applied = min(held, outstanding + penalty)
    # The deposit pays the oldest rent first, as payments from the deposit.
    left = min(applied, outstanding)
    for invoice in lease.invoices.filter(status__in=[Invoice.Status.OPEN, Invoice.Status.PARTIAL]).order_by(
        "period_start"
    ):
        if left <= 0:
            break
        take = min(left, invoice.balance)
        _payment_apply(
            actor=actor,
            invoice=invoice,
            amount=take,
            paid_on=termination_date,
            method=Payment.Method.DEPOSIT,
            reference="",
        )
        left -= take
    refund = held - applied
    if lease.deposit_status == Lease.DepositStatus.HELD:
        lease.deposit_status = Lease.DepositStatus.RETURNED
        lease.deposit_returned = refund
        lease.deposit_returned_on = termination_date
    settlement = Settlement.objects.create(
        lease=lease,
        org_unit=lease.org_unit,
        termination_date=termination_date,
        reason=reason.strip(),
        rent_outstanding=outstanding,
        credit=credit,
        penalty=penalty,
        deposit_applied=applied,
        deposit_refund=refund,
        net_due=outstanding + penalty - applied,
        refund_due=credit + refund,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    lease.end_date = termination_date
    _transition(lease, Lease.Status.TERMINATED, actor, note=reason)
    lease.save()
    shopunit_sync_status(unit=lease.unit)
    audit.record(
        actor=actor,
        action="lease.terminate",
        obj=lease,
        detail={
            "date": str(termination_date),
            "net_due": str(settlement.net_due),
            "refund": str(settlement.refund_due),
        },
    )
    return settlement


@transaction.atomic
def deposit_receive(*, actor, lease: Lease, received_on: datetime.date) -> Lease:
    lease = Lease.objects.select_for_update().get(pk=lease.pk)
    if lease.deposit_status != Lease.DepositStatus.DUE:
        raise ConflictError(_("No deposit is due on this lease."), code="invalid_state")
    lease.deposit_status = Lease.DepositStatus.HELD
    lease.deposit_received_on = received_on
    lease.save(update_fields=["deposit_status", "deposit_received_on"])
    audit.record(
        actor=actor, action="lease.deposit_receive", obj=lease, detail={"amount": str(lease.deposit)}
    )
    return lease


@transaction.atomic
def deposit_return(*, actor, lease: Lease, amount, returned_on: datetime.date, note: str = "") -> Lease:
    """Return the deposit after the lease has ended; what is kept back is recorded with the reason."""
    lease = Lease.objects.select_for_update().get(pk=lease.pk)
    if lease.deposit_status != Lease.DepositStatus.HELD:
        raise ConflictError(_("The deposit is not held."), code="invalid_state")
    if lease.status == Lease.Status.ACTIVE and returned_on <= lease.end_date:
        raise ConflictError(_("The deposit is returned once the lease has ended."), code="lease_active")
    amount = _money(amount, "amount")
    if amount > lease.deposit:
        raise ApplicationError(_("More than the deposit cannot be returned."), field="amount")
    lease.deposit_status = Lease.DepositStatus.RETURNED
    lease.deposit_returned = amount
    lease.deposit_returned_on = returned_on
    lease.save(update_fields=["deposit_status", "deposit_returned", "deposit_returned_on"])
    audit.record(
        actor=actor,
        action="lease.deposit_return",
        obj=lease,
        detail={"returned": str(amount), "kept": str(lease.deposit - amount), "note": note[:200]},
    )
    return lease


# --- Invoices and payments -------------------------------------------------------------------


def _generate_for_lease(*, lease: Lease, as_of: datetime.date) -> list[Invoice]:
    existing = set(lease.invoices.values_list("period_start", flat=True))
    created = []
    for period in schedule.lease_periods(lease):
        if period.start > as_of:
            break
        if period.start in existing or period.amount <= 0:
            continue
        invoice = Invoice(
            org_unit=lease.org_unit,
            lease=lease,
            number=f"ZJ{period.start:%Y%m}-{lease.pk:05d}-{period.start:%d}",
            period_start=period.start,
            period_end=period.end,
            due_date=period.start + datetime.timedelta(days=lease.due_days),
            amount=period.amount,
        )
        try:
            with transaction.atomic():
                invoice.save()
        except IntegrityError:  # another run created it meanwhile: one invoice per lease and period
            continue
        created.append(invoice)
    return created


@transaction.atomic
def invoices_generate(
    *, actor, as_of: datetime.date, lease: Lease | None = None, org_unit: OrgUnit | None = None
) -> list[Invoice]:
    """Issue every invoice whose period has started by `as_of`. Idempotent: running it again
    issues nothing new (one invoice per lease and period, also a unique constraint)."""
    if lease is not None:
        leases = [lease]
    else:
        qs = Lease.objects.select_related("unit").filter(start_date__lte=as_of)
        if org_unit is not None:
            qs = qs.filter(org_unit__path__startswith=org_unit.path)
        leases = list(qs)
    created = []
    for item in leases:
        created += _generate_for_lease(lease=item, as_of=as_of)
    if created:
        audit.record(
            actor=actor,
            action="invoice.generate",
            org_unit=lease.org_unit if lease else org_unit,
            object_type="economy.invoice",
            detail={"as_of": str(as_of), "count": len(created), "total": str(sum(i.amount for i in created))},
        )
    return created


def _payment_apply(*, actor, invoice: Invoice, amount: Decimal, paid_on, method, reference) -> Payment:
    # A conditional update: never more than the balance, also when two clerks record at once.
    updated = Invoice.objects.filter(
        pk=invoice.pk,
        status__in=[Invoice.Status.OPEN, Invoice.Status.PARTIAL],
        paid_amount__lte=F("amount") - amount,
    ).update(paid_amount=F("paid_amount") + amount)
    if not updated:
        raise ConflictError(
            _("The payment is more than the balance of the invoice."), code="overpayment", field="amount"
        )
    invoice.refresh_from_db(fields=["paid_amount", "amount", "status"])
    invoice.status = _invoice_status(invoice)
    Invoice.objects.filter(pk=invoice.pk).update(status=invoice.status)
    payment = Payment.objects.create(
        org_unit=invoice.org_unit,
        invoice=invoice,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference.strip(),
        receipt_number=f"TMP-{timezone.now().timestamp()}-{invoice.pk}",
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    payment.receipt_number = f"SJ{paid_on:%Y}-{payment.pk:06d}"
    payment.save(update_fields=["receipt_number"])
    return payment


@transaction.atomic
def payment_record(
    *,
    actor,
    invoice: Invoice,
    amount,
    paid_on: datetime.date,
    method: str = Payment.Method.BANK,
    reference: str = "",
) -> Payment:
    amount = _money(amount, "amount", allow_zero=False)
    if paid_on > _today():
        raise ApplicationError(_("A payment cannot be dated in the future."), field="paid_on")
    if method not in Payment.Method.values or method == Payment.Method.DEPOSIT:
        raise ApplicationError(_("Choose how the rent was paid."), field="method")
    if invoice.status == Invoice.Status.VOID:
        raise ConflictError(_("The invoice is void."), code="invalid_state")
    if invoice.status == Invoice.Status.PAID:
        raise ConflictError(_("The invoice is already paid."), code="already_paid")
    payment = _payment_apply(
        actor=actor, invoice=invoice, amount=amount, paid_on=paid_on, method=method, reference=reference
    )
    audit.record(
        actor=actor,
        action="payment.record",
        obj=payment,
        detail={"invoice": invoice.number, "amount": str(amount), "receipt": payment.receipt_number},
    )
    return payment


@transaction.atomic
def payment_reverse(*, actor, payment: Payment, reason: str, on: datetime.date | None = None) -> Payment:
    """Correct a payment recorded by mistake: a reversing entry for what is left of it (the ledger
    is never edited), and the invoice is owed again."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason for the correction."), field="reason")
    payment = Payment.objects.select_related("invoice").get(pk=payment.pk)
    if payment.amount <= 0:
        raise ConflictError(_("A correction cannot itself be reversed."), code="invalid_state")
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    if invoice.status == Invoice.Status.VOID:
        raise ConflictError(_("The invoice is void."), code="invalid_state")
    left = payment.amount + sum((r.amount for r in payment.reversals.all()), ZERO)
    if left <= 0:
        raise ConflictError(_("This payment has already been reversed."), code="already_reversed")
    on = on or _today()
    reversal = _reverse(actor=actor, payment=payment, amount=left, on=on, note=reason)
    invoice.paid_amount -= left
    invoice.status = _invoice_status(invoice)
    invoice.save(update_fields=["paid_amount", "status"])
    audit.record(
        actor=actor,
        action="payment.reverse",
        obj=reversal,
        detail={"payment": payment.receipt_number, "amount": str(left), "reason": reason[:200]},
    )
    return reversal


# --- Allocations -----------------------------------------------------------------------------


@transaction.atomic
def allocation_create(
    *, actor, project: Project, year: int, category: str, amount, decided_on: datetime.date, note: str = ""
) -> Allocation:
    from .selectors import collected_in_year

    amount = _money(amount, "amount", allow_zero=False)
    if category not in Allocation.Category.values:
        raise ApplicationError(_("Choose where the income goes."), field="category")
    Project.objects.select_for_update().filter(pk=project.pk).first()
    collected = collected_in_year(project=project, year=year)
    allocated = sum(project.allocations.filter(year=year).values_list("amount", flat=True), ZERO)
    if allocated + amount > collected:
        raise ConflictError(
            _("Only %(left)s yuan of the rent collected in %(year)s is left to allocate.")
            % {"left": collected - allocated, "year": year},
            code="over_allocation",
            field="amount",
        )
    allocation = Allocation.objects.create(
        org_unit=project.org_unit,
        project=project,
        year=year,
        category=category,
        amount=amount,
        decided_on=decided_on,
        note=note.strip(),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(actor=actor, action="allocation.create", obj=allocation, detail={"amount": str(amount)})
    return allocation


# --- The daily run: expiry, unit status, reminders -------------------------------------------


def _finance_users(org_unit: OrgUnit):
    ids = [org_unit.pk, *org_unit.ancestor_ids]
    assignments = RoleAssignment.objects.filter(
        is_active=True, role__in=MANAGE_ROLES, org_unit_id__in=ids, user__is_active=True
    ).select_related("user")
    return list({a.user_id: a.user for a in assignments}.values())


@transaction.atomic
def reminders_send(*, as_of: datetime.date) -> int:
    """Tell the community's finance staff and secretary when a lease without a renewal ends within
    90, 60 or 30 days. Each threshold is sent once (a unique constraint); a run that missed days
    sends only the most urgent reminder due."""
    sent = 0
    horizon = as_of + datetime.timedelta(days=max(REMINDER_DAYS))
    leases = Lease.objects.select_related("unit", "tenant", "org_unit").filter(
        status=Lease.Status.ACTIVE, end_date__gte=as_of, end_date__lte=horizon
    )
    for lease in leases:
        days_left = (lease.end_date - as_of).days
        due = [d for d in REMINDER_DAYS if days_left <= d]
        done = set(lease.reminders.values_list("days_before", flat=True))
        new = [d for d in due if d not in done]
        if not new:
            continue
        for d in new:
            ExpiryReminder.objects.create(
                lease=lease, org_unit_id=lease.org_unit_id, days_before=d, sent_on=as_of
            )
        title = _("Lease %(number)s for unit %(unit)s (%(tenant)s) ends in %(days)s days, on %(date)s.") % {
            "number": lease.number,
            "unit": lease.unit.number,
            "tenant": lease.tenant.name,
            "days": days_left,
            "date": lease.end_date.isoformat(),
        }
        url = f"/economy/leases/{lease.pk}/"
        users = _finance_users(lease.org_unit)
        transaction.on_commit(
            lambda users=users, title=title, url=url, unit=lease.org_unit: [
                notification_send(user=u, title=title, url=url, org_unit=unit) for u in users
            ]
        )
        sent += 1
    return sent


@transaction.atomic
def leases_daily(*, actor=None, as_of: datetime.date | None = None) -> dict:
    """Issue due invoices, close leases past their end, bring unit statuses up to date and send
    expiry reminders. Run once a day (`manage.py economy_daily`)."""
    as_of = as_of or _today()
    created = invoices_generate(actor=actor, as_of=as_of)
    expired = 0
    for lease in Lease.objects.select_for_update().filter(status=Lease.Status.ACTIVE, end_date__lt=as_of):
        _transition(lease, Lease.Status.EXPIRED, actor)
        lease.save(update_fields=["status"])
        expired += 1
    for unit in ShopUnit.objects.all():
        shopunit_sync_status(unit=unit, as_of=as_of)
    reminders = reminders_send(as_of=as_of)
    return {"invoices": len(created), "expired": expired, "reminders": reminders}
