from django.db.models import Count, QuerySet

from gongzhi.accounts.roles import READER_ROLES
from gongzhi.accounts.scoping import scope_q

from .models import CheckInCard, Household, Resident


def household_list(*, user) -> QuerySet:
    return Household.objects.filter(scope_q(user, READER_ROLES)).select_related("org_unit", "building")


def resident_list(*, user) -> QuerySet:
    return Resident.objects.filter(scope_q(user, READER_ROLES)).select_related("org_unit", "household")


def resident_of_user(user) -> Resident | None:
    if not user.is_authenticated:
        return None
    return (
        Resident.objects.select_related("household", "household__org_unit", "household__org_unit__parent")
        .filter(user=user)
        .first()
    )


def registry_counts(*, user) -> dict:
    residents = Resident.objects.filter(scope_q(user, READER_ROLES), status=Resident.Status.LIVING)
    return {
        "households": Household.objects.filter(scope_q(user, READER_ROLES), is_active=True).count(),
        "residents": residents.count(),
        "party_members": residents.filter(is_party_member=True).count(),
    }


def household_members(household: Household) -> QuerySet:
    return household.members.filter(status=Resident.Status.LIVING).order_by("birth_date")


def grid_household_counts(*, user) -> list[dict]:
    return list(
        Household.objects.filter(scope_q(user, READER_ROLES), is_active=True)
        .values("org_unit__name")
        .annotate(n=Count("id"))
        .order_by("org_unit__name")
    )


def card_resolve(token: str) -> Resident | None:
    """The resident holding an active card with this token, or None for an unknown or revoked one."""
    if not token:
        return None
    card = (
        CheckInCard.objects.select_related("resident", "resident__household")
        .filter(token=token.strip(), revoked_at__isnull=True, resident__status=Resident.Status.LIVING)
        .first()
    )
    return card.resident if card else None


def card_active(resident: Resident) -> CheckInCard | None:
    return CheckInCard.objects.filter(resident=resident, revoked_at__isnull=True).first()
