import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _


class ChoiceLabelsMixin:
    """get_<field>_display from a table of labels built once per field. Django's builds that table
    on every call and hashes every label to do it, which translates each lazy label: a page of 20
    cases spent ~0.7 ms in it. For models whose labels list pages show row after row."""

    def _get_FIELD_display(self, field):
        labels = field.__dict__.get("_gz_choice_labels")
        if labels is None:
            labels = {make_hashable(value): label for value, label in field.flatchoices}
            field._gz_choice_labels = labels
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class OrgUnit(models.Model):
    """A node of the organisation tree. `path` is the materialised chain of primary keys
    ("/1/4/9/"), so a subtree is one indexed prefix query and never a recursive walk."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("District / county")
        STREET = "street", _("Street / township")
        COMMUNITY = "community", _("Community / village")
        GRID = "grid", _("Grid")

    KIND_DEPTH = {Kind.DISTRICT: 1, Kind.STREET: 2, Kind.COMMUNITY: 3, Kind.GRID: 4}

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    name_bo = models.CharField(_("name in Tibetan"), max_length=200, blank=True)
    code = models.CharField(
        _("code"), max_length=32, unique=True, help_text=_("Administrative or grid code.")
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("office phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # GeoJSON Polygon/MultiPolygon (longitude, latitude), checked by core.geo.boundary_clean.
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                name="orgunit_root_is_district",
                condition=Q(parent__isnull=False) | Q(kind="district"),
            ),
            models.CheckConstraint(name="orgunit_depth_1_to_4", condition=Q(depth__gte=1, depth__lte=4)),
            models.CheckConstraint(
                name="orgunit_boundary_is_polygon",
                condition=Q(boundary__isnull=True) | Q(boundary__type__in=["Polygon", "MultiPolygon"]),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def contains(self, other: "OrgUnit") -> bool:
        return other.path.startswith(self.path)


class GridStation(models.Model):
    """A grid service station (网格服务站, "一呼百应"): where the one-click call arrives."""

    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="stations",
        limit_choices_to={"kind": OrgUnit.Kind.GRID},
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=255)
    phone = models.CharField(_("phone"), max_length=32)
    duty_staff = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("duty staff"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("grid station")
        verbose_name_plural = _("grid stations")
        ordering = ["org_unit__path", "name"]

    def __str__(self):
        return self.name


class PartnerUnit(models.Model):
    """A unit of the area that receives joint cases and co-runs activities (辖区单位)."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("School")
        ENTERPRISE = "enterprise", _("Enterprise")
        ARMY_POLICE = "army_police", _("Army or police unit")
        CLINIC = "clinic", _("Clinic or hospital")
        PROVIDER = "provider", _("Third-party service provider")
        GOVERNMENT = "government", _("Government department")
        OTHER = "other", _("Other")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="partners"
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    address = models.CharField(_("address"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("partner unit")
        verbose_name_plural = _("partner units")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "name"], name="partnerunit_unique_name")]

    def __str__(self):
        return self.name


