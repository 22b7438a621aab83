import datetime
import secrets

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from gongzhi.core import audit, crypto
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import OrgUnit

from .choices import ETHNICITY_CHOICES
from .documents import validate_document, validate_phone
from .models import Building, CareTag, ChangeRecord, CheckInCard, Household, Resident
from .signals import resident_status_changed


def _require_grid(unit: OrgUnit) -> None:
    if unit.kind != OrgUnit.Kind.GRID:
        raise ApplicationError(_("Households and buildings belong to a grid."), field="org_unit")


@transaction.atomic
def building_create(*, actor, org_unit: OrgUnit, name: str, address: str) -> Building:
    _require_grid(org_unit)
    building = Building.objects.create(org_unit=org_unit, name=name.strip(), address=address.strip())
    audit.record(actor=actor, action="building.create", obj=building)
    return building


@transaction.atomic
def household_create(
    *,
    actor,
    org_unit: OrgUnit,
    address: str,
    building: Building | None = None,
    unit_no: str = "",
    room_no: str = "",
    registration_type: str = Household.RegistrationType.REGISTERED,
) -> Household:
    _require_grid(org_unit)
    if building is not None and building.org_unit_id != org_unit.pk:
        raise ApplicationError(_("The building is in another grid."), field="building")
    household = Household.objects.create(
        org_unit=org_unit,
        building=building,
        unit_no=unit_no,
        room_no=room_no,
        address=address.strip(),
        registration_type=registration_type,
    )
    change_record(
        actor=actor,
        action="create",
        household=household,
        changes=[{"field": "address", "old": None, "new": household.address}],
    )
    audit.record(actor=actor, action="household.create", obj=household)
    return household


SENSITIVE_FIELDS = {"document_number": crypto.mask_id_number, "phone": crypto.mask_phone}
RESIDENT_FIELDS = [
    "name",
    "name_bo",
    "former_names",
    "gender",
    "birth_date",
    "ethnicity",
    "relationship_to_head",
    "document_type",
    "document_number",
    "phone",
    "education",
    "employment",
    "medical_insurance",
    "is_party_member",
    "party_branch",
    "employer_unit",
    "disability_type",
    "disability_grade",
    "moved_in_on",
]
HOUSEHOLD_FIELDS = ["address", "building", "unit_no", "room_no", "registration_type"]


def _value(obj, field):
    value = getattr(obj, field)
    if field in SENSITIVE_FIELDS:
        return SENSITIVE_FIELDS[field](value or "")
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _snapshot(obj, fields) -> dict:
    return {
        f: (getattr(obj, f + "_id") if f in ("building", "household", "org_unit") else getattr(obj, f))
        for f in fields
    }


def _diff(before: dict, obj, fields, shown_before: dict) -> list[dict]:
    changes = []
    for f in fields:
        now = getattr(obj, f + "_id") if f in ("building", "household", "org_unit") else getattr(obj, f)
        if before.get(f) != now:
            changes.append({"field": f, "old": shown_before.get(f), "new": _value(obj, f)})
    return changes


def change_record(
    *, actor, action: str, resident=None, household=None, changes=None, note: str = ""
) -> ChangeRecord:
    subject = resident or household
    return ChangeRecord.objects.create(
        org_unit_id=subject.org_unit_id,
        resident=resident,
        household=household if household is not None else (resident.household if resident else None),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        changes=changes or [],
        note=note[:255],
    )


def _check_choice(value, choices, field, *, blank=True):
    if (value == "" and blank) or value in {c[0] for c in choices}:
        return
    raise ApplicationError(_("Choose one of the listed values."), code="choice", field=field)


