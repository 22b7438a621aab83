"""`/api/v1/registry/`: households and residents with the filters of the pages. Document and phone
numbers are always masked here; unmasking is a page action that is recorded."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.api.pagination import PagePagination
from gongzhi.core.errors import ApplicationError

from . import selectors, services
from .forms import ResidentFilterForm
from .models import Resident

router = Router(tags=["registry"])


class HouseholdOut(Schema):
    id: int
    org_unit_id: int
    grid: str
    address: str
    building: str | None
    unit_no: str
    room_no: str
    registration_type: str
    members: int | None = None


class ResidentOut(Schema):
    id: int
    household_id: int
    org_unit_id: int
    name: str
    name_bo: str
    former_names: str
    gender: str
    birth_date: date
    age: int
    ethnicity: str
    relationship_to_head: str
    document_type: str
    document_masked: str
    phone_masked: str
    education: str
    employment: str
    medical_insurance: str
    is_party_member: bool
    party_branch: str
    employer_unit: str
    disability_type: str
    disability_grade: int | None
    care_tags: list[str]
    status: str
    moved_in_on: date | None
    moved_out_on: date | None
    died_on: date | None


class ResidentIn(Schema):
    household_id: int
    name: str
    gender: str
    birth_date: date
    relationship_to_head: str
    document_type: str = "id_card"
    document_number: str = ""
    phone: str = ""
    name_bo: str = ""
    former_names: str = ""
    ethnicity: str = ""
    education: str = ""
    employment: str = ""
    medical_insurance: str = ""
    is_party_member: bool = False
    party_branch: str = ""
    employer_unit: str = ""
    disability_type: str = ""
    disability_grade: int | None = None
    care_tags: list[str] = []
    moved_in_on: date | None = None


class ResidentPatch(Schema):
    name: str | None = None
    gender: str | None = None
    birth_date: date | None = None
    relationship_to_head: str | None = None
    document_type: str | None = None
    document_number: str | None = None
    phone: str | None = None
    name_bo: str | None = None
    former_names: str | None = None
    ethnicity: str | None = None
    education: str | None = None
    employment: str | None = None
    medical_insurance: str | None = None
    is_party_member: bool | None = None
    party_branch: str | None = None
    employer_unit: str | None = None
    disability_type: str | None = None
    disability_grade: int | None = None
    care_tags: list[str] | None = None
    moved_in_on: date | None = None


class CreatedOut(Schema):
    id: int


def _household_out(h) -> dict:
    return {
        "id": h.pk,
        "org_unit_id": h.org_unit_id,
        "grid": h.org_unit.name,
        "address": h.address,
        "building": h.building.name if h.building_id else None,
        "unit_no": h.unit_no,
        "room_no": h.room_no,
        "registration_type": h.registration_type,
        "members": getattr(h, "n_members", None),
    }


def _resident_out(r: Resident) -> dict:
    return {
        **{
            f: getattr(r, f)
            for f in ResidentOut.model_fields
            if hasattr(r, f) and f not in ("care_tags", "age")
        },
        "id": r.pk,
        "age": r.age,
        "document_masked": r.masked_document,
        "phone_masked": r.masked_phone,
        "care_tags": r.derived_tags() + [t.code for t in r.care_tags.all()],
    }


class _Mapped:
    """A lazily mapped queryset for the paginator (slicing and count stay in the database)."""

    def __init__(self, qs, fn):
        self.qs, self.fn = qs, fn

    def __getitem__(self, item):
        return [self.fn(x) for x in self.qs[item]]

    def count(self):
        return self.qs.count()


def _require(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


@router.get("/households", response=list[HouseholdOut], summary="Households in the user's area")
@paginate(PagePagination)
def list_households(request, q: str = "", grid: int | None = None, building: int | None = None):
    _require(request, "registry.view_registry")
    return _Mapped(
        selectors.household_search(user=request.user, q=q, grid=grid, building=building), _household_out
    )


@router.get("/households/{household_id}", response=HouseholdOut)
def get_household(request, household_id: int):
    household = selectors.household_detail(user=request.user, pk=household_id)
    if household is None:
        raise Http404
    return _household_out(household)


@router.get(
    "/residents", response=list[ResidentOut], summary="Residents, searched and filtered as on the page"
)
@paginate(PagePagination)
def list_residents(
    request,
    q: str = "",
    grid: int | None = None,
    building: int | None = None,
    tag: str = "",
    status: str = "living",
    age_min: int | None = None,
    age_max: int | None = None,
):
    _require(request, "registry.view_registry")
    # The page's own filter form reads the parameters, so the API filters exactly as the page does
    # (and refuses what the page refuses: a grid, building or tag outside the user's area, ...).
    form = ResidentFilterForm.for_user(request.GET, user=request.user)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise ApplicationError(errors[0], code="invalid_filter", status=400, field=field)
    return _Mapped(selectors.resident_search(user=request.user, filters=form.filters()), _resident_out)


@router.get("/residents/{resident_id}", response=ResidentOut)
def get_resident(request, resident_id: int):
    resident = selectors.resident_detail(user=request.user, pk=resident_id)
    if resident is None:
        raise Http404
    return _resident_out(resident)


@router.post("/residents", response={201: CreatedOut}, summary="Register a resident in a household")
def create_resident(request, payload: ResidentIn):
    _require(request, "registry.add_resident")
    data = payload.dict()
    household = selectors.editable_households(user=request.user).filter(pk=data.pop("household_id")).first()
    if household is None:
        raise ApplicationError(
            _("No household with this id in your area."), code="not_found", status=400, field="household_id"
        )
    resident = services.resident_create(actor=request.user, household=household, **data)
    return Status(201, {"id": resident.pk})


@router.patch("/residents/{resident_id}", response=ResidentOut, summary="Change some fields of a resident")
def update_resident(request, resident_id: int, payload: ResidentPatch):
    resident = selectors.resident_detail(user=request.user, pk=resident_id)
    if resident is None:
        raise Http404
    if not request.user.has_perm("registry.change_resident", resident):
        raise Http404
    changes = payload.dict(exclude_unset=True)
    services.resident_update(actor=request.user, resident=resident, **changes)
    return _resident_out(selectors.resident_detail(user=request.user, pk=resident_id))
