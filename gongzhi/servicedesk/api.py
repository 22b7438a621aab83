"""The service desk API: catalogue, slots and appointments, queue tickets, service records, proofs
(issue, verify) and ratings. Objects outside the caller's scope answer 404."""

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.api.pagination import PagePagination
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import GridStation, OrgUnit, PartnerUnit
from gongzhi.core.ratelimit import hit
from gongzhi.registry import selectors as registry_selectors

from . import selectors, services
from .models import Appointment, QueueTicket, Rating, ServiceItem, ServiceRecord

router = Router(tags=["servicedesk"])


def _require(request, perm, obj=None):
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _resident(request, pk):
    if pk is None:
        return None
    resident = registry_selectors.resident_list(user=request.user).filter(pk=pk).first()
    if resident is None:
        raise ApplicationError(_("Choose a resident from the registry."), field="resident_id")
    return resident


# --- schemas -------------------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    org_unit_id: int
    code: str
    name: str
    name_bo: str
    name_en: str
    title: str
    category: str
    materials: list[str]
    handling: str
    forward_to: str
    time_limit_days: int
    fee: str
    fee_note: str

    @staticmethod
    def resolve_materials(obj):
        return obj.material_lines

    @staticmethod
    def resolve_forward_to(obj):
        return obj.forward_target

    @staticmethod
    def resolve_fee(obj):
        return str(obj.fee)


class SlotOut(Schema):
    start: datetime.time
    end: datetime.time
    free: int


class AppointmentIn(Schema):
    item_id: int
    date: datetime.date
    slot_start: datetime.time
    resident_id: int | None = None


class AppointmentOut(Schema):
    id: int
    item_id: int
    counter_number: int
    date: datetime.date
    slot_start: datetime.time
    status: str

    @staticmethod
    def resolve_counter_number(obj):
        return obj.counter.number


class TicketIn(Schema):
    item_id: int
    resident_id: int | None = None
    phone: str = ""
    source: str = QueueTicket.Source.STAFF


class TicketOut(Schema):
    id: int
    code: str
    day: datetime.date
    item_id: int
    status: str
    source: str
    counter_number: int | None
    issued_at: datetime.datetime
    called_at: datetime.datetime | None

    @staticmethod
    def resolve_counter_number(obj):
        return obj.counter.number if obj.counter_id else None


class RecordIn(Schema):
    item_id: int
    channel: str = ServiceRecord.Channel.COUNTER
    started_at: datetime.datetime
    ended_at: datetime.datetime
    outcome: str
    resident_id: int | None = None
    visitor_name: str = ""
    station_id: int | None = None
    ticket_id: int | None = None
    missing_materials: str = ""
    refusal_reason: str = ""
    notes: str = ""
    forward_partner_id: int | None = None
    forward_unit_id: int | None = None


class RecordOut(Schema):
    id: int
    item_id: int
    resident_id: int | None
    visitor_name: str
    channel: str
    started_at: datetime.datetime
    ended_at: datetime.datetime
    waiting_seconds: int | None
    outcome: str
    missing_materials: str
    refusal_reason: str
    forward_to: str
    forward_status: str
    forward_due_at: datetime.datetime | None
    forward_result: str
    rating: str | None

    @staticmethod
    def resolve_forward_to(obj):
        return obj.forward_target

    @staticmethod
    def resolve_rating(obj):
        rating = getattr(obj, "rating", None) if hasattr(obj, "rating") else None
        return rating.level if rating else None


class ResultIn(Schema):
    result: str


class ProofIn(Schema):
    template_id: int
    resident_id: int
    purpose: str = ""


class ProofOut(Schema):
    id: int
    number: str
    title: str
    body: str
    verification_code: str
    issued_at: datetime.datetime
    revoked_at: datetime.datetime | None
    revoke_reason: str


class RevokeIn(Schema):
    reason: str


class VerifyOut(Schema):
    valid: bool
    number: str
    title: str
    issued_by: str
    issued_on: datetime.date
    holder: str
    revoked_on: datetime.date | None


class RatingIn(Schema):
    level: str
    reason: str = ""
    record_id: int | None = None
    token: str | None = None


