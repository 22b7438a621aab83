from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.fields import EncryptedTextField
from gongzhi.core.models import ChoiceLabelsMixin, OrgUnit

from .choices import ETHNICITY_CHOICES


class Building(models.Model):
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="buildings"
    )
    name = models.CharField(_("building"), max_length=100)
    address = models.CharField(_("address"), max_length=255)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "name"], name="building_unique_name_per_grid")
        ]

    def __str__(self):
        return self.name


class Household(models.Model):
    class RegistrationType(models.TextChoices):
        REGISTERED = "registered", _("Registered (户籍)")
        FLOATING = "floating", _("Floating (流动)")
        OTHER = "other", _("Other")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="households"
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
    )
    unit_no = models.CharField(_("entrance / unit"), max_length=20, blank=True)
    room_no = models.CharField(_("room"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=255)
    registration_type = models.CharField(
        _("registration type"),
        max_length=16,
        choices=RegistrationType.choices,
        default=RegistrationType.REGISTERED,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["address"]

    def __str__(self):
        return self.address


class Resident(ChoiceLabelsMixin, models.Model):
    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Relationship(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Sibling")
        CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        LIVING = "living", _("Living here")
        MOVED_OUT = "moved_out", _("Moved out")
        DECEASED = "deceased", _("Deceased")

    class DocumentType(models.TextChoices):
        ID_CARD = "id_card", _("Mainland ID card")
        PASSPORT = "passport", _("Passport")
        HK_MACAU = "hk_macau", _("Hong Kong / Macau permit")
        TAIWAN = "taiwan", _("Taiwan permit")

    class Education(models.TextChoices):
        NONE = "none", _("No schooling")
        PRIMARY = "primary", _("Primary school")
        JUNIOR = "junior", _("Junior secondary")
        SENIOR = "senior", _("Senior secondary")
        VOCATIONAL = "vocational", _("Vocational school")
        COLLEGE = "college", _("College (大专)")
        BACHELOR = "bachelor", _("Bachelor")
        POSTGRADUATE = "postgraduate", _("Postgraduate")

    class Employment(models.TextChoices):
        EMPLOYED = "employed", _("Employed")
        SELF_EMPLOYED = "self_employed", _("Self-employed")
        FARMER_HERDER = "farmer_herder", _("Farmer or herder")
        UNEMPLOYED = "unemployed", _("Unemployed")
        RETIRED = "retired", _("Retired")
        STUDENT = "student", _("Student")
        PRESCHOOL = "preschool", _("Pre-school child")
        OTHER = "other", _("Other")

    class Insurance(models.TextChoices):
        EMPLOYEE = "employee", _("Employee medical insurance")
        RESIDENT = "resident", _("Urban and rural resident medical insurance")
        NONE = "none", _("Not insured")

    class Disability(models.TextChoices):
        NONE = "", _("None")
        VISUAL = "visual", _("Visual")
        HEARING = "hearing", _("Hearing")
        SPEECH = "speech", _("Speech")
        PHYSICAL = "physical", _("Physical")
        INTELLECTUAL = "intellectual", _("Intellectual")
        MENTAL = "mental", _("Mental")
        MULTIPLE = "multiple", _("Multiple")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="residents"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    relationship_to_head = models.CharField(
        _("relationship to head"), max_length=16, choices=Relationship.choices
    )
    name = models.CharField(_("name"), max_length=100)
    name_bo = models.CharField(_("name in Tibetan script"), max_length=200, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    former_names = models.CharField(_("former names"), max_length=200, blank=True)
    name_pinyin = models.CharField(max_length=300, blank=True, editable=False)
    name_initials = models.CharField(max_length=60, blank=True, editable=False)
    ethnicity = models.CharField(_("ethnicity"), max_length=32, blank=True, choices=ETHNICITY_CHOICES)
    education = models.CharField(_("education"), max_length=16, blank=True, choices=Education.choices)
    employment = models.CharField(_("employment"), max_length=16, blank=True, choices=Employment.choices)
    medical_insurance = models.CharField(
        _("medical insurance"), max_length=16, blank=True, choices=Insurance.choices
    )
    party_branch = models.CharField(_("party branch"), max_length=120, blank=True)
    employer_unit = models.CharField(
        _("employer unit (双报到)"),
        max_length=120,
        blank=True,
        help_text=_("For party members in service: the unit where they work, the basis of 双报到."),
    )
    disability_type = models.CharField(
        _("disability"), max_length=16, blank=True, choices=Disability.choices, default=""
    )
    disability_grade = models.PositiveSmallIntegerField(_("disability grade"), null=True, blank=True)
    care_tags = models.ManyToManyField(
        "CareTag", verbose_name=_("care tags"), blank=True, related_name="residents"
    )
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    died_on = models.DateField(_("date of death"), null=True, blank=True)
    document_type = models.CharField(
        _("document type"), max_length=16, choices=DocumentType.choices, default=DocumentType.ID_CARD
    )
    document_number = EncryptedTextField(_("document number"), blank=True, default="")
    document_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    document_last4 = models.CharField(max_length=4, blank=True, editable=False, db_index=True)
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    is_party_member = models.BooleanField(_("party member"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.LIVING)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="resident"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relationship_to_head="head", status="living"),
                name="resident_one_head_per_household",
            ),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True, disability_type="")
                | (Q(disability_grade__gte=1, disability_grade__lte=4) & ~Q(disability_type="")),
                name="resident_disability_grade_1_4",
            ),
            models.CheckConstraint(
                condition=~Q(status="deceased") | Q(died_on__isnull=False),
                name="resident_deceased_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="moved_out") | Q(moved_out_on__isnull=False),
                name="resident_moved_out_has_date",
            ),
            models.CheckConstraint(
                condition=Q(employer_unit="") | Q(is_party_member=True),
                name="resident_employer_unit_party_only",
            ),
        ]
        indexes = [
            # Prefix searches (LIKE 'x%') use these; on PostgreSQL the pattern operator class makes
            # them usable whatever the database collation.
            models.Index(
                fields=["name_pinyin"], name="resident_pinyin_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["name_initials"], name="resident_initials_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["name"], name="resident_name_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_bo"], name="resident_name_bo_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["org_unit", "status", "birth_date"], name="resident_unit_status_birth"),
            # The resident list: a grid's living residents in name order, read from the index alone
            # (the page's keys at district scale: 4.3 -> 2.9 ms, docs/performance.md).
            models.Index(fields=["org_unit", "status", "name", "id"], name="resident_unit_status_name"),
            models.Index(fields=["phone_index"], name="resident_phone_index_idx"),
        ]
        permissions = [("unmask_resident", "Can see unmasked document and phone numbers")]

    def __str__(self):
        return self.name

    def set_document(self, number: str) -> None:
        number = crypto.normalize_id_number(number or "")
        self.document_number = number
        self.document_index = crypto.blind_index(number, purpose="document") if number else None
        self.document_last4 = number[-4:]

    def set_phone(self, phone: str) -> None:
        phone = crypto.normalize_phone(phone or "")
        self.phone = phone
        self.phone_index = crypto.blind_index(phone, purpose="phone") if phone else ""
        self.phone_last4 = phone[-4:]

    @property
    def masked_document(self) -> str:
        return crypto.mask_id_number(self.document_number)

    @property
    def masked_phone(self) -> str:
        return crypto.mask_phone(self.phone)

    def set_name(self, name: str) -> None:
        from .pinyin import name_keys

        self.name = (name or "").strip()
        self.name_pinyin, self.name_initials = name_keys(self.name)

    def derived_tags(self, day=None) -> list[str]:
        from .choices import DERIVED_TAGS

        age = self.age_on(day or timezone.localdate())
        return [code for code, years in DERIVED_TAGS.items() if age >= years]

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def derived_tag_names(self) -> list[str]:
        from .choices import SYSTEM_TAGS

        codes = set(self.derived_tags())
        return [name for code, name, derived in SYSTEM_TAGS if derived and code in codes]

    def age_on(self, day) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class CheckInCard(models.Model):
    """The cloud check-in card (云登记卡): its QR code holds only this opaque token, never the ID
    number. Re-issuing revokes the previous card; a revoked token resolves to nobody."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="cards")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True, editable=False)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("check-in card")
        verbose_name_plural = _("check-in cards")
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(revoked_at__isnull=True),
                name="checkincard_one_active_per_resident",
            ),
        ]

    def __str__(self):
        return f"{self.resident} · {self.token[:6]}…"


class CareTag(models.Model):
    """A care tag (一老一小一困). System tags exist everywhere; staff add their own for their
    community. Derived tags (elderly 60+/80+) are computed from the birth date, never assigned."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    org_unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("community"),
    )
    is_derived = models.BooleanField(_("computed from data"), default=False, editable=False)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("care tag")
        verbose_name_plural = _("care tags")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(org_unit__isnull=True), name="caretag_system_code"
            ),
            models.UniqueConstraint(fields=["org_unit", "code"], name="caretag_unique_code_per_unit"),
        ]

    def __str__(self):
        return self.name