def resident_validate(resident: Resident, *, today=None) -> None:
    """Every check a resident must pass, in the service and in the import alike."""
    today = today or timezone.localdate()
    if not resident.name:
        raise ApplicationError(_("Enter the resident's name."), code="required", field="name")
    _check_choice(resident.gender, Resident.Gender.choices, "gender", blank=False)
    _check_choice(
        resident.relationship_to_head, Resident.Relationship.choices, "relationship_to_head", blank=False
    )
    _check_choice(resident.document_type, Resident.DocumentType.choices, "document_type", blank=False)
    _check_choice(resident.ethnicity, ETHNICITY_CHOICES, "ethnicity")
    _check_choice(resident.education, Resident.Education.choices, "education")
    _check_choice(resident.employment, Resident.Employment.choices, "employment")
    _check_choice(resident.medical_insurance, Resident.Insurance.choices, "medical_insurance")
    _check_choice(resident.disability_type, Resident.Disability.choices, "disability_type")
    if resident.birth_date is None:
        raise ApplicationError(_("Enter the date of birth."), code="required", field="birth_date")
    if resident.birth_date > today:
        raise ApplicationError(
            _("The date of birth is in the future."), code="future_birth_date", field="birth_date"
        )
    if resident.disability_type and resident.disability_grade not in (1, 2, 3, 4):
        raise ApplicationError(
            _("A disability has a grade from 1 to 4."), code="disability_grade", field="disability_grade"
        )
    if not resident.disability_type and resident.disability_grade is not None:
        raise ApplicationError(
            _("Choose the type of disability for this grade."),
            code="disability_type",
            field="disability_type",
        )
    if resident.employer_unit and not resident.is_party_member:
        raise ApplicationError(
            _("The employer unit is recorded for party members only."),
            code="employer_unit",
            field="employer_unit",
        )


def _set_document_and_phone(resident: Resident, document_number, phone, *, today=None) -> None:
    if document_number is not None:
        number = validate_document(
            document_type=resident.document_type,
            number=document_number,
            birth_date=resident.birth_date,
            gender=resident.gender,
            today=today,
        )
        resident.set_document(number)
        if resident.document_index:
            existing = (
                Resident.objects.filter(document_index=resident.document_index)
                .exclude(pk=resident.pk)
                .first()
            )
            if existing is not None:
                raise ApplicationError(
                    _("A resident with this document number is already registered."),
                    code="duplicate",
                    field="document_number",
                    status=409,
                    extra={
                        "existing_id": existing.pk,
                        "existing_url": reverse("registry:resident_detail", args=[existing.pk]),
                    },
                )
    if phone is not None:
        resident.set_phone(validate_phone(phone))


def _check_head(household: Household, resident: Resident) -> None:
    if (
        resident.relationship_to_head == Resident.Relationship.HEAD
        and resident.status == Resident.Status.LIVING
        and household.members.filter(
            relationship_to_head=Resident.Relationship.HEAD, status=Resident.Status.LIVING
        )
        .exclude(pk=resident.pk)
        .exists()
    ):
        raise ApplicationError(
            _("This household already has a head."),
            code="duplicate_head",
            field="relationship_to_head",
            status=409,
        )


def _save(resident: Resident) -> None:
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError as exc:
        raise ApplicationError(
            _("This resident conflicts with an existing record."), code="conflict", status=409
        ) from exc


def _tags(tags, org_unit) -> list[CareTag]:
    """Care tags by object or code; derived tags are refused (they are computed)."""
    result = []
    for tag in tags:
        if not isinstance(tag, CareTag):
            found = care_tag_lookup(code=str(tag), org_unit=org_unit)
            if found is None:
                raise ApplicationError(
                    _("Unknown care tag: %(tag)s.") % {"tag": tag}, code="unknown_tag", field="care_tags"
                )
            tag = found
        if tag.is_derived:
            raise ApplicationError(
                _("“%(tag)s” is computed from the date of birth and cannot be set by hand.")
                % {"tag": tag.name},
                code="derived_tag",
                field="care_tags",
            )
        result.append(tag)
    return result


def care_tag_lookup(*, code: str, org_unit) -> CareTag | None:
    community_ids = [u for u in (org_unit.pk, org_unit.parent_id) if u]
    return (
        CareTag.objects.filter(Q(org_unit__isnull=True) | Q(org_unit_id__in=community_ids), code=code)
        .order_by("org_unit_id")
        .first()
    )


