import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import GridStation, OrgUnit, PartnerUnit
from gongzhi.registry.models import Resident


def _token() -> str:
    return secrets.token_urlsafe(12)


def _verification_code() -> str:
    # 10 characters from an alphabet without look-alikes (0/O, 1/I/L), easy to type from paper.
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Category(models.TextChoices):
    POLICY = "policy", _("Policy consultation")
    PROOFS = "proofs", _("Proofs and certificates")
    SOCIAL_SECURITY = "social_security", _("Social security and medical insurance")
    HOUSEHOLD = "household", _("Household registration help")
    ASSISTANCE = "assistance", _("Assistance applications")
    ELDERLY_DISABILITY = "elderly_disability", _("Elderly and disability services")
    EMPLOYMENT = "employment", _("Employment and start-up")
    OTHER = "other", _("Other")


class ServiceItem(models.Model):
    """One line of the service catalogue: what a resident can come to the counter for."""

    class Handling(models.TextChoices):
        ON_THE_SPOT = "on_the_spot", _("Done on the spot")
        FORWARDED = "forwarded", _("Forwarded to a higher unit")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="service_items"
    )
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_bo = models.CharField(_("name (Tibetan)"), max_length=240, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=160, blank=True)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    materials = models.TextField(_("required materials (Chinese)"), blank=True, help_text=_("One per line."))
    materials_bo = models.TextField(_("required materials (Tibetan)"), blank=True)
    materials_en = models.TextField(_("required materials (English)"), blank=True)
    handling = models.CharField(_("handling"), max_length=16, choices=Handling.choices)
    forward_partner = models.ForeignKey(
        PartnerUnit,
        verbose_name=_("forwarded to (partner unit)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    forward_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("forwarded to (higher unit)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    time_limit_days = models.PositiveSmallIntegerField(
        _("promised time limit (working days)"), default=0, help_text=_("0 means done on the spot.")
    )
    fee = models.DecimalField(_("fee (yuan)"), max_digits=14, decimal_places=2, default=Decimal("0"))
    fee_note = models.CharField(_("fee note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "code"], name="serviceitem_unique_code"),
            models.CheckConstraint(name="serviceitem_fee_not_negative", condition=Q(fee__gte=0)),
            models.CheckConstraint(
                name="serviceitem_forwarded_has_target",
                condition=Q(handling="on_the_spot")
                | Q(forward_partner__isnull=False)
                | Q(forward_unit__isnull=False),
            ),
        ]

    def __str__(self):
        return self.name

    def localized(self, field: str) -> str:
        lang = (get_language() or "zh-hans").lower()
        if lang.startswith("bo") and getattr(self, f"{field}_bo"):
            return getattr(self, f"{field}_bo")
        if lang.startswith("en") and getattr(self, f"{field}_en"):
            return getattr(self, f"{field}_en")
        return getattr(self, field)

    @property
    def title(self) -> str:
        return self.localized("name")

    @property
    def material_lines(self) -> list[str]:
        return [line.strip() for line in self.localized("materials").splitlines() if line.strip()]

    @property
    def forward_target(self) -> str:
        if self.forward_partner_id:
            return self.forward_partner.name
        if self.forward_unit_id:
            return self.forward_unit.name
        return ""


class Counter(models.Model):
    """A service window (窗口) of the centre; appointments fill its slots up to slot_capacity."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="service_counters"
    )
    number = models.PositiveSmallIntegerField(_("counter number"))
    name = models.CharField(_("name"), max_length=100)
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=30)
    slot_capacity = models.PositiveSmallIntegerField(_("appointments per slot"), default=2)
    is_active = models.BooleanField(_("open"), default=True)
    items = models.ManyToManyField(
        "ServiceItem",
        verbose_name=_("services handled"),
        blank=True,
        related_name="counters",
        help_text=_("Leave empty for a general counter that handles every service."),
    )

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "number"], name="counter_unique_number"),
            models.CheckConstraint(name="counter_slot_minutes_positive", condition=Q(slot_minutes__gte=5)),
            models.CheckConstraint(name="counter_capacity_positive", condition=Q(slot_capacity__gte=1)),
        ]

    def __str__(self):
        return _("Counter %(n)s") % {"n": self.number}

    @staticmethod
    def serving_q(item) -> Q:
        """Counters that handle `item`: those configured for it and the general ones (no items)."""
        through = Counter.items.through
        return Q(pk__in=through.objects.filter(serviceitem=item).values("counter_id")) | ~Q(
            pk__in=through.objects.values("counter_id")
        )


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CHECKED_IN = "checked_in", _("Checked in")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("Did not come")

    ACTIVE = (Status.BOOKED, Status.CHECKED_IN)

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(ServiceItem, verbose_name=_("service"), on_delete=models.PROTECT)
    counter = models.ForeignKey(Counter, verbose_name=_("counter"), on_delete=models.PROTECT)
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    slot_start = models.TimeField(_("time"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["date", "slot_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "item", "date"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="appointment_one_active_per_resident_item_day",
            ),
        ]
        indexes = [models.Index(fields=["counter", "date", "slot_start"], name="appointment_slot_idx")]

    def __str__(self):
        return f"{self.date} {self.slot_start:%H:%M} {self.item}"


class QueueDay(models.Model):
    """The running ticket number of one centre on one day (its row is the lock for numbering)."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org_unit", "day"], name="queueday_unique")]

    def __str__(self):
        return f"{self.day} #{self.last_number}"


