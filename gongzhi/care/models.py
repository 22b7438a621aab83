"""Care for "one old, one young, one needy" (一老一小一困): care profiles with a risk level, visits,
capability assessments (GB/T 42195-2022), home-care service orders (五助+), health records with
screenings, child monitoring and the volunteer team. Every row carries its grid (`org_unit`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from gongzhi.core.models import OrgUnit, PartnerUnit, StoredUpload
from gongzhi.registry.models import Resident


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class VisitFrequency(models.Model):
    """How often a person of a risk level is visited. The unit-less rows are the defaults (high
    weekly, medium monthly, low quarterly); a community may keep its own rows."""

    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    risk_level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices)
    days = models.PositiveSmallIntegerField(_("visit every (days)"))

    class Meta:
        verbose_name = _("visit frequency")
        verbose_name_plural = _("visit frequencies")
        constraints = [
            models.UniqueConstraint(
                fields=["risk_level"], condition=Q(org_unit__isnull=True), name="care_freq_default_unique"
            ),
            models.UniqueConstraint(fields=["org_unit", "risk_level"], name="care_freq_unit_unique"),
            models.CheckConstraint(condition=Q(days__gte=1, days__lte=366), name="care_freq_days_range"),
        ]

    def __str__(self):
        return f"{self.get_risk_level_display()}: {self.days}"


class CareProfile(models.Model):
    """A person on the care roster: their risk level (set with a reason), the last visit and the
    next one due. Everyone with a care tag has one (created when the roster is synchronised)."""

    resident = models.OneToOneField(Resident, on_delete=models.PROTECT, related_name="care_profile")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    risk_level = models.CharField(
        _("risk level"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    risk_reason = models.CharField(_("reason for the risk level"), max_length=300, blank=True)
    risk_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    risk_set_at = models.DateTimeField(null=True, blank=True)
    last_visit_on = models.DateField(_("last visit"), null=True, blank=True)
    next_due_on = models.DateField(_("next visit due"), null=True, blank=True, db_index=True)
    last_assessed_on = models.DateField(_("last assessment"), null=True, blank=True)
    capability_level = models.PositiveSmallIntegerField(_("capability level"), null=True, blank=True)
    reassess_due_on = models.DateField(_("reassessment due"), null=True, blank=True)
    is_active = models.BooleanField(_("on the roster"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("care profile")
        verbose_name_plural = _("care profiles")
        ordering = ["next_due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(risk_level__in=["low", "medium", "high"]), name="care_profile_risk_level"
            ),
            models.CheckConstraint(
                condition=Q(capability_level__isnull=True) | Q(capability_level__lte=4),
                name="care_profile_capability_level",
            ),
        ]

    def __str__(self):
        return str(self.resident)

    def is_overdue(self, today) -> bool:
        return self.next_due_on is None or self.next_due_on < today


class Visit(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", _("Home visit")
        PHONE = "phone", _("Phone call")

    profile = models.ForeignKey(CareProfile, on_delete=models.PROTECT, related_name="visits")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.HOME)
    visited_on = models.DateField(_("date"))
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    companions = models.CharField(_("who else came"), max_length=200, blank=True)
    situation = models.TextField(_("situation"))
    wellbeing = models.JSONField(_("wellbeing check"), default=dict, blank=True)
    needs = models.TextField(_("needs found"), blank=True)
    case_id = models.PositiveIntegerField(null=True, blank=True)
    photos = models.ManyToManyField(StoredUpload, blank=True, related_name="+")
    client_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-id"]
        constraints = [
            # A form resubmitted after the network came back is recorded once.
            models.UniqueConstraint(
                fields=["visitor", "client_key"], condition=~Q(client_key=""), name="care_visit_client_key"
            ),
        ]

    def __str__(self):
        return f"{self.profile} · {self.visited_on}"


class Assessment(models.Model):
    """One GB/T 42195-2022 assessment: the 26 answers, the four dimension scores, the total, the
    level from the score bands and the level after the adjustment rules (see gbt42195)."""

    profile = models.ForeignKey(CareProfile, on_delete=models.PROTECT, related_name="assessments")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField(_("assessed on"))
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict)
    self_care = models.PositiveSmallIntegerField()
    mobility = models.PositiveSmallIntegerField()
    mental = models.PositiveSmallIntegerField()
    perception = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField(_("total score"))
    preliminary_level = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField(_("capability level"))
    coma = models.BooleanField(_("in a coma"), default=False)
    dementia = models.BooleanField(_("diagnosed dementia or mental disorder"), default=False)
    risk_events_30d = models.PositiveSmallIntegerField(
        _("falls, choking, self-harm or going missing in the last 30 days"), default=0
    )
    adjustments = models.JSONField(default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    next_due_on = models.DateField(_("reassessment due"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("capability assessment")
        verbose_name_plural = _("capability assessments")
        ordering = ["-assessed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(self_care__lte=32, mobility__lte=15, mental__lte=28, perception__lte=15),
                name="care_assessment_dimension_max",
            ),
            models.CheckConstraint(
                condition=Q(
                    total=models.F("self_care")
                    + models.F("mobility")
                    + models.F("mental")
                    + models.F("perception")
                ),
                name="care_assessment_total_sum",
            ),
            models.CheckConstraint(
                condition=Q(level__lte=4, preliminary_level__lte=4, level__gte=models.F("preliminary_level")),
                name="care_assessment_level_range",
            ),
        ]

    def __str__(self):
        return f"{self.profile} · {self.assessed_on} · {self.total}"


# The names of the system service types (五助+), stored in English and translated on pages.
SERVICE_TYPE_NAMES = [
    gettext_noop("Meal help"),
    gettext_noop("Bathing help"),
    gettext_noop("Cleaning help"),
    gettext_noop("Medical help"),
    gettext_noop("Emergency help"),
    gettext_noop("Errands (帮办代办)"),
    gettext_noop("Other help"),
]


class ServiceType(models.Model):
    """A kind of home-care service (五助+): meal, bathing, cleaning, medical, emergency help and
    others. Data: unit-less rows everywhere, a community may add its own."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(org_unit__isnull=True), name="care_servicetype_system_code"
            ),
            models.UniqueConstraint(fields=["org_unit", "code"], name="care_servicetype_unit_code"),
        ]

    def __str__(self):
        from django.utils.translation import gettext

        return gettext(self.name)


