import datetime
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES
from gongzhi.accounts.scoping import scope_q
from gongzhi.core import crypto

from .choices import DERIVED_TAGS
from .models import CareTag, ChangeRecord, CheckInCard, Household, ImportJob, Resident


def household_list(*, user) -> QuerySet:
    return Household.objects.filter(scope_q(user, READER_ROLES)).select_related("org_unit", "building")


def resident_list(*, user) -> QuerySet:
    return Resident.objects.filter(scope_q(user, READER_ROLES)).select_related("org_unit", "household")


def editable_residents(*, user) -> QuerySet:
    return Resident.objects.filter(scope_q(user, WORKER_ROLES))


def editable_households(*, user) -> QuerySet:
    return Household.objects.filter(scope_q(user, WORKER_ROLES)).select_related("org_unit", "building")


@dataclass
class ResidentFilters:
    q: str = ""
    grid: int | None = None
    building: int | None = None
    tag: str = ""
    status: str = Resident.Status.LIVING
    age_min: int | None = None
    age_max: int | None = None


def _years_ago(today: datetime.date, years: int) -> datetime.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _search_q(q: str) -> Q:
    """One indexed condition per kind of search text: prefix matches on the name, its pinyin and
    initials and the Tibetan name; exact matches on the last 4 document characters and on the
    blind index of a whole phone or document number. Never a scan with LIKE '%x%'."""
    q = q.strip()
    compact = "".join(q.split())
    if not compact:
        return Q()
    cond = Q(name__startswith=compact)
    if compact.isascii() and compact.replace("'", "").isalpha():
        key = compact.lower().replace("'", "")
        cond |= Q(name_pinyin__startswith=key) | Q(name_initials__startswith=key)
    if re.fullmatch(r"\d{3}[\dXx]", compact):
        cond |= Q(document_last4=compact.upper())
    digits = crypto.normalize_phone(compact)
    if compact.replace("+", "").replace("-", "").isdigit() and len(digits) >= 7:
        cond |= Q(phone_index=crypto.blind_index(digits, purpose="phone"))
    if len(compact) >= 8 and compact[:-1].isdigit():
        cond |= Q(document_index=crypto.blind_index(crypto.normalize_id_number(compact), purpose="document"))
    if not compact.isascii():
        cond |= Q(name_bo__startswith=q)
    return cond


def resident_search(*, user, filters: ResidentFilters, today=None) -> QuerySet:
    today = today or timezone.localdate()
    qs = Resident.objects.filter(scope_q(user, READER_ROLES))
    if filters.q:
        qs = qs.filter(_search_q(filters.q))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.grid:
        qs = qs.filter(org_unit_id=filters.grid)
    if filters.building:
        qs = qs.filter(household__building_id=filters.building)
    if filters.tag:
        if filters.tag in DERIVED_TAGS:
            qs = qs.filter(birth_date__lte=_years_ago(today, DERIVED_TAGS[filters.tag]))
        else:
            # A subquery, not a join: the rows stay one per resident, with no DISTINCT (which would
            # sort every matching row before the first page could be cut).
            tagged = Resident.care_tags.through.objects.filter(caretag__code=filters.tag)
            qs = qs.filter(pk__in=tagged.values("resident_id"))
    if filters.age_min is not None:
        qs = qs.filter(birth_date__lte=_years_ago(today, filters.age_min))
    if filters.age_max is not None:
        qs = qs.filter(birth_date__gt=_years_ago(today, filters.age_max + 1))
    return (
        qs.select_related("org_unit", "household", "household__building")
        .prefetch_related("care_tags")
        .order_by("name", "id")
    )


# What a row of the resident list page shows (registry/resident_list.html). resident_search joins
# the household's building and reads every column for the API and the export; the page needs a few,
# and leaves the encrypted ID number and phone unread (and undecrypted).
LIST_ROW_FIELDS = (
    "name", "name_bo", "status", "birth_date", "relationship_to_head", "org_unit__name", "household__address",
)  # fmt: skip


def list_rows(qs: QuerySet) -> QuerySet:
    """`qs` (from resident_search) narrowed to the columns of the list page's rows; their care
    tags come from `care_tag_names`."""
    return (
        qs.select_related(None)
        .select_related("org_unit", "household")
        .prefetch_related(None)
        .only(*LIST_ROW_FIELDS)
    )