class RatingOut(Schema):
    id: int
    record_id: int
    level: str
    reason: str
    via: str
    callback_status: str
    created_at: datetime.datetime


# --- catalogue -----------------------------------------------------------------------------------


@router.get(
    "/catalogue", response=list[ItemOut], auth=None, summary="A community's service catalogue (public)"
)
@paginate(PagePagination)
def list_catalogue(request, community_id: int, category: str | None = None, q: str = ""):
    community = get_object_or_404(OrgUnit, pk=community_id, kind=OrgUnit.Kind.COMMUNITY, is_active=True)
    return selectors.catalogue(community=community, category=category, q=q[:50])


@router.get("/catalogue/{item_id}", response=ItemOut, auth=None)
def get_item(request, item_id: int):
    return get_object_or_404(
        ServiceItem.objects.select_related("forward_partner", "forward_unit"), pk=item_id, is_active=True
    )


@router.get("/catalogue/{item_id}/slots", response=list[SlotOut], auth=None, summary="Free places per slot")
def list_slots(request, item_id: int, date: datetime.date):
    item = get_object_or_404(ServiceItem, pk=item_id, is_active=True)
    return selectors.slot_availability(item=item, date=date)


# --- appointments --------------------------------------------------------------------------------


@router.get(
    "/appointments", response=list[AppointmentOut], summary="My appointments, or the centre's for staff"
)
@paginate(PagePagination)
def list_appointments(request, date: datetime.date | None = None):
    if request.user.has_perm("servicedesk.serve"):
        return selectors.appointment_list(user=request.user, day=date)
    resident = registry_selectors.resident_of_user(request.user)
    if resident is None:
        return Appointment.objects.none()
    qs = selectors.appointments_of_resident(resident)
    return qs.filter(date=date) if date else qs


@router.post("/appointments", response={201: AppointmentOut})
def create_appointment(request, payload: AppointmentIn):
    item = get_object_or_404(ServiceItem, pk=payload.item_id)
    if payload.resident_id is not None:
        _require(request, "servicedesk.serve", item)
        resident = _resident(request, payload.resident_id)
    else:
        _require(request, "servicedesk.book_appointment")
        resident = registry_selectors.resident_of_user(request.user)
        if resident is None:
            raise PermissionDenied
    appointment = services.appointment_book(
        actor=request.user, resident=resident, item=item, date=payload.date, slot_start=payload.slot_start
    )
    return Status(201, appointment)


def _appointment_for(request, pk) -> Appointment:
    resident = registry_selectors.resident_of_user(request.user)
    qs = Appointment.objects.select_related("counter", "item")
    if resident is not None and qs.filter(pk=pk, resident=resident).exists():
        return qs.get(pk=pk)
    return get_object_or_404(selectors.appointment_list(user=request.user), pk=pk)


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut)
def cancel_appointment(request, appointment_id: int):
    return services.appointment_cancel(
        actor=request.user, appointment=_appointment_for(request, appointment_id)
    )


@router.post("/appointments/{appointment_id}/check-in", response={201: TicketOut})
def check_in(request, appointment_id: int):
    _require(request, "servicedesk.serve")
    appointment = get_object_or_404(selectors.appointment_list(user=request.user), pk=appointment_id)
    return Status(201, services.appointment_check_in(actor=request.user, appointment=appointment))


# --- queue tickets -------------------------------------------------------------------------------


@router.get("/tickets", response=list[TicketOut], summary="Today's queue of a community")
@paginate(PagePagination)
def list_tickets(request, community_id: int, status: str | None = None):
    _require(request, "servicedesk.serve")
    community = selectors.staff_communities(request.user).filter(pk=community_id).first()
    if community is None:
        raise Http404
    qs = selectors.tickets_today(community=community).order_by("number")
    return qs.filter(status=status) if status else qs