@transaction.atomic
def resident_create(
    *,
    actor,
    household: Household,
    name: str,
    gender: str,
    birth_date,
    relationship_to_head: str,
    document_number: str = "",
    document_type: str = Resident.DocumentType.ID_CARD,
    phone: str = "",
    name_bo: str = "",
    ethnicity: str = "",
    is_party_member: bool = False,
    user=None,
    former_names: str = "",
    education: str = "",
    employment: str = "",
    medical_insurance: str = "",
    party_branch: str = "",
    employer_unit: str = "",
    disability_type: str = "",
    disability_grade: int | None = None,
    care_tags=(),
    moved_in_on=None,
    today=None,
) -> Resident:
    resident = Resident(
        org_unit=household.org_unit,
        household=household,
        name_bo=(name_bo or "").strip(),
        former_names=(former_names or "").strip(),
        gender=gender,
        birth_date=birth_date,
        relationship_to_head=relationship_to_head,
        document_type=document_type or Resident.DocumentType.ID_CARD,
        ethnicity=ethnicity or "",
        education=education or "",
        employment=employment or "",
        medical_insurance=medical_insurance or "",
        is_party_member=bool(is_party_member),
        party_branch=(party_branch or "").strip(),
        employer_unit=(employer_unit or "").strip(),
        disability_type=disability_type or "",
        disability_grade=disability_grade or None,
        moved_in_on=moved_in_on,
        user=user,
    )
    resident.set_name(name)
    resident_validate(resident, today=today)
    _set_document_and_phone(resident, document_number or "", phone or "", today=today)
    _check_head(household, resident)
    tag_objs = _tags(care_tags, household.org_unit)
    _save(resident)
    if tag_objs:
        resident.care_tags.set(tag_objs)
    change_record(
        actor=actor,
        action="create",
        resident=resident,
        changes=[
            {"field": f, "old": None, "new": _value(resident, f)}
            for f in RESIDENT_FIELDS
            if _value(resident, f) not in ("", None, False)
        ],
    )
    audit.record(
        actor=actor,
        action="resident.create",
        obj=resident,
        detail={"document": crypto.mask_id_number(resident.document_number)},
    )
    return resident


@transaction.atomic
def resident_update(*, actor, resident: Resident, today=None, action: str = "update", **changes) -> Resident:
    """Change any of RESIDENT_FIELDS (and `care_tags`); every changed field goes to the history
    with its old and new value, sensitive values masked. Returns the resident; unchanged input
    records nothing."""
    unknown = set(changes) - set(RESIDENT_FIELDS) - {"care_tags"}
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here."), code="field", field=sorted(unknown)[0]
        )
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    before = _snapshot(resident, RESIDENT_FIELDS)
    shown = {f: _value(resident, f) for f in RESIDENT_FIELDS}
    document_number = changes.pop("document_number", None)
    phone = changes.pop("phone", None)
    tags = changes.pop("care_tags", None)
    for field, value in changes.items():
        if field == "name":
            resident.set_name(value)
        elif field in ("birth_date", "moved_in_on", "disability_grade"):
            setattr(resident, field, value or None)
        elif field == "is_party_member":
            resident.is_party_member = bool(value)
        else:
            setattr(
                resident, field, (value or "").strip() if isinstance(value, str) or value is None else value
            )
    resident_validate(resident, today=today)
    if (
        document_number is not None
        and crypto.normalize_id_number(document_number) == resident.document_number
    ):
        document_number = None
    if (
        document_number is None
        and ("birth_date" in changes or "gender" in changes)
        and resident.document_number
    ):
        document_number = resident.document_number  # re-check the number against the new facts
    if phone is not None and validate_phone(phone) == resident.phone:
        phone = None
    _set_document_and_phone(resident, document_number, phone, today=today)
    _check_head(resident.household, resident)
    diff = _diff(before, resident, RESIDENT_FIELDS, shown)
    if tags is not None:
        new_tags = _tags(tags, resident.org_unit)
        old_names = sorted(t.name for t in resident.care_tags.all())
        new_names = sorted(t.name for t in new_tags)
        if old_names != new_names:
            resident.care_tags.set(new_tags)
            diff.append({"field": "care_tags", "old": ", ".join(old_names), "new": ", ".join(new_names)})
    if not diff:
        return resident
    _save(resident)
    change_record(actor=actor, action=action, resident=resident, changes=diff)
    audit.record(
        actor=actor, action="resident.update", obj=resident, detail={"fields": [c["field"] for c in diff]}
    )
    return resident


