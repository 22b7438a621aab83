"""Social assistance: programmes, dated standards, applications, enrolments, reviews, batches and
payment lines. Money is Decimal yuan to the fen (DecimalField(14, 2)); there is no float anywhere."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.fields import EncryptedTextField
from gongzhi.core.models import OrgUnit
from gongzhi.registry.models import Household, Resident

MONEY = {"max_digits": 14, "decimal_places": 2}


class Programme(models.Model):
    class Kind(models.TextChoices):
        DIBAO = "dibao", _("Minimum living allowance (低保)")
        TEKUN = "tekun", _("Extreme-poverty support (特困)")
        TEMPORARY = "temporary", _("Temporary assistance (临时救助)")
        DISABILITY_LIVING = "disability_living", _("Living subsidy for poor disabled people")
        DISABILITY_NURSING = "disability_nursing", _("Nursing subsidy for severely disabled people")
        ELDERLY = "elderly", _("Elderly pension")

    class Target(models.TextChoices):
        HOUSEHOLD = "household", _("Household")
        INDIVIDUAL = "individual", _("Individual")

    class Formula(models.TextChoices):
        GAP = "gap", _("Gap to the standard (差额补助)")
        PER_PERSON = "per_person", _("Fixed amount per person")
        PER_GRADE = "per_grade", _("Fixed amount per disability grade")
        AGE_BAND = "age_band", _("Fixed amount per age band")
        ONE_OFF = "one_off", _("One-off amount decided on approval")

    class Area(models.TextChoices):
        ANY = "", _("Urban and rural")
        URBAN = "urban", _("Urban")
        RURAL = "rural", _("Rural")

    class ReportGroup(models.TextChoices):
        SUBSISTENCE = "subsistence", _("Minimum living allowance, extreme-poverty and hardship support")
        DISABILITY = "disability", _("Disability subsidies")
        ELDERLY = "elderly", _("Elderly pension")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    target = models.CharField(_("target"), max_length=16, choices=Target.choices)
    formula = models.CharField(_("formula"), max_length=16, choices=Formula.choices)
    area = models.CharField(_("area"), max_length=8, choices=Area.choices, blank=True, default="")
    care_mode = models.CharField(_("care mode"), max_length=32, blank=True)
    report_group = models.CharField(_("report group"), max_length=16, choices=ReportGroup.choices)
    eligibility = models.JSONField(
        _("eligibility conditions"),
        default=dict,
        blank=True,
        help_text=_("Conditions as data: min_age, max_age, disability_grades, income_below_standard."),
    )
    eligibility_text = models.TextField(_("eligibility"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Standard(models.Model):
    """One dated amount of a programme in a region. The row in force on the first day of a month,
    in the nearest unit above the household, is the one that month is paid with."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="standards")
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    band = models.CharField(
        _("band"),
        max_length=16,
        blank=True,
        default="",
        help_text=_("Disability grade or age band; empty for all."),
    )
    age_min = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("to age"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    amount = models.DecimalField(_("amount per person per month"), **MONEY)
    minimum = models.DecimalField(_("minimum payment"), default=0, **MONEY)
    supplement_elderly_pct = models.DecimalField(
        _("supplement for elderly members (%)"), max_digits=5, decimal_places=2, default=0
    )
    supplement_disabled_pct = models.DecimalField(
        _("supplement for disabled members (%)"), max_digits=5, decimal_places=2, default=0
    )
    supplement_ill_pct = models.DecimalField(
        _("supplement for seriously ill members (%)"), max_digits=5, decimal_places=2, default=0
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["programme", "org_unit", "band", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "org_unit", "band", "valid_from"], name="standard_unique_per_date"
            ),
            models.CheckConstraint(
                name="standard_amount_not_negative", condition=Q(amount__gte=0, minimum__gte=0)
            ),
        ]

    def __str__(self):
        return f"{self.programme} {self.band} {self.valid_from}: {self.amount}"