def care_tag_names(resident_ids) -> dict[int, list[str]]:
    """The names of the care tags of these residents (a page of a list), by resident, in the tags'
    order. One plain query: prefetching builds a CareTag per row and compiles a join each time, a
    tenth of the resident list's time."""
    ids = [int(pk) for pk in resident_ids]
    if not ids:
        return {}
    through = Resident.care_tags.through._meta.db_table
    tags = CareTag._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    order = connection.ops.quote_name("order")
    # Table and column names from the models, the ids as parameters.
    sql = (
        f"SELECT t.resident_id, c.name FROM {through} t JOIN {tags} c ON c.id = t.caretag_id"  # noqa: S608  # nosec B608
        f" WHERE t.resident_id IN ({marks}) ORDER BY c.{order}, c.id"
    )
    names: dict[int, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        for resident_id, name in cursor.fetchall():
            names.setdefault(resident_id, []).append(name)
    return names


def resident_detail(*, user, pk: int) -> Resident | None:
    return (
        resident_list(user=user)
        .select_related("household__building", "user")
        .prefetch_related("care_tags")
        .filter(pk=pk)
        .first()
    )


def household_detail(*, user, pk: int) -> Household | None:
    return (
        household_list(user=user)
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Resident.objects.prefetch_related("care_tags").order_by("status", "birth_date"),
            )
        )
        .filter(pk=pk)
        .first()
    )


def household_search(*, user, q: str = "", grid: int | None = None, building: int | None = None) -> QuerySet:
    qs = household_list(user=user).filter(is_active=True)
    if q:
        qs = qs.filter(address__startswith=q.strip())
    if grid:
        qs = qs.filter(org_unit_id=grid)
    if building:
        qs = qs.filter(building_id=building)
    return qs.annotate(n_members=Count("members", filter=Q(members__status=Resident.Status.LIVING))).order_by(
        "address", "id"
    )


def resident_history(resident: Resident) -> QuerySet:
    return ChangeRecord.objects.filter(resident=resident).select_related("actor")


def household_history(household: Household) -> QuerySet:
    return ChangeRecord.objects.filter(household=household, resident__isnull=True).select_related("actor")


def care_tags_for(org_unit) -> QuerySet:
    """The tags usable in a unit: system tags and those of its community (or communities below)."""
    ids = [org_unit.pk]
    if org_unit.parent_id:
        ids.append(org_unit.parent_id)
    return CareTag.objects.filter(
        Q(org_unit__isnull=True) | Q(org_unit_id__in=ids) | Q(org_unit__path__startswith=org_unit.path)
    )


def care_tags_visible(*, user) -> QuerySet:
    return CareTag.objects.filter(Q(org_unit__isnull=True) | scope_q(user, READER_ROLES)).order_by(
        "order", "id"
    )


def residents_needing_attention(*, user, limit: int = 10, today=None) -> QuerySet:
    """Living residents aged 80+ or with a care tag, in the user's editable area."""
    today = today or timezone.localdate()
    return (
        Resident.objects.filter(scope_q(user, WORKER_ROLES), status=Resident.Status.LIVING)
        .filter(Q(birth_date__lte=_years_ago(today, 80)) | Q(care_tags__isnull=False))
        .select_related("household")
        .prefetch_related("care_tags")
        .distinct()
        .order_by("birth_date")[:limit]
    )


def import_jobs(*, user) -> QuerySet:
    return ImportJob.objects.filter(scope_q(user, WORKER_ROLES)).select_related("created_by")


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
        "elderly": residents.filter(birth_date__lte=_years_ago(timezone.localdate(), 60)).count(),
        "tagged": residents.filter(care_tags__isnull=False).values("pk").distinct().count(),
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


def resident_by_phone(*, org_unit, phone: str) -> Resident | None:
    """The one living resident under `org_unit` registered with this mobile number (through its
    blind index), or None when nobody or several people share it (a family phone)."""
    digits = crypto.normalize_phone(phone or "")
    if len(digits) < 7:
        return None
    found = list(
        Resident.objects.filter(
            org_unit__path__startswith=org_unit.path,
            status=Resident.Status.LIVING,
            phone_index=crypto.blind_index(digits, purpose="phone"),
        ).select_related("household")[:2]
    )
    return found[0] if len(found) == 1 else None


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
