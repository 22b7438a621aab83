"""Assistance API: programmes and standards (read), applications and their transitions, enrolments,
batches and their transitions, care reports. Every list is scoped; an object outside it is a 404."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.accounts.scoping import visible_units
from gongzhi.api.pagination import PagePagination
from gongzhi.core import audit
from gongzhi.core.errors import ApplicationError
from gongzhi.registry.models import Resident

from . import selectors, services
from .models import Programme
from .rules import FILE_ROLES

router = Router(tags=["assistance"])


def _require_files(request):
    if not request.user.has_perm("assistance.view_files"):
        raise PermissionDenied


class ProgrammeOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    target: str
    formula: str
    area: str
    report_group: str
    eligibility: dict
    eligibility_text: str


class StandardOut(Schema):
    id: int
    programme: str = Field(..., alias="programme.code")
    org_unit_id: int
    band: str
    age_min: int | None
    age_max: int | None
    valid_from: datetime.date
    amount: Decimal
    minimum: Decimal
    supplement_elderly_pct: Decimal
    supplement_disabled_pct: Decimal
    supplement_ill_pct: Decimal


class StepOut(Schema):
    action: str
    from_state: str
    to_state: str
    at: datetime.datetime
    note: str


class ApplicationOut(Schema):
    id: int
    programme: str = Field(..., alias="programme.code")
    household_id: int
    beneficiary_id: int | None
    org_unit_id: int
    state: str
    household_size: int | None
    monthly_income: Decimal | None
    proposed_amount: Decimal | None
    notice_start: datetime.date | None
    notice_end: datetime.date | None
    refusal_reason: str
    enrol_from: datetime.date | None
    submitted_at: datetime.datetime


class ApplicationIn(Schema):
    household_id: int
    programme: str
    beneficiary_id: int | None = None
    reason: str = ""
    documents: str = ""
    one_off_amount: Decimal | None = None
    override_reason: str = ""


class TransitionIn(Schema):
    action: str
    note: str = ""
    data: dict = {}


class EnrolmentOut(Schema):
    id: int
    programme: str = Field(..., alias="programme.code")
    household_id: int
    beneficiary_id: int | None
    org_unit_id: int
    status: str
    start_date: datetime.date
    end_date: datetime.date | None
    household_size: int
    household_class: str
    next_review_due: datetime.date | None
    phase_out_until: datetime.date | None
    masked_account: str


class BatchOut(Schema):
    id: int
    programme: str = Field(..., alias="programme.code")
    org_unit_id: int
    month: datetime.date
    state: str
    total: Decimal
    line_count: int


class BatchIn(Schema):
    programme: str
    org_unit_id: int
    month: datetime.date


class BatchTransitionIn(Schema):
    action: str
    note: str = ""
    results: dict[int, str] = Field(default_factory=dict, description="reconcile: {line_id: 'paid'|'failed'}")
    reasons: dict[int, str] = Field(default_factory=dict)


class ReportQuery(Schema):
    org_unit: int
    date_from: datetime.date = Field(..., alias="from")
    date_to: datetime.date = Field(..., alias="to")


class ReportRow(Schema):
    label: str
    households: int
    persons: int
    amount: Decimal
    text: str


class ReportOut(Schema):
    org_unit_id: int
    date_from: datetime.date
    date_to: datetime.date
    groups: list[ReportRow]
    programmes: list[ReportRow]
    total: Decimal


@router.get("/programmes", response=list[ProgrammeOut], summary="Programmes and their eligibility conditions")
@paginate(PagePagination)
def programmes(request):
    _require_files(request)
    return selectors.programme_list()


@router.get("/standards", response=list[StandardOut], summary="Dated standards per region")
@paginate(PagePagination)
def standards(request, programme: str = ""):
    _require_files(request)
    qs = selectors.standard_list()
    return qs.filter(programme__code=programme) if programme else qs


@router.get("/applications", response=list[ApplicationOut], summary="Applications in your scope")
@paginate(PagePagination)
def applications(request, state: str = "", programme: str = ""):
    _require_files(request)
    return selectors.application_list(user=request.user, state=state, programme=programme)


@router.post("/applications", response={201: ApplicationOut}, summary="Submit an application")
def application_create(request, payload: ApplicationIn):
    household = get_object_or_404(selectors.household_options(user=request.user), pk=payload.household_id)
    programme = get_object_or_404(Programme, code=payload.programme, is_active=True)
    beneficiary = None
    if payload.beneficiary_id:
        beneficiary = Resident.objects.filter(pk=payload.beneficiary_id, household=household).first()
        if beneficiary is None:
            raise ApplicationError(
                _("The person must be a living member of the household."), field="beneficiary_id"
            )
    app = services.application_submit(
        actor=request.user,
        household=household,
        programme=programme,
        beneficiary=beneficiary,
        reason=payload.reason,
        documents=payload.documents,
        one_off_amount=payload.one_off_amount,
        override_reason=payload.override_reason,
    )
    return Status(201, app)


@router.get("/applications/{pk}", response=ApplicationOut, summary="One application")
def application_detail(request, pk: int):
    _require_files(request)
    app = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
    audit.record_access(actor=request.user, obj=app, what="assistance.application")
    return app


@router.post("/applications/{pk}/transitions", response=ApplicationOut, summary="Move an application a step")
def application_transition(request, pk: int, payload: TransitionIn):
    _require_files(request)
    app = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
    data = {k: v for k, v in payload.data.items() if k not in ("actor", "application", "action", "note")}
    return services.application_transition(
        actor=request.user, application=app, action=payload.action, note=payload.note, **data
    )


@router.get("/enrolments", response=list[EnrolmentOut], summary="Enrolments in your scope")
@paginate(PagePagination)
def enrolments(request, status: str = "", programme: str = ""):
    _require_files(request)
    return selectors.enrolment_list(user=request.user, status=status, programme=programme)


@router.get("/batches", response=list[BatchOut], summary="Monthly disbursement batches")
@paginate(PagePagination)
def batches(request, programme: str = "", state: str = ""):
    _require_files(request)
    return selectors.batch_list(user=request.user, programme=programme, state=state)


@router.post("/batches", response={201: BatchOut}, summary="Create and compute a draft batch")
def batch_create(request, payload: BatchIn):
    _require_files(request)
    community = get_object_or_404(visible_units(request.user, FILE_ROLES), pk=payload.org_unit_id)
    programme = get_object_or_404(Programme, code=payload.programme, is_active=True)
    batch = services.batch_create(
        actor=request.user, programme=programme, community=community, month=payload.month
    )
    return Status(201, batch)


@router.post(
    "/batches/{pk}/transitions", response=BatchOut, summary="check, approve, pay or reconcile a batch"
)
def batch_transition(request, pk: int, payload: BatchTransitionIn):
    _require_files(request)
    batch = get_object_or_404(selectors.batch_list(user=request.user), pk=pk)
    if payload.action == "reconcile":
        results = {k: (v, payload.reasons.get(k, "")) for k, v in payload.results.items()}
        return services.batch_reconcile(actor=request.user, batch=batch, results=results)
    if payload.action == "compute":
        return services.batch_compute(actor=request.user, batch=batch)
    return services.batch_transition(
        actor=request.user, batch=batch, action=payload.action, note=payload.note
    )


@router.get("/reports", response=ReportOut, summary="Care report: households / people / yuan per programme")
def reports(request, params: Query[ReportQuery]):
    _require_files(request)
    date_from, date_to = params.date_from, params.date_to
    unit = get_object_or_404(visible_units(request.user, FILE_ROLES), pk=params.org_unit)
    if date_to < date_from:
        raise ApplicationError(_("The period ends before it starts."), field="to")
    report = selectors.care_report(user=request.user, org_unit=unit, date_from=date_from, date_to=date_to)
    return {**report, "org_unit_id": unit.pk}