class Application(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        CHECKED = "checked", _("Income and assets checked")
        VISITED = "visited", _("Home visit done")
        REVIEWED = "reviewed", _("Community review done")
        NOTICE = "notice", _("On public notice")
        STREET_APPROVED = "street_approved", _("First review passed (street)")
        ENROLLED = "enrolled", _("Approved and enrolled")
        REFUSED = "refused", _("Refused")

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="assistance_applications")
    beneficiary = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="assistance_applications"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SUBMITTED)
    on_behalf = models.BooleanField(_("submitted by staff on the household's behalf"), default=False)
    reason = models.TextField(_("reason for applying"), blank=True)
    documents = models.TextField(_("documents provided"), blank=True)
    # Household check (收入财产核对)
    household_size = models.PositiveSmallIntegerField(_("household size"), null=True, blank=True)
    monthly_income = models.DecimalField(_("household income per month"), null=True, blank=True, **MONEY)
    assets_note = models.TextField(_("assets"), blank=True)
    elderly_members = models.PositiveSmallIntegerField(_("elderly members"), default=0)
    disabled_members = models.PositiveSmallIntegerField(_("disabled members"), default=0)
    ill_members = models.PositiveSmallIntegerField(_("seriously ill members"), default=0)
    disability_grade = models.PositiveSmallIntegerField(_("disability grade"), null=True, blank=True)
    household_class = models.CharField(_("household class"), max_length=1, default="B")
    one_off_amount = models.DecimalField(_("one-off amount"), null=True, blank=True, **MONEY)
    override_reason = models.TextField(_("reason for overriding the 12-month limit"), blank=True)
    # Public notice (公示)
    notice_days = models.PositiveSmallIntegerField(_("notice days"), default=7)
    notice_start = models.DateField(_("notice from"), null=True, blank=True)
    notice_end = models.DateField(_("notice until"), null=True, blank=True)
    proposed_amount = models.DecimalField(_("proposed monthly amount"), null=True, blank=True, **MONEY)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    enrol_from = models.DateField(_("enrolled from"), null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="application_refusal_has_reason", condition=~Q(state="refused") | ~Q(refusal_reason="")
            ),
            models.CheckConstraint(
                name="application_notice_days_1_30", condition=Q(notice_days__gte=1, notice_days__lte=30)
            ),
        ]

    def __str__(self):
        return f"{self.programme} · {self.household}"


class ApplicationStep(models.Model):
    """The timeline: every transition and every recorded fact (objection, note) with actor and time."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the application's unit.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action} {self.at:%Y-%m-%d}"


class ApplicationDocument(models.Model):
    """A document filed with an application (ID card, income certificate, medical record)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the application's unit.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    upload = models.ForeignKey("core.StoredUpload", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=100)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self):
        return self.title


class Objection(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="objections")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the application's unit.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(_("objection"))
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self):
        return self.text[:40]


