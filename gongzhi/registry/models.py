from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.fields import EncryptedTextField
from gongzhi.core.models import OrgUnit


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


class Resident(models.Model):
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
    ethnicity = models.CharField(_("ethnicity"), max_length=32, blank=True)
    document_type = models.CharField(
        _("document type"), max_length=16, choices=DocumentType.choices, default=DocumentType.ID_CARD
    )
    document_number = EncryptedTextField(_("document number"), blank=True, default="")
    document_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    document_last4 = models.CharField(max_length=4, blank=True, editable=False, db_index=True)
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
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
        ]

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
