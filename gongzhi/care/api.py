"""Care API: the roster, visits, capability assessments, service orders and health records.
Everything is scoped to the caller's area (another community's object is a 404); every read of a
health record is logged, and a refused one is logged as refused."""

import datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.api.pagination import PagePagination

from . import gbt42195, selectors, services
from .models import ServiceType

router = Router(tags=["care"])


def _require(request, perm, obj=None):
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _writable(request, pk):
    try:
        return selectors.writable_resident(user=request.user, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


class RosterOut(Schema):
    resident_id: int = Field(..., alias="pk")
    name: str
    grid_id: int = Field(..., alias="org_unit_id")
    risk_level: str
    risk_reason: str
    last_visit_on: datetime.date | None
    next_due_on: datetime.date | None
    overdue: bool
    tags: list[str]

    @staticmethod
    def resolve_risk_level(obj):
        p = getattr(obj, "care_profile", None)
        return p.risk_level if p else "medium"

    @staticmethod
    def resolve_risk_reason(obj):
        p = getattr(obj, "care_profile", None)
        return p.risk_reason if p else ""

    @staticmethod
    def resolve_last_visit_on(obj):
        p = getattr(obj, "care_profile", None)
        return p.last_visit_on if p else None

    @staticmethod
    def resolve_next_due_on(obj):
        p = getattr(obj, "care_profile", None)
        return p.next_due_on if p else None

    @staticmethod
    def resolve_overdue(obj, context):
        p = getattr(obj, "care_profile", None)
        return p is None or p.is_overdue(timezone.localdate())

    @staticmethod
    def resolve_tags(obj):
        return [t.code for t in obj.care_tags.all()]


class RiskIn(Schema):
    risk_level: str
    reason: str


class VisitIn(Schema):
    kind: str = "home"
    visited_on: datetime.date
    situation: str
    companions: str = ""
    needs: str = ""
    wellbeing: dict[str, bool] = Field(default_factory=dict)
    client_key: str = Field(
        "", description="Random key from the device; a resubmission returns the first visit."
    )
    case_category_id: int | None = None
    service_type: str = Field("", description="Code of a service type to order for the needs found.")


class VisitOut(Schema):
    id: int
    resident_id: int = Field(..., alias="profile.resident_id")
    kind: str
    visited_on: datetime.date
    visitor_id: int
    situation: str
    needs: str
    wellbeing: dict
    case_id: int | None


class AssessmentIn(Schema):
    assessed_on: datetime.date
    answers: dict[str, int] = Field(
        ..., description="The 26 item codes of GB/T 42195-2022 with their scores."
    )
    coma: bool = False
    dementia: bool = False
    risk_events_30d: int = 0
    note: str = ""


class AssessmentOut(Schema):
    id: int
    resident_id: int = Field(..., alias="profile.resident_id")
    assessed_on: datetime.date
    self_care: int
    mobility: int
    mental: int
    perception: int
    total: int
    preliminary_level: int
    level: int
    adjustments: list[str]
    next_due_on: datetime.date
    answers: dict


class ItemOut(Schema):
    dimension: str
    code: str
    label: str
    max_score: int


class OrderIn(Schema):
    resident_id: int
    service_type: str
    description: str = ""


class OrderStepIn(Schema):
    action: str
    note: str = ""
    partner_id: int | None = None
    volunteer_id: int | None = None
    scheduled_for: datetime.datetime | None = None
    done_note: str = ""
    confirmed_by: str = ""
    hours: Decimal | None = None
    rating: int | None = None
    comment: str = ""


class OrderOut(Schema):
    id: int
    resident_id: int = Field(..., alias="profile.resident_id")
    service_type: str = Field(..., alias="service_type.code")
    state: str
    description: str
    partner_id: int | None
    volunteer_id: int | None
    scheduled_for: datetime.datetime | None
    done_at: datetime.datetime | None
    done_note: str
    confirmed_by: str
    hours: Decimal | None
    points_awarded: int
    rating: int | None


class MeasurementOut(Schema):
    kind: str
    value: Decimal
    unit: str
    out_of_range: bool
    measured_on: datetime.date


class HealthRecordOut(Schema):
    id: int
    resident_id: int
    chronic_conditions: str
    medications: str
    allergies: str
    family_doctor: str
    family_doctor_phone: str
    measurements: list[MeasurementOut]

    @staticmethod
    def resolve_measurements(obj):
        return list(selectors.measurements_of(obj)[:100])


class HealthSummaryOut(Schema):
    id: int
    resident_id: int
    grid_id: int = Field(..., alias="org_unit_id")


class MeasurementsIn(Schema):
    measured_on: datetime.date
    values: dict[str, str] = Field(
        ..., description="systolic, diastolic, glucose_fasting, glucose_random, weight, height"
    )


@router.get(
    "/roster",
    response=list[RosterOut],
    summary="People with a care tag, overdue visits first",
    url_name="care_roster",
)
@paginate(PagePagination)
def roster(request, risk: str = "", overdue: bool = False):
    _require(request, "care.view_roster")
    return selectors.roster(user=request.user, risk=risk, overdue_only=overdue)


@router.post(
    "/roster/{resident_id}/risk",
    response=RosterOut,
    summary="Set a person's risk level with a reason",
    url_name="care_risk_set",
)
def risk_set(request, resident_id: int, payload: RiskIn):
    resident = _writable(request, resident_id)
    _require(request, "care.manage_profile", resident)
    services.profile_set_risk(
        actor=request.user, resident=resident, level=payload.risk_level, reason=payload.reason
    )
    return selectors.roster_resident(user=request.user, pk=resident.pk)


@router.get(
    "/visits", response=list[VisitOut], summary="Visits in your area, newest first", url_name="care_visits"
)
@paginate(PagePagination)
def visits(request, resident_id: int | None = None):
    _require(request, "care.view_roster")
    qs = selectors.visit_list(user=request.user)
    return qs.filter(profile__resident_id=resident_id) if resident_id else qs


@router.post(
    "/roster/{resident_id}/visits",
    response={201: VisitOut},
    summary="Record a visit",
    url_name="care_visit_create",
)
def visit_create(request, resident_id: int, payload: VisitIn):
    resident = _writable(request, resident_id)
    _require(request, "care.record_visit", resident)
    category = None
    if payload.case_category_id:
        from gongzhi.cases.selectors import categories_for

        category = get_object_or_404(
            categories_for(services.community_of(resident.org_unit)), pk=payload.case_category_id
        )
    service_type = None
    if payload.service_type:
        service_type = get_object_or_404(
            services.service_types_for(resident.org_unit), code=payload.service_type
        )
    visit = services.visit_record(
        actor=request.user,
        resident=resident,
        kind=payload.kind,
        visited_on=payload.visited_on,
        situation=payload.situation,
        companions=payload.companions,
        needs=payload.needs,
        wellbeing=payload.wellbeing,
        client_key=payload.client_key,
        case_category=category,
        order_service_type=service_type,
    )
    return Status(201, visit)


@router.get(
    "/assessment-items",
    response=list[ItemOut],
    summary="The 26 items of GB/T 42195-2022",
    url_name="care_assessment_items",
)
def assessment_items(request):
    _require(request, "care.view_roster")
    return [
        {"dimension": d.code, "code": i.code, "label": str(i.label), "max_score": i.max_score}
        for d in gbt42195.DIMENSIONS
        for i in d.items
    ]


@router.get(
    "/assessments",
    response=list[AssessmentOut],
    summary="Capability assessments in your area",
    url_name="care_assessments",
)
@paginate(PagePagination)
def assessments(request, resident_id: int | None = None):
    _require(request, "care.view_roster")
    qs = selectors.assessment_list(user=request.user)
    return qs.filter(profile__resident_id=resident_id) if resident_id else qs


@router.get(
    "/assessments/{assessment_id}",
    response=AssessmentOut,
    summary="One assessment",
    url_name="care_assessment",
)
def assessment(request, assessment_id: int):
    _require(request, "care.view_roster")
    return get_object_or_404(selectors.assessment_list(user=request.user), pk=assessment_id)


@router.post(
    "/roster/{resident_id}/assessments",
    response={201: AssessmentOut},
    summary="Record an assessment",
    url_name="care_assessment_create",
)
def assessment_create(request, resident_id: int, payload: AssessmentIn):
    resident = _writable(request, resident_id)
    _require(request, "care.assess", resident)
    a = services.assessment_record(
        actor=request.user,
        resident=resident,
        assessed_on=payload.assessed_on,
        answers=payload.answers,
        coma=payload.coma,
        dementia=payload.dementia,
        risk_events_30d=payload.risk_events_30d,
        note=payload.note,
    )
    return Status(201, a)


@router.get(
    "/orders",
    response=list[OrderOut],
    summary="Home-care service orders in your area",
    url_name="care_orders",
)
@paginate(PagePagination)
def orders(request, state: str = "", service: str = ""):
    _require(request, "care.view_orders")
    return selectors.order_list(user=request.user, state=state, service=service)


@router.get("/orders/{order_id}", response=OrderOut, summary="One service order", url_name="care_order")
def order(request, order_id: int):
    _require(request, "care.view_orders")
    return get_object_or_404(selectors.order_list(user=request.user), pk=order_id)


@router.post(
    "/orders",
    response={201: OrderOut},
    summary="Request a home-care service for a person",
    url_name="care_order_create",
)
def order_create(request, payload: OrderIn):
    resident = _writable(request, payload.resident_id)
    _require(request, "care.manage_order", resident)
    service_type = ServiceType.objects.filter(code=payload.service_type).first()
    order = services.order_create(
        actor=request.user, resident=resident, service_type=service_type, description=payload.description
    )
    return Status(201, order)


@router.post(
    "/orders/{order_id}/transition",
    response=OrderOut,
    summary="assign, schedule, complete, rate or cancel",
    url_name="care_order_transition",
)
def order_transition(request, order_id: int, payload: OrderStepIn):
    order = get_object_or_404(selectors.order_list(user=request.user), pk=order_id)
    _require(request, "care.manage_order", order)
    partner = volunteer = None
    if payload.partner_id:
        partner = get_object_or_404(services.partner_options(order.org_unit), pk=payload.partner_id)
    if payload.volunteer_id:
        volunteer = get_object_or_404(
            selectors.Volunteer.objects.filter(org_unit=services.community_of(order.org_unit)),
            pk=payload.volunteer_id,
        )
    return services.order_transition(
        actor=request.user,
        order=order,
        action=payload.action,
        note=payload.note,
        partner=partner,
        volunteer=volunteer,
        scheduled_for=payload.scheduled_for,
        done_note=payload.done_note,
        confirmed_by=payload.confirmed_by,
        hours=payload.hours,
        rating=payload.rating,
        comment=payload.comment,
    )


@router.get(
    "/health-records",
    response=list[HealthSummaryOut],
    summary="Health records in your area (health workers)",
    url_name="care_health_records",
)
@paginate(PagePagination)
def health_records(request):
    _require(request, "care.view_health_records")
    return selectors.health_record_list(user=request.user)


def _health(request, record_id):
    try:
        record = selectors.health_record_get(user=request.user, pk=record_id)
    except ObjectDoesNotExist:
        other = selectors.HealthRecord.objects.select_related("org_unit").filter(pk=record_id).first()
        if other is not None and request.user.has_perm("care.view_profile", other):
            selectors.log_refusal(user=request.user, obj=other, what="health_record")
            raise PermissionDenied from None
        raise Http404 from None
    selectors.log_access(user=request.user, obj=record, what="health_record")
    return record


@router.get(
    "/health-records/{record_id}",
    response=HealthRecordOut,
    summary="One health record (logged)",
    url_name="care_health_record",
)
def health_record(request, record_id: int):
    return _health(request, record_id)


@router.post(
    "/health-records/{record_id}/measurements",
    response={201: list[MeasurementOut]},
    summary="Add screening values",
    url_name="care_measurements_add",
)
def measurements_add(request, record_id: int, payload: MeasurementsIn):
    record = _health(request, record_id)
    _require(request, "care.manage_health_record", record)
    rows = services.measurements_add(
        actor=request.user, record=record, values=payload.values, measured_on=payload.measured_on
    )
    return Status(201, rows)