@router.post(
    "/tickets",
    response={201: TicketOut},
    summary="Take a queue number",
    description=(
        "Staff (and the kiosk) issue a number, anonymous or linked to a resident by `resident_id` or by "
        "the mobile number registered in the registry (`phone`). A signed-in resident takes their own "
        "number for today (source `phone`); `resident_id` and `phone` are then ignored."
    ),
)
def create_ticket(request, payload: TicketIn):
    if not request.user.has_perm("servicedesk.serve"):
        resident = registry_selectors.resident_of_user(request.user)
        if resident is None:
            raise PermissionDenied
        item = (
            ServiceItem.objects.filter(pk=payload.item_id, is_active=True).select_related("org_unit").first()
        )
        if item is None or not item.org_unit.contains(resident.org_unit):
            raise Http404
        ticket = services.ticket_issue(
            actor=request.user, item=item, resident=resident, source=QueueTicket.Source.PHONE
        )
        return Status(201, ticket)
    item = get_object_or_404(selectors.item_list(user=request.user), pk=payload.item_id)
    if payload.source not in (QueueTicket.Source.STAFF, QueueTicket.Source.KIOSK):
        raise ApplicationError(_("Appointment numbers are given at check-in."), field="source")
    resident = _resident(request, payload.resident_id)
    if resident is None and payload.phone.strip():
        resident = registry_selectors.resident_by_phone(org_unit=item.org_unit, phone=payload.phone)
        if resident is None:
            raise ApplicationError(
                _("No resident of this community is registered with this mobile number."), field="phone"
            )
    ticket = services.ticket_issue(actor=request.user, item=item, resident=resident, source=payload.source)
    return Status(201, ticket)


@router.post("/counters/{counter_id}/call-next", response={200: TicketOut, 204: None})
def call_next(request, counter_id: int):
    _require(request, "servicedesk.serve")
    counter = get_object_or_404(selectors.counter_list(user=request.user), pk=counter_id)
    ticket = services.ticket_call_next(actor=request.user, counter=counter)
    return Status(200, ticket) if ticket else Status(204, None)


def _ticket(request, pk) -> QueueTicket:
    _require(request, "servicedesk.serve")
    communities = selectors.staff_communities(request.user)
    return get_object_or_404(
        QueueTicket.objects.filter(org_unit__in=communities).select_related("counter"), pk=pk
    )


@router.post("/tickets/{ticket_id}/recall", response=TicketOut)
def recall_ticket(request, ticket_id: int):
    return services.ticket_recall(actor=request.user, ticket=_ticket(request, ticket_id))


@router.post("/tickets/{ticket_id}/skip", response=TicketOut, summary="No-show: skip a called number")
def skip_ticket(request, ticket_id: int):
    return services.ticket_skip(actor=request.user, ticket=_ticket(request, ticket_id))


@router.post("/tickets/{ticket_id}/start", response=TicketOut)
def start_ticket(request, ticket_id: int):
    return services.ticket_start(actor=request.user, ticket=_ticket(request, ticket_id))


@router.post("/tickets/{ticket_id}/cancel", response=TicketOut)
def cancel_ticket(request, ticket_id: int):
    return services.ticket_cancel(actor=request.user, ticket=_ticket(request, ticket_id))


# --- service records -----------------------------------------------------------------------------


@router.get("/records", response=list[RecordOut])
@paginate(PagePagination)
def list_records(request, outcome: str | None = None, forward_status: str | None = None):
    _require(request, "servicedesk.view_records")
    qs = selectors.record_list(user=request.user)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if forward_status:
        qs = qs.filter(forward_status=forward_status)
    return qs


@router.get("/records/{record_id}", response=RecordOut)
def get_record(request, record_id: int):
    _require(request, "servicedesk.view_records")
    return get_object_or_404(selectors.record_list(user=request.user), pk=record_id)