STATUS_TRANSITIONS = {
    Resident.Status.LIVING: {Resident.Status.MOVED_OUT, Resident.Status.DECEASED},
    Resident.Status.MOVED_OUT: {Resident.Status.LIVING, Resident.Status.DECEASED},
    Resident.Status.DECEASED: set(),
}


def _change_status(*, actor, resident: Resident, status: str, on, note: str, action: str) -> Resident:
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    old = resident.status
    if status not in STATUS_TRANSITIONS[old]:
        raise ApplicationError(
            _("A resident who is “%(old)s” cannot become “%(new)s”.")
            % {"old": Resident.Status(old).label, "new": Resident.Status(status).label},
            code="status",
            status=409,
        )
    today = timezone.localdate()
    if on is None or on > today:
        raise ApplicationError(_("Enter a date that is not in the future."), code="date", field="on")
    if on < resident.birth_date:
        raise ApplicationError(_("The date is before the date of birth."), code="date", field="on")
    resident.status = status
    if status == Resident.Status.MOVED_OUT:
        resident.moved_out_on = on
    elif status == Resident.Status.DECEASED:
        resident.died_on = on
    else:
        resident.moved_out_on = None
        resident.moved_in_on = on
        _check_head(resident.household, resident)
    _save(resident)
    if status != Resident.Status.LIVING:
        CheckInCard.objects.filter(resident=resident, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    change_record(
        actor=actor,
        action=action,
        resident=resident,
        changes=[
            {"field": "status", "old": old, "new": status},
            {"field": "date", "old": None, "new": on.isoformat()},
        ],
        note=note,
    )
    audit.record(actor=actor, action=f"resident.{action}", obj=resident, detail={"from": old, "to": status})
    transaction.on_commit(
        lambda: resident_status_changed.send(
            sender=Resident, resident=resident, old_status=old, new_status=status, on=on, actor=actor
        )
    )
    return resident


@transaction.atomic
def resident_move_out(*, actor, resident: Resident, on, note: str = "") -> Resident:
    """The resident left the community; the record stays (nothing is deleted)."""
    return _change_status(
        actor=actor, resident=resident, status=Resident.Status.MOVED_OUT, on=on, note=note, action="move_out"
    )


@transaction.atomic
def resident_record_death(*, actor, resident: Resident, on, note: str = "") -> Resident:
    return _change_status(
        actor=actor, resident=resident, status=Resident.Status.DECEASED, on=on, note=note, action="death"
    )


@transaction.atomic
def resident_move_back(*, actor, resident: Resident, on, note: str = "") -> Resident:
    return _change_status(
        actor=actor, resident=resident, status=Resident.Status.LIVING, on=on, note=note, action="move_back"
    )


@transaction.atomic
def resident_move(
    *, actor, resident: Resident, household: Household, relationship_to_head: str, note: str = ""
) -> Resident:
    """Move a resident into another household (in any grid the actor may edit)."""
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if resident.status != Resident.Status.LIVING:
        raise ApplicationError(_("Only a resident living here can be moved."), code="status", status=409)
    if household.pk == resident.household_id:
        raise ApplicationError(
            _("The resident already lives in this household."), code="same", field="household"
        )
    if not household.is_active:
        raise ApplicationError(_("This household is closed."), code="inactive", field="household")
    _check_choice(relationship_to_head, Resident.Relationship.choices, "relationship_to_head", blank=False)
    old_household = resident.household
    resident.household = household
    resident.org_unit_id = household.org_unit_id
    resident.relationship_to_head = relationship_to_head
    _check_head(household, resident)
    _save(resident)
    changes = [
        {"field": "household", "old": old_household.address, "new": household.address},
        {"field": "relationship_to_head", "old": None, "new": relationship_to_head},
    ]
    change_record(
        actor=actor, action="move", resident=resident, household=household, changes=changes, note=note
    )
    change_record(
        actor=actor,
        action="member_left",
        household=old_household,
        changes=[{"field": "members", "old": resident.name, "new": None}],
    )
    audit.record(
        actor=actor,
        action="resident.move",
        obj=resident,
        detail={"from": old_household.pk, "to": household.pk},
    )
    return resident


@transaction.atomic
def household_update(*, actor, household: Household, **changes) -> Household:
    unknown = set(changes) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here."), code="field", field=sorted(unknown)[0]
        )
    household = Household.objects.select_for_update().get(pk=household.pk)
    before = _snapshot(household, HOUSEHOLD_FIELDS)
    shown = {f: _value(household, f) for f in HOUSEHOLD_FIELDS}
    for field, value in changes.items():
        setattr(household, field, value.strip() if isinstance(value, str) else value)
    if not household.address:
        raise ApplicationError(_("Enter the address."), code="required", field="address")
    _check_choice(
        household.registration_type, Household.RegistrationType.choices, "registration_type", blank=False
    )
    if household.building is not None and household.building.org_unit_id != household.org_unit_id:
        raise ApplicationError(_("The building is in another grid."), field="building")
    diff = _diff(before, household, HOUSEHOLD_FIELDS, shown)
    if diff:
        household.save()
        change_record(actor=actor, action="update", household=household, changes=diff)
        audit.record(
            actor=actor,
            action="household.update",
            obj=household,
            detail={"fields": [c["field"] for c in diff]},
        )
    return household