class AuditEntry(models.Model):
    """Append-only, hash-chained record of every write and of every view of sensitive data.

    One chain per community (`chain`, see gongzhi.core.audit): each entry's `hmac` covers its
    content, its chain and the previous entry of the same chain; `core_audit_verify` recomputes
    every chain and names the first entry that was edited, deleted or inserted."""

    class Kind(models.TextChoices):
        WRITE = "write", _("Change")
        ACCESS = "access", _("View of personal data")
        AUTH = "auth", _("Sign-in event")
        EXPORT = "export", _("Export")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        DENIED = "denied", _("Denied")
        FAILED = "failed", _("Failed")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.WRITE)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=32, blank=True)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.SUCCESS)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # The community whose chain holds this entry (0: the system chain); not a foreign key, so that
    # the chain outlives nothing it does not own.
    chain = models.PositiveBigIntegerField(default=0)
    prev_hmac = models.CharField(max_length=64, blank=True)
    hmac = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The head of a chain: its last entry, read by every append.
            models.Index(fields=["chain", "id"], name="audit_chain_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class Notification(models.Model):
    """An in-app notification; SMS copies go through the pluggable backend in gongzhi.core.sms."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return self.title


class WorkCalendar(models.Model):
    """Working days and hours of an org unit (and its subtree); the unit-less one is the default.
    Lhasa's offices keep later hours than inland, so the periods are data, not code."""

    org_unit = models.OneToOneField(
        OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="work_calendar"
    )
    name = models.CharField(_("name"), max_length=100)
    working_weekdays = models.CharField(
        _("working weekdays"), max_length=7, default="12345", help_text=_("ISO weekday numbers, Monday = 1.")
    )
    morning_start = models.TimeField(_("morning starts"), default=datetime.time(9, 30))
    morning_end = models.TimeField(_("morning ends"), default=datetime.time(13, 0))
    afternoon_start = models.TimeField(_("afternoon starts"), default=datetime.time(15, 30))
    afternoon_end = models.TimeField(_("afternoon ends"), default=datetime.time(18, 30))

    class Meta:
        verbose_name = _("work calendar")
        verbose_name_plural = _("work calendars")
        constraints = [
            models.CheckConstraint(
                name="workcalendar_periods_in_order",
                condition=Q(morning_start__lt=F("morning_end"))
                & Q(morning_end__lte=F("afternoon_start"))
                & Q(afternoon_start__lt=F("afternoon_end")),
            ),
            models.UniqueConstraint(
                fields=["name"], condition=Q(org_unit__isnull=True), name="workcalendar_one_default_per_name"
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def standard(cls) -> "WorkCalendar":
        return cls(name="standard")


class WorkCalendarDay(models.Model):
    """A dated exception: a holiday (not working) or an adjusted working day (调休)."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="workcalendarday_unique_date")
        ]

    def __str__(self):
        return f"{self.date} {self.note}"


class StoredUpload(models.Model):
    """A file a user uploaded (case photo, document). Stored outside the static root under a random
    name; served only through `core:upload`, which asks the owning app whether the user may see it."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        DOCUMENT = "document", _("Document")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(
        max_length=64, help_text="Which app's rule decides access, e.g. 'cases.photo'."
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    path = models.CharField(max_length=255, unique=True, editable=False)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name or str(self.pk)


class DataProcessingBasis(models.Model):
    """The legal basis (PIPL art. 13) on which sensitive personal data about someone is held:
    a statutory duty, or consent given on a date by the person or, for a child under 14, a
    guardian. Any app attaches one to its object through (object_type, object_id); see
    core.services.processing_basis_record and core.selectors.processing_basis_for."""

    class Basis(models.TextChoices):
        STATUTORY = "statutory", _("Statutory duty")
        CONSENT = "consent", _("Consent")

    class Category(models.TextChoices):
        HEALTH = "health", _("Health")
        CHILD = "child", _("Child under 14")
        ASSISTANCE = "assistance", _("Assistance and low income")
        IDENTITY = "identity", _("Identity documents")
        OTHER = "other", _("Other sensitive data")

    class Relation(models.TextChoices):
        SELF = "self", _("The person themself")
        GUARDIAN = "guardian", _("Guardian")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    purpose = models.CharField(_("purpose"), max_length=200)
    basis = models.CharField(_("legal basis"), max_length=16, choices=Basis.choices)
    statute = models.CharField(_("law or regulation"), max_length=200, blank=True)
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_by = models.CharField(_("consent given by"), max_length=100, blank=True)
    consent_relation = models.CharField(
        _("relation of the consenting person"), max_length=16, choices=Relation.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("legal basis for processing")
        verbose_name_plural = _("legal bases for processing")
        indexes = [models.Index(fields=["object_type", "object_id"], name="basis_object_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(basis="statutory", statute__gt="")
                | Q(
                    basis="consent",
                    consent_given_on__isnull=False,
                    consent_by__gt="",
                    consent_relation__in=["self", "guardian"],
                ),
                name="basis_statute_or_consent",
            ),
            models.CheckConstraint(
                condition=~Q(category="child", basis="consent") | Q(consent_relation="guardian"),
                name="basis_child_consent_by_guardian",
            ),
            models.UniqueConstraint(
                fields=["object_type", "object_id", "category"],
                condition=Q(withdrawn_at__isnull=True),
                name="basis_one_active_per_object_category",
            ),
        ]

    def __str__(self):
        return f"{self.object_type}:{self.object_id} · {self.get_category_display()} · {self.get_basis_display()}"


class JobRun(models.Model):
    """One run of a periodic job by `core_scheduler`. The run key names the job and its slot (a day or
    an interval); its uniqueness is the lock that lets only one of several runners take a slot."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    job = models.CharField(_("job"), max_length=64, db_index=True)
    run_key = models.CharField(max_length=120, unique=True)
    manual = models.BooleanField(_("started by hand"), default=False)
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    output = models.TextField(_("output"), blank=True)
    host = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "-started_at"], name="jobrun_job_started_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="running", finished_at__isnull=True)
                | (~Q(outcome="running") & Q(finished_at__isnull=False)),
                name="jobrun_finished_iff_done",
            ),
        ]

    def __str__(self):
        return f"{self.job} · {self.started_at:%Y-%m-%d %H:%M} · {self.outcome}"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None