class ReviewInterval(models.Model):
    """How often an enrolled household of a class is reviewed (configurable data)."""

    household_class = models.CharField(_("household class"), max_length=1)
    area = models.CharField(_("area"), max_length=8, choices=Programme.Area.choices, blank=True, default="")
    months = models.PositiveSmallIntegerField(_("months between reviews"))
    remind_days = models.PositiveSmallIntegerField(_("remind days before"), default=30)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household_class", "area"], name="reviewinterval_unique"),
            models.CheckConstraint(
                name="reviewinterval_months_1_24", condition=Q(months__gte=1, months__lte=24)
            ),
        ]

    def __str__(self):
        return f"{self.household_class}/{self.area or '*'}: {self.months}"


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended pending review")
        PHASE_OUT = "phase_out", _("Phasing out (渐退期)")
        EXITED = "exited", _("Exited")

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="assistance_enrolments")
    beneficiary = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="assistance_enrolments"
    )
    beneficiary_key = models.CharField(max_length=24, editable=False)
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolment"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    household_size = models.PositiveSmallIntegerField(_("household size"), default=1)
    monthly_income = models.DecimalField(_("household income per month"), default=0, **MONEY)
    elderly_members = models.PositiveSmallIntegerField(default=0)
    disabled_members = models.PositiveSmallIntegerField(default=0)
    ill_members = models.PositiveSmallIntegerField(default=0)
    disability_grade = models.PositiveSmallIntegerField(null=True, blank=True)
    one_off_amount = models.DecimalField(null=True, blank=True, **MONEY)
    household_class = models.CharField(_("household class"), max_length=1, default="B")
    next_review_due = models.DateField(_("next review due"), null=True, blank=True)
    suspended_from = models.DateField(_("payments suspended from"), null=True, blank=True)
    phase_out_until = models.DateField(_("phase-out until"), null=True, blank=True)
    exit_reason = models.TextField(_("reason for exit"), blank=True)
    payee_name = models.CharField(_("account name"), max_length=100, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    account_number = EncryptedTextField(_("account number"), blank=True, default="")
    account_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    account_last4 = models.CharField(max_length=4, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "beneficiary_key"],
                condition=~Q(status="exited"),
                name="enrolment_one_open_per_beneficiary",
            ),
            models.CheckConstraint(
                name="enrolment_end_after_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            ),
            models.CheckConstraint(
                name="enrolment_exit_has_reason", condition=~Q(status="exited") | ~Q(exit_reason="")
            ),
        ]

    def __str__(self):
        return f"{self.programme} · {self.beneficiary or self.household}"

    def set_account(self, number: str) -> None:
        number = "".join(ch for ch in (number or "") if ch.isdigit())
        self.account_number = number
        self.account_index = crypto.blind_index(number, purpose="bank_account") if number else ""
        self.account_last4 = number[-4:]

    @property
    def masked_account(self) -> str:
        return f"****{self.account_last4}" if self.account_last4 else ""


class ReviewTask(models.Model):
    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("Periodic review")
        REGISTRY_CHANGE = "registry_change", _("Change in the registry")

    class Outcome(models.TextChoices):
        CONTINUE = "continue", _("Continue")
        PHASE_OUT = "phase_out", _("Phase out")
        EXIT = "exit", _("Exit")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="reviews")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=255)
    due_date = models.DateField(_("due"))
    opened_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.due_date}"


class Batch(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CHECKED = "checked", _("Checked")
        APPROVED = "approved", _("Approved by the county")
        PAID = "paid", _("Sent to the bank")
        RECONCILED = "reconciled", _("Reconciled")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="batches")
    month = models.DateField(_("month"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    total = models.DecimalField(_("total"), default=0, **MONEY)
    line_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-month", "programme", "-id"]
        constraints = [models.CheckConstraint(name="batch_month_is_first_day", condition=Q(month__day=1))]

    def __str__(self):
        return f"{self.programme} {self.month:%Y-%m}"


class BatchEvent(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="events")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the batch's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_state}→{self.to_state}"


class PaymentLine(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="lines")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="lines")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    beneficiary_key = models.CharField(max_length=24)
    month = models.DateField()
    persons = models.PositiveSmallIntegerField(default=1)
    amount = models.DecimalField(_("amount"), **MONEY)
    computation = models.TextField(_("how the amount was computed"))
    payee_name = models.CharField(max_length=100, blank=True)
    account_last4 = models.CharField(max_length=4, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # A beneficiary is paid at most once per programme and month; a failed line frees the slot
            # so that a later batch may retry it.
            models.UniqueConstraint(
                fields=["programme", "beneficiary_key", "month"],
                condition=~Q(status="failed"),
                name="paymentline_once_per_month",
            ),
            models.CheckConstraint(name="paymentline_amount_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self):
        return f"{self.beneficiary_key} {self.month:%Y-%m} {self.amount}"

    @property
    def masked_account(self) -> str:
        return f"****{self.account_last4}" if self.account_last4 else ""