class ChangeRecord(models.Model):
    """One change to a household or resident: who, when, what, and each field's old and new value
    (sensitive values masked). Nothing in the registry is deleted; this is its history."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=32)
    changes = models.JSONField(default=list, blank=True)  # [{"field", "label", "old", "new"}]
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False) | Q(resident__isnull=False),
                name="changerecord_has_subject",
            )
        ]

    def __str__(self):
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """An Excel/CSV import: validated, then applied in the foreground or by a background task."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing")
        VALID_ROWS = "valid", _("Import the valid rows")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=500)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CHECKED)
    # total_rows: an estimate from the file while the rows are checked, the exact count after.
    total_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0)  # first pass: rows checked
    processed_rows = models.PositiveIntegerField(default=0)  # second pass: rows written
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # first 500: [{"row", "column", "message"}]
    message = models.CharField(max_length=255, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "sha256"],
                condition=Q(status__in=["queued", "running"]),
                name="importjob_one_running_per_file",
            ),
            models.CheckConstraint(
                condition=Q(processed_rows__lte=models.F("total_rows")), name="importjob_progress_le_total"
            ),
        ]

    def __str__(self):
        return self.filename

    @property
    def writing(self) -> bool:
        """The second pass has begun: every row is checked and the exact count is known."""
        return self.processed_rows > 0 or self.checked_rows >= self.total_rows > 0

    @property
    def percent(self) -> int | None:
        """Both passes on one bar: checking fills the first half, writing the second. None while
        the number of rows is not known yet (the bar is then shown without a value)."""
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return None
        checked = min(self.checked_rows, self.total_rows)
        return min(99, int(50 * (checked + self.processed_rows) / self.total_rows))
