from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.fields import EncryptedTextField
from gongzhi.core.models import OrgUnit, StoredUpload

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class Project(models.Model):
    """A collective-economy investment, e.g. the commercial street (商业街)."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="economy_projects"
    )
    name = models.CharField(_("name"), max_length=150)
    investment = models.DecimalField(_("investment (yuan)"), **MONEY)
    funding_sources = models.TextField(_("funding sources"), blank=True)
    completion_date = models.DateField(_("completion date"), null=True, blank=True)
    annual_rent_target = models.DecimalField(_("annual rent target (yuan)"), **MONEY, default=ZERO)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(investment__gte=0) & Q(annual_rent_target__gte=0),
                name="economy_project_amounts_nonnegative",
            ),
            models.UniqueConstraint(fields=["org_unit", "name"], name="economy_project_unique_name"),
        ]

    def __str__(self):
        return self.name


class ShopUnit(models.Model):
    class Status(models.TextChoices):
        VACANT = "vacant", _("Vacant")
        LET = "let", _("Let")
        UNDER_REPAIR = "under_repair", _("Under repair")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="units"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("unit number"), max_length=30)
    floor = models.SmallIntegerField(_("floor"), default=1)
    area = models.DecimalField(_("area (m²)"), max_digits=10, decimal_places=2)
    use = models.CharField(_("use"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VACANT)
    photos = models.ManyToManyField(StoredUpload, blank=True, related_name="+", verbose_name=_("photos"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("shop unit")
        verbose_name_plural = _("shop units")
        ordering = ["project_id", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="economy_unit_unique_number"),
            models.CheckConstraint(condition=Q(area__gt=0), name="economy_unit_area_positive"),
        ]

    def __str__(self):
        return self.number


class Tenant(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        INDIVIDUAL = "individual", _("Individual")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True, default="")
    id_index = models.CharField(max_length=64, null=True, blank=True, editable=False)
    id_last4 = models.CharField(max_length=4, blank=True, editable=False)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    business = models.CharField(_("business"), max_length=150, blank=True)
    local_employees = models.PositiveIntegerField(_("local residents employed"), default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="enterprise") & ~Q(credit_code=""))
                | (Q(kind="individual") & Q(credit_code="") & Q(id_index__isnull=False)),
                name="economy_tenant_identifier_by_kind",
            ),
            models.UniqueConstraint(
                fields=["org_unit", "credit_code"],
                condition=~Q(credit_code=""),
                name="economy_tenant_unique_credit_code",
            ),
            models.UniqueConstraint(fields=["org_unit", "id_index"], name="economy_tenant_unique_id"),
        ]

    def __str__(self):
        return self.name

    def set_id_number(self, number: str) -> None:
        number = crypto.normalize_id_number(number or "")
        self.id_number = number
        self.id_index = crypto.blind_index(number, purpose="document") if number else None
        self.id_last4 = number[-4:]

    @property
    def masked_id_number(self) -> str:
        return crypto.mask_id_number(self.id_number)

    @property
    def identifier(self) -> str:
        return self.credit_code if self.kind == self.Kind.ENTERPRISE else self.masked_id_number


class Lease(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RENEWED = "renewed", _("Renewed")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated early")

    class RentBasis(models.TextChoices):
        PER_M2 = "per_m2", _("Per m² per month")
        FIXED = "fixed", _("Fixed per month")

    class Cycle(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")

    class DepositStatus(models.TextChoices):
        NONE = "none", _("No deposit")
        DUE = "due", _("Due")
        HELD = "held", _("Held")
        RETURNED = "returned", _("Returned")

    CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        ShopUnit, verbose_name=_("shop unit"), on_delete=models.PROTECT, related_name="leases"
    )
    tenant = models.ForeignKey(
        Tenant, verbose_name=_("tenant"), on_delete=models.PROTECT, related_name="leases"
    )
    number = models.CharField(_("contract number"), max_length=40, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), help_text=_("The last day of the lease (inclusive)."))
    agreed_end_date = models.DateField(_("agreed end date"), editable=False)
    rent_basis = models.CharField(_("rent basis"), max_length=8, choices=RentBasis.choices)
    rent_rate = models.DecimalField(
        _("rent"), **MONEY, help_text=_("Yuan per m² per month, or yuan per month when fixed.")
    )
    payment_cycle = models.CharField(_("payment cycle"), max_length=10, choices=Cycle.choices)
    rent_free_months = models.PositiveSmallIntegerField(_("rent-free months"), default=0)
    yearly_increase_pct = models.DecimalField(
        _("yearly increase (%)"), max_digits=5, decimal_places=2, default=ZERO
    )
    due_days = models.PositiveSmallIntegerField(
        _("days to pay"), default=15, help_text=_("Days after the start of a period before its rent is late.")
    )
    deposit = models.DecimalField(_("deposit"), **MONEY, default=ZERO)
    deposit_status = models.CharField(
        _("deposit status"), max_length=10, choices=DepositStatus.choices, default=DepositStatus.NONE
    )
    deposit_received_on = models.DateField(_("deposit received on"), null=True, blank=True)
    deposit_returned = models.DecimalField(_("deposit returned"), **MONEY, default=ZERO)
    deposit_returned_on = models.DateField(_("deposit returned on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal",
        verbose_name=_("renews"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("lease")
        verbose_name_plural = _("leases")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lt=F("end_date")), name="economy_lease_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(rent_rate__gte=0) & Q(deposit__gte=0) & Q(yearly_increase_pct__gte=0),
                name="economy_lease_amounts_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(deposit_returned__gte=0) & Q(deposit_returned__lte=F("deposit")),
                name="economy_lease_deposit_returned_within",
            ),
            # One lease per unit at any time: on PostgreSQL also an exclusion constraint over
            # daterange(start_date, end_date, '[]') (migration 0002).
        ]
        indexes = [models.Index(fields=["unit", "start_date"], name="economy_lease_unit_start")]

    def __str__(self):
        return self.number or f"{self.unit} · {self.tenant}"

    @property
    def cycle_months(self) -> int:
        return self.CYCLE_MONTHS[self.payment_cycle]

    @property
    def deposit_held(self) -> Decimal:
        if self.deposit_status == self.DepositStatus.HELD:
            return self.deposit
        return ZERO


class LeaseTransition(models.Model):
    lease = models.ForeignKey(Lease, on_delete=models.CASCADE, related_name="transitions")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the lease's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class Settlement(models.Model):
    """The account closed when a lease ends early: rent owed to the termination date, what the
    tenant had overpaid, the deposit applied and returned, and the net still due."""

    lease = models.OneToOneField(Lease, on_delete=models.PROTECT, related_name="settlement")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    termination_date = models.DateField(_("termination date"))
    reason = models.TextField(_("reason"), blank=True)
    rent_outstanding = models.DecimalField(_("rent outstanding"), **MONEY)
    credit = models.DecimalField(_("overpaid rent"), **MONEY)
    penalty = models.DecimalField(_("penalty"), **MONEY, default=ZERO)
    deposit_applied = models.DecimalField(_("deposit applied"), **MONEY)
    deposit_refund = models.DecimalField(_("deposit returned"), **MONEY)
    net_due = models.DecimalField(_("still due from the tenant"), **MONEY)
    refund_due = models.DecimalField(_("to refund to the tenant"), **MONEY)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self):
        return f"{self.lease} · {self.termination_date}"


class Invoice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Unpaid")
        PARTIAL = "partial", _("Partly paid")
        PAID = "paid", _("Paid")
        VOID = "void", _("Void")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    lease = models.ForeignKey(
        Lease, verbose_name=_("lease"), on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(_("invoice number"), max_length=40, unique=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=ZERO)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["lease", "period_start"], name="economy_invoice_one_per_period"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="economy_invoice_amount_nonnegative"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=F("amount")),
                name="economy_invoice_paid_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="economy_invoice_period_order"
            ),
        ]
        indexes = [models.Index(fields=["org_unit", "due_date"], name="economy_invoice_due")]

    def __str__(self):
        return self.number

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid_amount

    def is_late(self, on) -> bool:
        return self.status in (self.Status.OPEN, self.Status.PARTIAL) and self.due_date < on


class Payment(models.Model):
    """A payment against one invoice. Append-only: a mistake or a refund is a reversing payment
    (a negative amount pointing at the payment it reverses)."""

    class Method(models.TextChoices):
        BANK = "bank", _("Bank transfer")
        CASH = "cash", _("Cash")
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        DEPOSIT = "deposit", _("From the deposit")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, default=Method.BANK)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=40, unique=True)
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(amount__gt=0) & Q(reverses__isnull=True))
                | (Q(amount__lt=0) & Q(reverses__isnull=False)),
                name="economy_payment_sign",
            ),
        ]

    def __str__(self):
        return self.receipt_number


class Allocation(models.Model):
    """Where collected rent goes (收益分配)."""

    class Category(models.TextChoices):
        DISTRIBUTION = "distribution", _("Distribution to the collective")
        MAINTENANCE = "maintenance", _("Maintenance")
        SERVICES = "services", _("Community services")
        OTHER = "other", _("Other")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="allocations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    decided_on = models.DateField(_("decided on"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-decided_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="economy_allocation_positive")]

    def __str__(self):
        return f"{self.year} · {self.get_category_display()} · {self.amount}"


class ExpiryReminder(models.Model):
    """One reminder per lease and threshold (90, 60 or 30 days before the end)."""

    lease = models.ForeignKey(Lease, on_delete=models.CASCADE, related_name="reminders")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the lease's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    days_before = models.PositiveSmallIntegerField()
    sent_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lease", "days_before"], name="economy_reminder_once"),
        ]

    def __str__(self):
        return f"{self.lease} · {self.days_before}"