@router.post("/records", response={201: RecordOut})
def create_record(request, payload: RecordIn):
    _require(request, "servicedesk.serve")
    communities = selectors.staff_communities(request.user)
    item = get_object_or_404(selectors.item_list(user=request.user), pk=payload.item_id)
    station = (
        get_object_or_404(GridStation, pk=payload.station_id, org_unit__parent__in=communities)
        if payload.station_id
        else None
    )
    ticket = (
        get_object_or_404(QueueTicket, pk=payload.ticket_id, org_unit__in=communities)
        if payload.ticket_id
        else None
    )
    partner = (
        get_object_or_404(PartnerUnit, pk=payload.forward_partner_id) if payload.forward_partner_id else None
    )
    if partner is not None and not item.org_unit.contains(partner.org_unit):
        raise Http404
    unit = get_object_or_404(OrgUnit, pk=payload.forward_unit_id) if payload.forward_unit_id else None
    record = services.record_create(
        actor=request.user,
        item=item,
        channel=payload.channel,
        started_at=payload.started_at,
        ended_at=payload.ended_at,
        outcome=payload.outcome,
        resident=_resident(request, payload.resident_id),
        visitor_name=payload.visitor_name,
        station=station,
        ticket=ticket,
        missing_materials=payload.missing_materials,
        refusal_reason=payload.refusal_reason,
        notes=payload.notes,
        forward_partner=partner,
        forward_unit=unit,
    )
    return Status(201, record)


@router.post("/records/{record_id}/forward-result", response=RecordOut, summary="The higher unit's result")
def forward_result(request, record_id: int, payload: ResultIn):
    record = get_object_or_404(selectors.record_list(user=request.user), pk=record_id)
    _require(request, "servicedesk.serve", record)
    return services.record_forward_result(actor=request.user, record=record, result=payload.result)


# --- proofs --------------------------------------------------------------------------------------


@router.get("/proofs", response=list[ProofOut])
@paginate(PagePagination)
def list_proofs(request):
    _require(request, "servicedesk.view_records")
    return selectors.proof_list(user=request.user)


@router.post("/proofs", response={201: ProofOut}, summary="Issue a proof from a template")
def issue_proof(request, payload: ProofIn):
    _require(request, "servicedesk.serve")
    template = get_object_or_404(selectors.template_list(user=request.user), pk=payload.template_id)
    resident = _resident(request, payload.resident_id)
    proof = services.proof_issue(
        actor=request.user, template=template, resident=resident, purpose=payload.purpose
    )
    return Status(201, proof)


@router.post("/proofs/{proof_id}/revoke", response=ProofOut)
def revoke_proof(request, proof_id: int, payload: RevokeIn):
    proof = get_object_or_404(selectors.proof_list(user=request.user), pk=proof_id)
    _require(request, "servicedesk.revoke_proof", proof)
    return services.proof_revoke(actor=request.user, proof=proof, reason=payload.reason)


@router.get(
    "/proofs/verify/{code}", response=VerifyOut, auth=None, summary="Check a verification code (public)"
)
def verify_proof(request, code: str):
    from gongzhi.core.ratelimit import client_ip, too_many

    wait = hit("servicedesk-verify:ip", client_ip(request) or "unknown", limit=30, window=60)
    if wait:
        return too_many(request, wait)
    proof = selectors.proof_verify(code)
    if proof is None:
        raise ApplicationError(_("No proof has this code."), code="not_found", status=404)
    return {
        "valid": proof.is_valid,
        "number": proof.number,
        "title": proof.title,
        "issued_by": proof.org_unit.name,
        "issued_on": proof.issued_at.date(),
        "holder": proof.holder_masked,
        "revoked_on": proof.revoked_at.date() if proof.revoked_at else None,
    }


# --- ratings -------------------------------------------------------------------------------------


@router.post(
    "/ratings", response={201: RatingOut}, auth=None, summary="Rate a service (own record, or receipt token)"
)
def rate(request, payload: RatingIn):
    if payload.token:
        record = get_object_or_404(ServiceRecord, rating_token=payload.token)
        via, user = Rating.Via.QR, None
    else:
        if not request.user.is_authenticated:
            raise ApplicationError(
                _("Sign in or use the code on your receipt."), code="unauthorized", status=401
            )
        record = get_object_or_404(ServiceRecord, pk=payload.record_id or 0)
        via, user = Rating.Via.APP, request.user
    rating = services.rating_submit(
        record=record, level=payload.level, reason=payload.reason, via=via, user=user
    )
    return Status(201, rating)


@router.get("/ratings/callbacks", response=list[RatingOut], summary="Dissatisfied ratings to call back")
@paginate(PagePagination)
def list_callbacks(request):
    _require(request, "servicedesk.call_back")
    return selectors.callback_list(user=request.user)