class QueueTicket(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        SERVING = "serving", _("Being served")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped (did not answer the call)")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.WAITING, Status.CALLED, Status.SERVING)

    class Source(models.TextChoices):
        KIOSK = "kiosk", _("Kiosk")
        PHONE = "phone", _("Taken on the resident's phone")
        STAFF = "staff", _("Issued by staff")
        APPOINTMENT = "appointment", _("Appointment")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    number = models.PositiveIntegerField(_("number"))
    item = models.ForeignKey(ServiceItem, verbose_name=_("service"), on_delete=models.PROTECT)
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="ticket"
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.WAITING)
    counter = models.ForeignKey(
        Counter,
        verbose_name=_("counter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    call_count = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(_("service started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("service finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        ordering = ["day", "number"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "day", "number"], name="queueticket_unique_number"),
            models.UniqueConstraint(
                fields=["resident", "item"],
                condition=Q(status__in=["waiting", "called", "serving"]),
                name="queueticket_one_active_per_resident_item",
            ),
            models.CheckConstraint(
                name="queueticket_called_has_counter",
                condition=Q(status__in=["waiting", "cancelled"]) | Q(counter__isnull=False),
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def code(self) -> str:
        prefix = "Y" if self.source == self.Source.APPOINTMENT else "A"
        return f"{prefix}{self.number:03d}"


class ServiceRecord(models.Model):
    """One service given: at the counter, at a grid station or at a resident's home."""

    class Channel(models.TextChoices):
        COUNTER = "counter", _("At the counter")
        GRID_STATION = "grid_station", _("At a grid station")
        HOME = "home", _("At home")

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        FORWARDED = "forwarded", _("Forwarded")
        MATERIALS_MISSING = "materials_missing", _("Materials missing")
        REFUSED = "refused", _("Refused")

    class ForwardStatus(models.TextChoices):
        NONE = "", _("Not forwarded")
        PENDING = "pending", _("Waiting for the higher unit")
        RETURNED = "returned", _("Result received")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("service"), on_delete=models.PROTECT, related_name="records"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visitor_name = models.CharField(_("visitor"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.COUNTER)
    counter = models.ForeignKey(Counter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        GridStation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ticket = models.OneToOneField(
        QueueTicket, null=True, blank=True, on_delete=models.PROTECT, related_name="record"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"))
    waiting_seconds = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    missing_materials = models.CharField(_("what is missing"), max_length=300, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    forward_partner = models.ForeignKey(
        PartnerUnit,
        verbose_name=_("forwarded to (partner unit)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    forward_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("forwarded to (higher unit)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    forward_status = models.CharField(
        _("forwarding"), max_length=16, choices=ForwardStatus.choices, default="", blank=True
    )
    forward_due_at = models.DateTimeField(_("result due"), null=True, blank=True)
    forward_reminded_at = models.DateTimeField(null=True, blank=True)
    forward_result = models.TextField(_("result from the higher unit"), blank=True)
    forward_result_at = models.DateTimeField(null=True, blank=True)
    rating_token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["org_unit", "started_at"], name="servicerecord_unit_time_idx")]
        constraints = [
            models.CheckConstraint(
                name="servicerecord_end_after_start", condition=Q(ended_at__gte=F("started_at"))
            ),
            models.CheckConstraint(
                name="servicerecord_resident_or_visitor",
                condition=Q(resident__isnull=False) | ~Q(visitor_name=""),
            ),
            models.CheckConstraint(
                name="servicerecord_missing_says_what",
                condition=~Q(outcome="materials_missing") | ~Q(missing_materials=""),
            ),
            models.CheckConstraint(
                name="servicerecord_refusal_has_reason",
                condition=~Q(outcome="refused") | ~Q(refusal_reason=""),
            ),
            models.CheckConstraint(
                name="servicerecord_forwarded_has_target",
                condition=~Q(outcome="forwarded")
                | (
                    (Q(forward_partner__isnull=False) | Q(forward_unit__isnull=False))
                    & Q(forward_due_at__isnull=False)
                    & ~Q(forward_status="")
                ),
            ),
        ]

    def __str__(self):
        return f"{self.item} · {self.started_at:%Y-%m-%d}"

    @property
    def person(self) -> str:
        return self.resident.name if self.resident_id else self.visitor_name

    @property
    def handling_seconds(self) -> int:
        return int((self.ended_at - self.started_at).total_seconds())

    @property
    def forward_target(self) -> str:
        if self.forward_partner_id:
            return self.forward_partner.name
        if self.forward_unit_id:
            return self.forward_unit.name
        return ""

    @property
    def is_overdue(self) -> bool:
        return (
            self.forward_status == self.ForwardStatus.PENDING
            and self.forward_due_at is not None
            and self.forward_due_at < timezone.now()
        )


class Transition(models.Model):
    """Every state change of a ticket or a forwarded record, with who made it and when."""

    ticket = models.ForeignKey(
        QueueTicket, null=True, blank=True, on_delete=models.CASCADE, related_name="transitions"
    )
    record = models.ForeignKey(
        ServiceRecord, null=True, blank=True, on_delete=models.CASCADE, related_name="transitions"
    )
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): its ticket's or its record's.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                name="transition_one_subject",
                condition=Q(ticket__isnull=False, record__isnull=True)
                | Q(ticket__isnull=True, record__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"


class ProofTemplate(models.Model):
    """A certificate text (居住证明 …) with placeholders filled from the registry:
    {name} {gender} {birth_date} {ethnicity} {document_type} {document_number} {address}
    {household_head} {relationship} {community} {purpose} {date}."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=16)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("proof template")
        verbose_name_plural = _("proof templates")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "code"], name="prooftemplate_unique_code")]

    def __str__(self):
        return self.title


class Proof(models.Model):
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(ProofTemplate, on_delete=models.PROTECT, related_name="proofs")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(
        ServiceRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="proofs"
    )
    year = models.PositiveSmallIntegerField()
    serial = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    holder_masked = models.CharField(max_length=100)
    verification_code = models.CharField(
        max_length=16, unique=True, default=_verification_code, editable=False
    )
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("proof")
        verbose_name_plural = _("proofs")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year", "serial"], name="proof_unique_serial"),
            models.CheckConstraint(
                name="proof_revoked_has_reason", condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason="")
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"〔{self.year}〕{self.serial:04d}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class Rating(models.Model):
    class Level(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASIC = "basic", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    class Via(models.TextChoices):
        TABLET = "tablet", _("Counter tablet")
        QR = "qr", _("QR code on the receipt")
        APP = "app", _("Signed in")

    class Callback(models.TextChoices):
        NONE = "", _("No call-back needed")
        PENDING = "pending", _("Call back")
        DONE = "done", _("Called back")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    record = models.OneToOneField(ServiceRecord, on_delete=models.CASCADE, related_name="rating")
    level = models.CharField(_("rating"), max_length=16, choices=Level.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    via = models.CharField(max_length=8, choices=Via.choices)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    callback_status = models.CharField(max_length=8, choices=Callback.choices, default="", blank=True)
    callback_note = models.CharField(_("call-back note"), max_length=300, blank=True)
    callback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    callback_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="rating_dissatisfied_called_back",
                condition=~Q(level="dissatisfied") | ~Q(callback_status=""),
            ),
        ]

    def __str__(self):
        return self.get_level_display()