@transaction.atomic
def household_move(
    *,
    actor,
    household: Household,
    org_unit: OrgUnit,
    address: str = "",
    building: Building | None = None,
    unit_no: str = "",
    room_no: str = "",
    note: str = "",
) -> Household:
    """Move a household (and everyone living in it) to another grid, e.g. when grids are redrawn."""
    _require_grid(org_unit)
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.org_unit_id == org_unit.pk and not address:
        raise ApplicationError(_("The household is already in this grid."), code="same", field="org_unit")
    if building is not None and building.org_unit_id != org_unit.pk:
        raise ApplicationError(_("The building is in another grid."), field="building")
    old_unit = household.org_unit
    old_address = household.address
    household.org_unit = org_unit
    if building is not None or household.building_id and household.building.org_unit_id != org_unit.pk:
        household.building = building
    if address:
        household.address = address.strip()
        household.unit_no, household.room_no = unit_no, room_no
    household.save()
    moved = household.members.update(org_unit=org_unit)
    changes = [{"field": "org_unit", "old": old_unit.name, "new": org_unit.name}]
    if address:
        changes.append({"field": "address", "old": old_address, "new": household.address})
    change_record(actor=actor, action="move_grid", household=household, changes=changes, note=note)
    audit.record(
        actor=actor,
        action="household.move",
        obj=household,
        detail={"from": old_unit.pk, "to": org_unit.pk, "residents": moved},
    )
    return household


@transaction.atomic
def care_tag_create(*, actor, org_unit: OrgUnit, name: str, code: str = "") -> CareTag:
    """A community's own care tag (staff extend the list)."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Enter the tag's name."), code="required", field="name")
    if org_unit.kind == OrgUnit.Kind.GRID:
        org_unit = org_unit.parent
    code = slugify(code or name, allow_unicode=True)[:40] or f"tag{CareTag.objects.count() + 1}"
    if (
        care_tag_lookup(code=code, org_unit=org_unit) is not None
        or CareTag.objects.filter(org_unit=org_unit, name=name).exists()
    ):
        raise ApplicationError(_("This tag exists already."), code="duplicate", field="name", status=409)
    tag = CareTag.objects.create(org_unit=org_unit, code=code, name=name)
    audit.record(actor=actor, action="caretag.create", obj=tag)
    return tag


@transaction.atomic
def card_issue(*, actor, resident: Resident) -> CheckInCard:
    """Issue a new check-in card, revoking the one the resident held (a lost card stops working)."""
    now = timezone.now()
    CheckInCard.objects.select_for_update().filter(resident=resident, revoked_at__isnull=True).update(
        revoked_at=now
    )
    card = CheckInCard.objects.create(
        resident=resident,
        org_unit=resident.org_unit,
        token=secrets.token_urlsafe(18),
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(actor=actor, action="card.issue", obj=card)
    return card


@transaction.atomic
def card_revoke(*, actor, card: CheckInCard) -> None:
    if card.revoked_at is None:
        card.revoked_at = timezone.now()
        card.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="card.revoke", obj=card)