class Volunteer(models.Model):
    """A member of the community's volunteer team (e.g. the party volunteer team)."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        Resident,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resident"),
    )
    name = models.CharField(_("name"), max_length=100)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class RecurringOrder(models.Model):
    """A standing order (e.g. a meal every weekday) that generates one service order per day."""

    profile = models.ForeignKey(CareProfile, on_delete=models.PROTECT, related_name="recurring_orders")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    weekdays = models.JSONField(_("weekdays"), default=list)  # 0 = Monday
    time = models.TimeField(_("time"))
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until"), null=True, blank=True)
    partner = models.ForeignKey(
        PartnerUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    volunteer = models.ForeignKey(
        Volunteer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    generated_until = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("recurring order")
        verbose_name_plural = _("recurring orders")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="care_recurring_dates",
            ),
            models.CheckConstraint(
                condition=~Q(partner__isnull=False, volunteer__isnull=False),
                name="care_recurring_one_provider",
            ),
        ]

    def __str__(self):
        return f"{self.service_type} · {self.profile}"


class ServiceOrder(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ASSIGNED = "assigned", _("Assigned")
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        RATED = "rated", _("Rated")
        CANCELLED = "cancelled", _("Cancelled")

    profile = models.ForeignKey(CareProfile, on_delete=models.PROTECT, related_name="orders")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.REQUESTED)
    description = models.CharField(_("what is needed"), max_length=300, blank=True)
    partner = models.ForeignKey(
        PartnerUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("partner unit"),
    )
    volunteer = models.ForeignKey(
        Volunteer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("volunteer"),
    )
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)
    confirmed_by = models.CharField(_("confirmed by"), max_length=100, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    points_awarded = models.PositiveIntegerField(default=0)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=300, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    recurring = models.ForeignKey(
        RecurringOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="occurrences"
    )
    occurrence_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(partner__isnull=False, volunteer__isnull=False), name="care_order_one_provider"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="care_order_rating_range",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["done", "rated"]) | Q(done_at__isnull=False, confirmed_by__gt=""),
                name="care_order_done_confirmed",
            ),
            models.CheckConstraint(
                condition=~Q(state="rated") | Q(rating__isnull=False), name="care_order_rated_has_rating"
            ),
            models.UniqueConstraint(
                fields=["recurring", "occurrence_on"],
                condition=Q(recurring__isnull=False),
                name="care_order_one_per_occurrence",
            ),
        ]

    def __str__(self):
        return f"{self.service_type} · {self.profile}"

    @property
    def provider(self):
        return self.partner or self.volunteer


class OrderStep(models.Model):
    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="steps")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the order's unit.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action} → {self.to_state}"

    @property
    def state_label(self) -> str:
        """The state the step led to, in the reader's language."""
        try:
            return ServiceOrder.State(self.to_state).label
        except ValueError:
            return self.to_state


