import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.fields import EncryptedTextField
from gongzhi.core.models import ChoiceLabelsMixin, GridStation, OrgUnit, PartnerUnit, StoredUpload

DESCRIPTION_MAX = 4000
MAX_PHOTOS = 3


class Tier(models.TextChoices):
    GRID = "grid", _("Grid (small matter)")
    JOINT = "joint", _("Joint (difficult matter)")
    CONSULTATION = "consultation", _("Consultation (big matter)")


TIER_ORDER = [Tier.GRID, Tier.JOINT, Tier.CONSULTATION]


class DeadlineUnit(models.TextChoices):
    HOURS = "hours", _("working hours")
    DAYS = "days", _("working days")


class Category(models.Model):
    """A kind of need or complaint. A tree kept by community staff: the deadlines, default tier and
    handling units are data, never code. `extra_fields` is a small schema of additional questions:
    [{"code", "label", "datatype", "required", "values": [{"key", "name"}]}]."""

    DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="case_categories"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_bo = models.CharField(_("name in Tibetan"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    default_tier = models.CharField(_("default tier"), max_length=16, choices=Tier.choices, default=Tier.GRID)
    is_mediation = models.BooleanField(_("mediation (dispute)"), default=False)
    handling_units = models.ManyToManyField(
        PartnerUnit, verbose_name=_("default handling units"), blank=True, related_name="case_categories"
    )
    response_amount = models.PositiveIntegerField(_("response deadline"), default=2)
    response_unit = models.CharField(
        _("response deadline unit"), max_length=8, choices=DeadlineUnit.choices, default=DeadlineUnit.HOURS
    )
    resolution_amount = models.PositiveIntegerField(_("resolution deadline"), default=7)
    resolution_unit = models.CharField(
        _("resolution deadline unit"), max_length=8, choices=DeadlineUnit.choices, default=DeadlineUnit.DAYS
    )
    extra_fields = models.JSONField(_("extra fields"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                name="category_deadlines_positive",
                condition=Q(response_amount__gte=1, resolution_amount__gte=1),
            ),
            models.CheckConstraint(name="category_not_own_parent", condition=~Q(parent=F("pk"))),
        ]

    def __str__(self):
        return self.name


class Case(ChoiceLabelsMixin, models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved, awaiting confirmation")
        REOPENED = "reopened", _("Reopened")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")

    OPEN_STATES = (
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.REOPENED,
    )

    class Channel(models.TextChoices):
        RESIDENT_FORM = "resident_form", _("Resident form")
        RED_MAILBOX = "red_mailbox", _("Red mailbox")
        STATION_CALL = "station_call", _("One-click call")
        PATROL = "patrol", _("Grid worker patrol")
        STAFF_ENTRY = "staff_entry", _("Walk-in or phone (staff entry)")
        OPEN311 = "open311", _("Open311")
        API = "api", _("API")

    class Kind(models.TextChoices):
        GENERAL = "general", _("Need or complaint")
        MEDIATION = "mediation", _("Dispute mediation")

    class LocationKind(models.TextChoices):
        REGISTERED = "registered", _("My registered address")
        ADDRESS = "address", _("Another address")
        POINT = "point", _("A point on the map")
        NONE = "none", _("No location")

    class CloseReason(models.TextChoices):
        RATED = "rated", _("Confirmed and rated")
        NOT_RATED = "not_rated", _("Not rated within 7 days")

    class RejectReason(models.TextChoices):
        OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
        DUPLICATE = "duplicate", _("Duplicate of another case")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("grid or community"), on_delete=models.PROTECT, related_name="cases"
    )
    community = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="community_cases"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.GENERAL)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.GRID)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX)
    extra = models.JSONField(_("extra answers"), default=dict, blank=True)

    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True, editable=False)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    reporter_name = models.CharField(_("caller name"), max_length=100, blank=True)
    reporter_phone = EncryptedTextField(_("caller phone"), blank=True, default="")
    reporter_phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    station = models.ForeignKey(
        GridStation, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    location_kind = models.CharField(
        _("location"), max_length=16, choices=LocationKind.choices, default=LocationKind.NONE
    )
    address = models.CharField(_("address"), max_length=255, blank=True, db_index=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    media_url = models.URLField(
        _("media link"),
        max_length=500,
        blank=True,
        help_text=_("A link to a photo or video given by a partner system (Open311)."),
    )

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    lead_partner = models.ForeignKey(
        PartnerUnit,
        verbose_name=_("lead handling unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    topic = models.ForeignKey(
        "deliberation.Topic",
        verbose_name=_("consultation topic"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    reject_reason = models.CharField(
        _("rejection reason"), max_length=16, choices=RejectReason.choices, blank=True
    )
    resolution_note = models.TextField(_("resolution"), max_length=DESCRIPTION_MAX, blank=True)

    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    response_due = models.DateTimeField(_("response due"))
    resolution_due = models.DateTimeField(_("resolution due"), db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(
        _("closed because"), max_length=16, choices=CloseReason.choices, blank=True
    )
    escalated_at = models.DateTimeField(_("escalated for being overdue"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    rating = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org_unit", "status"], name="case_unit_status_idx"),
            models.Index(fields=["community", "created_at"], name="case_community_created_idx"),
            models.Index(fields=["category", "status"], name="case_category_status_idx"),
            models.Index(fields=["status", "resolved_at"], name="case_status_resolved_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="case_rating_1_to_5", condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5)
            ),
            models.CheckConstraint(
                name="case_lat_long_together",
                condition=Q(lat__isnull=True, long__isnull=True) | Q(lat__isnull=False, long__isnull=False),
            ),
            models.CheckConstraint(
                name="case_lat_long_range",
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90, long__gte=-180, long__lte=180),
            ),
            models.CheckConstraint(
                name="case_rated_only_when_closed",
                condition=Q(rating__isnull=True) | Q(status="closed", close_reason="rated"),
            ),
            models.CheckConstraint(
                name="case_duplicate_needs_master",
                condition=~Q(reject_reason="duplicate") | Q(duplicate_of__isnull=False),
            ),
            models.CheckConstraint(name="case_not_duplicate_of_itself", condition=~Q(duplicate_of=F("pk"))),
            models.CheckConstraint(
                name="case_rejected_has_reason", condition=~Q(status="rejected") | ~Q(reject_reason="")
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.category.name}" if self.pk else "case"

    @staticmethod
    def new_tracking_code() -> str:
        alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
        return "".join(secrets.choice(alphabet) for _ in range(10))

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        now = timezone.now()
        if self.status == self.Status.SUBMITTED and self.response_due < now:
            return True
        return self.status in self.OPEN_STATES and self.resolution_due < now

    @property
    def extra_answers(self) -> list[tuple[str, str]]:
        """The answers to the category's extra questions as (question, answer) in the schema's order;
        list answers show the names of the chosen values."""
        answers = []
        for spec in self.category.extra_fields or []:
            code = spec.get("code")
            if code not in (self.extra or {}):
                continue
            value = self.extra[code]
            names = {str(v.get("key")): v.get("name", v.get("key")) for v in spec.get("values", [])}
            values = value if isinstance(value, list) else [value]
            shown = ", ".join(str(names.get(str(v), v)) for v in values)
            answers.append((spec.get("label", code), shown))
        return answers

    @property
    def reporter_display(self) -> str:
        if self.anonymous:
            return str(_("Anonymous"))
        if self.reporter_id:
            return str(self.reporter)
        return self.reporter_name or "—"


class CaseTransition(models.Model):
    """One step of a case's life: a change of status, tier or handler, with who, when and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the case's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(max_length=16, choices=Case.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Case.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("case transition")
        verbose_name_plural = _("case transitions")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="casetransition_case_at_idx")]

    def __str__(self):
        return f"{self.action} {self.from_status}→{self.to_status}"


class CasePhoto(models.Model):
    class Stage(models.TextChoices):
        REPORT = "report", _("Reported")
        RESOLUTION = "resolution", _("Resolution")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the case's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    upload = models.OneToOneField(StoredUpload, on_delete=models.PROTECT, related_name="case_photo")
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.REPORT)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"photo of case {self.case_id}"


class CaseFollower(models.Model):
    """A user told about a case's progress who is not its reporter: the reporter of a merged
    duplicate follows the master case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the case's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_cases"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="casefollower_unique")]

    def __str__(self):
        return f"{self.user_id} follows {self.case_id}"


class CaseParticipant(models.Model):
    """A partner unit or department taking part in a joint case. The first one assigned leads
    (首接负责) and stays; each reports its own part."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the case's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(
        PartnerUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="case_parts"
    )
    is_lead = models.BooleanField(_("lead"), default=False)
    report = models.TextField(_("report of its part"), max_length=DESCRIPTION_MAX, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_lead", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "partner"], name="caseparticipant_unique"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(is_lead=True), name="caseparticipant_one_lead"
            ),
        ]

    def __str__(self):
        return f"{self.partner_id} in case {self.case_id}"


class Mediation(models.Model):
    """The mediation file of a dispute case (矛盾纠纷调解)."""

    class DisputeType(models.TextChoices):
        NEIGHBOUR = "neighbour", _("Neighbours")
        FAMILY = "family", _("Family or marriage")
        PROPERTY = "property", _("Property or housing")
        LABOUR = "labour", _("Labour or wages")
        CONSUMER = "consumer", _("Shop or consumer")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Under mediation")
        AGREEMENT = "agreement", _("Agreement reached")
        POLICE = "police", _("No agreement: referred to the police")
        COURT = "court", _("No agreement: referred to the court")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="mediation")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the case's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    dispute_type = models.CharField(_("dispute type"), max_length=16, choices=DisputeType.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    agreement_text = models.TextField(_("agreement"), max_length=DESCRIPTION_MAX, blank=True)
    agreement_upload = models.ForeignKey(
        StoredUpload, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    follow_up_at = models.DateTimeField(_("follow-up visit"), null=True, blank=True)
    follow_up_note = models.TextField(_("follow-up notes"), blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="mediation_agreement_has_text", condition=~Q(outcome="agreement") | ~Q(agreement_text="")
            ),
        ]

    def __str__(self):
        return f"mediation of case {self.case_id}"


class MediationParty(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="parties")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the case's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role in the dispute"), max_length=50, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class MediationSession(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the case's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    held_at = models.DateTimeField(_("date and time"))
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mediator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    volunteer = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("volunteer mediator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediation_sessions",
    )
    room = models.CharField(_("room"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), max_length=DESCRIPTION_MAX, blank=True)

    class Meta:
        ordering = ["held_at", "id"]

    def __str__(self):
        return f"session {self.held_at:%Y-%m-%d}"
