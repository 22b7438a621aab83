import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit, crypto
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import OrgUnit

from .models import Building, CheckInCard, Household, Resident


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
    audit.record(actor=actor, action="household.create", obj=household)
    return household


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
) -> Resident:
    resident = Resident(
        org_unit=household.org_unit,
        household=household,
        name=name.strip(),
        name_bo=name_bo.strip(),
        gender=gender,
        birth_date=birth_date,
        relationship_to_head=relationship_to_head,
        document_type=document_type,
        ethnicity=ethnicity,
        is_party_member=is_party_member,
        user=user,
    )
    if document_number:
        resident.set_document(document_number)
        existing = Resident.objects.filter(document_index=resident.document_index).first()
        if existing is not None:
            raise ApplicationError(
                _("A resident with this document number is already registered."),
                code="duplicate",
                field="document_number",
                status=409,
                extra={"existing_id": existing.pk},
            )
    if phone:
        resident.set_phone(phone)
    if (
        relationship_to_head == Resident.Relationship.HEAD
        and household.members.filter(
            relationship_to_head=Resident.Relationship.HEAD, status=Resident.Status.LIVING
        ).exists()
    ):
        raise ApplicationError(
            _("This household already has a head."),
            code="duplicate_head",
            field="relationship_to_head",
            status=409,
        )
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError as exc:
        raise ApplicationError(
            _("This resident conflicts with an existing record."), code="conflict", status=409
        ) from exc
    audit.record(
        actor=actor,
        action="resident.create",
        obj=resident,
        detail={"document": crypto.mask_id_number(resident.document_number)},
    )
    return resident


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
