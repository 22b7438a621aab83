"""The cases API at /api/v1/cases: list and create, one case, transitions, rating, metrics."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import READER_ROLES
from gongzhi.accounts.scoping import visible_units
from gongzhi.api.pagination import PagePagination
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import OrgUnit, PartnerUnit
from gongzhi.core.ratelimit import hit

from . import selectors, services
from .models import Case, Category

router = Router(tags=["cases"])
API_PREFIX = "/cases"


class CaseIn(Schema):
    category_code: str | None = None
    description: str = ""
    address: str = ""
    lat: Decimal | None = None
    long: Decimal | None = None
    anonymous: bool = False
    org_unit: int | None = Field(
        None, description="Grid or community id; defaults to the reporter's home grid."
    )
    extra: dict = Field(default_factory=dict, description="Answers to the category's extra fields, by code.")


class CreatedOut(Schema):
    id: int
    tracking_code: str
    status: str


class TransitionOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor_name: str
    note: str
    at: datetime.datetime


class CaseOut(Schema):
    id: int
    category_code: str
    category: str
    kind: str
    channel: str
    tier: str
    status: str
    description: str
    address: str
    lat: Decimal | None
    long: Decimal | None
    org_unit_id: int
    community_id: int
    anonymous: bool
    created_at: datetime.datetime
    response_due: datetime.datetime
    resolution_due: datetime.datetime
    accepted_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    close_reason: str
    reject_reason: str
    duplicate_of_id: int | None
    topic_id: int | None
    reopen_count: int
    rating: int | None
    rating_comment: str
    is_overdue: bool

    @staticmethod
    def resolve_category_code(obj):
        return obj["category_code"] if isinstance(obj, dict) else obj.category.code

    @staticmethod
    def resolve_category(obj):
        return obj["category"] if isinstance(obj, dict) else obj.category.name


class CaseDetailOut(CaseOut):
    resolution_note: str
    extra: dict
    allowed_actions: list[str]
    transitions: list[TransitionOut]


class TransitionIn(Schema):
    action: str
    note: str = ""
    tier: str | None = None
    reason: str | None = None
    duplicate_of: int | None = None
    grid: int | None = None
    assignee: int | None = None
    partners: list[int] = Field(default_factory=list)


class RatingIn(Schema):
    stars: int
    comment: str = ""


def _detail(case: Case) -> dict:
    out = CaseOut.from_orm(case).dict()
    out.update(
        category_code=case.category.code,
        category=case.category.name,
        resolution_note=case.resolution_note,
        extra=case.extra,
        allowed_actions=services.allowed_actions(case),
        transitions=[TransitionOut.from_orm(t).dict() for t in case.transitions.all()],
    )
    return out


def _get(request, case_id: int) -> Case:
    try:
        return selectors.case_get(user=request.user, pk=case_id)
    except Case.DoesNotExist as exc:
        raise HttpError(404, _("Not found.")) from exc


@router.get("", response=list[CaseOut], summary="List cases (staff: their area; residents: their own)")
@paginate(PagePagination)
def case_list(request, status: str | None = None, open: bool = False, overdue: bool = False):  # noqa: A002
    if request.user.has_perm("cases.view_queue"):
        return selectors.case_queue(
            user=request.user,
            status=status if status in Case.Status.values else None,
            open_only=open,
            overdue=overdue,
        )
    qs = selectors.my_cases(user=request.user)
    return qs.filter(status=status) if status in Case.Status.values else qs


@router.post("", response={201: CreatedOut}, summary="Report a case")
def case_create(request, payload: CaseIn):
    wait = hit("cases.api_create:user", str(request.user.pk), limit=30, window=600)
    if wait:
        raise HttpError(
            429, _("Too many requests. Please wait %(seconds)s seconds and try again.") % {"seconds": wait}
        )
    category = Category.objects.filter(code=payload.category_code or "", is_active=True).first()
    if payload.category_code and category is None:
        raise ApplicationError(_("Unknown category."), field="category_code")
    org_unit = None
    if payload.org_unit is not None:
        org_unit = OrgUnit.objects.filter(
            pk=payload.org_unit, kind__in=[OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY], is_active=True
        ).first()
        if org_unit is None:
            raise ApplicationError(_("Unknown grid or community."), field="org_unit")
    if payload.lat is not None or payload.long is not None:
        location_kind = Case.LocationKind.POINT
    elif payload.address:
        location_kind = Case.LocationKind.ADDRESS
    else:
        location_kind = Case.LocationKind.NONE
    case = services.case_create(
        actor=request.user,
        channel=Case.Channel.API,
        category=category,
        description=payload.description,
        org_unit=org_unit,
        reporter=request.user,
        anonymous=payload.anonymous,
        location_kind=location_kind,
        address=payload.address,
        lat=payload.lat,
        long=payload.long,
        extra=payload.extra,
    )
    return Status(201, {"id": case.pk, "tracking_code": case.tracking_code, "status": case.status})


@router.get(
    "/metrics", summary="The rates, overall and per grid, community, category, handling unit and month"
)
def case_metrics(request, org_unit: int | None = None, month: str | None = None):
    if not request.user.has_perm("cases.view_metrics"):
        raise PermissionDenied
    unit = None
    if org_unit is not None:
        unit = get_object_or_404(visible_units(request.user, READER_ROLES), pk=org_unit)
    day = None
    if month:
        try:
            day = datetime.datetime.strptime(month, "%Y-%m").date()
        except ValueError as exc:
            raise ApplicationError(_("Give the month as YYYY-MM."), field="month") from exc
    return selectors.metrics(user=request.user, org_unit=unit, month=day)


@router.get("/{int:case_id}", response=CaseDetailOut, summary="One case with its timeline")
def case_detail(request, case_id: int):
    return _detail(_get(request, case_id))


@router.post(
    "/{int:case_id}/transitions", response=CaseDetailOut, summary="Apply an action of the state machine"
)
def case_transition(request, case_id: int, payload: TransitionIn):
    case = _get(request, case_id)
    user = request.user
    params = {}
    if payload.action == "dispute":
        if case.reporter_id != user.pk:
            raise PermissionDenied
    elif payload.action == "report_part":
        if not user.has_perm("cases.report_part", case):
            raise PermissionDenied
    else:
        if not user.has_perm("cases.handle_case", case):
            raise PermissionDenied
        if payload.tier:
            params["tier"] = payload.tier
        if payload.reason:
            params["reason"] = payload.reason
        if payload.duplicate_of:
            params["duplicate_of"] = Case.objects.filter(
                pk=payload.duplicate_of, community=case.community
            ).first()
        if payload.grid:
            params["grid"] = OrgUnit.objects.filter(pk=payload.grid, parent=case.community).first()
        if payload.assignee:
            params["assignee"] = User.objects.filter(pk=payload.assignee).first()
        if payload.partners:
            params["partners"] = list(
                PartnerUnit.objects.filter(Q(pk__in=payload.partners), org_unit=case.community)
            )
    services.case_transition(actor=user, case=case, action=payload.action, note=payload.note, **params)
    return _detail(_get(request, case_id))


@router.post("/{int:case_id}/rating", response=CaseDetailOut, summary="The reporter confirms and rates (1-5)")
def case_rating(request, case_id: int, payload: RatingIn):
    case = _get(request, case_id)
    services.case_rate(actor=request.user, case=case, stars=payload.stars, comment=payload.comment)
    return _detail(_get(request, case_id))