class HealthRecord(models.Model):
    """A resident's health record. Sensitive (PIPL art. 28): held on a recorded legal basis
    (core DataProcessingBasis, category health), seen only by health workers of the area and the
    resident, every view logged."""

    resident = models.OneToOneField(Resident, on_delete=models.PROTECT, related_name="health_record")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    chronic_conditions = models.TextField(_("chronic conditions"), blank=True)
    medications = models.TextField(_("medications"), blank=True)
    allergies = models.TextField(_("allergies"), blank=True)
    family_doctor = models.CharField(_("family doctor"), max_length=100, blank=True)
    family_doctor_phone = models.CharField(_("family doctor's phone"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("health record")
        verbose_name_plural = _("health records")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return str(self.resident)


class ClinicEvent(models.Model):
    """A free clinic (义诊) where many residents are screened in sequence."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("free clinic")
        verbose_name_plural = _("free clinics")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.name} · {self.held_on}"


class Measurement(models.Model):
    class Kind(models.TextChoices):
        SYSTOLIC = "systolic", _("Blood pressure, systolic")
        DIASTOLIC = "diastolic", _("Blood pressure, diastolic")
        GLUCOSE_FASTING = "glucose_fasting", _("Blood glucose, fasting")
        GLUCOSE_RANDOM = "glucose_random", _("Blood glucose, random")
        WEIGHT = "weight", _("Weight")
        HEIGHT = "height", _("Height")
        BMI = "bmi", _("Body mass index")

    record = models.ForeignKey(HealthRecord, on_delete=models.CASCADE, related_name="measurements")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("measurement"), max_length=16, choices=Kind.choices)
    value = models.DecimalField(_("value"), max_digits=6, decimal_places=1)
    unit = models.CharField(_("unit"), max_length=12)
    out_of_range = models.BooleanField(_("out of range"), default=False)
    measured_on = models.DateField(_("date"))
    clinic = models.ForeignKey(
        ClinicEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="measurements"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["-measured_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(value__gt=0), name="care_measurement_positive")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value} {self.unit}"


class ChildProfile(models.Model):
    """Monitoring of a left-behind, floating or distressed child. Restricted (a minor's data is
    sensitive, PIPL art. 28/31): the child's grid worker and the community's staff see it, every
    view logged."""

    class Kind(models.TextChoices):
        LEFT_BEHIND = "left_behind", _("Left-behind child")
        FLOATING = "floating", _("Floating child")
        DISTRESSED = "distressed", _("Distressed child")

    resident = models.OneToOneField(Resident, on_delete=models.PROTECT, related_name="child_profile")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("situation"), max_length=16, choices=Kind.choices)
    guardian = models.ForeignKey(
        Resident,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("guardian"),
    )
    guardian_relation = models.CharField(_("guardian's relation"), max_length=40, blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=30, blank=True)
    school = models.CharField(_("school and class"), max_length=120, blank=True)
    parents_whereabouts = models.CharField(_("where the parents are"), max_length=200, blank=True)
    risk_factors = models.TextField(_("risk factors"), blank=True)
    visit_plan = models.CharField(_("visit plan"), max_length=200, blank=True)
    help_plan = models.TextField(_("help plan"), blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("child monitoring record")
        verbose_name_plural = _("child monitoring records")
        ordering = ["next_follow_up_on", "id"]

    def __str__(self):
        return str(self.resident)


class ChildFollowUp(models.Model):
    child = models.ForeignKey(ChildProfile, on_delete=models.CASCADE, related_name="follow_ups")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("date"))
    note = models.TextField(_("what happened"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-on", "-id"]

    def __str__(self):
        return f"{self.child} · {self.on}"


class Donation(models.Model):
    """A donation received by the community or given to a person (in kind or money), with its
    receipt number (one sequence per community and year, e.g. 2026-0007)."""

    class Direction(models.TextChoices):
        IN = "in", _("Received")
        OUT = "out", _("Given")

    class Kind(models.TextChoices):
        MONEY = "money", _("Money")
        IN_KIND = "in_kind", _("In kind")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    items = models.CharField(_("items"), max_length=300, blank=True)
    counterparty = models.CharField(_("donor or recipient"), max_length=120)
    resident = models.ForeignKey(
        Resident,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person helped"),
    )
    on = models.DateField(_("date"))
    receipt_no = models.CharField(_("receipt number"), max_length=20)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "receipt_no"], name="care_donation_receipt_unique"),
            models.CheckConstraint(
                condition=Q(kind="money", amount__gt=0) | Q(kind="in_kind", items__gt=""),
                name="care_donation_amount_or_items",
            ),
        ]

    def __str__(self):
        return self.receipt_no


class GuidanceSession(models.Model):
    """A start-up guidance session (创业指导) for a person of a needy household."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)
    mentor = models.CharField(_("mentor"), max_length=100, blank=True)
    outcome = models.TextField(_("outcome and next steps"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("start-up guidance session")
        verbose_name_plural = _("start-up guidance sessions")
        ordering = ["-on", "-id"]

    def __str__(self):
        return f"{self.resident} · {self.topic}"
