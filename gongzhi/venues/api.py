"""`/api/v1/rooms` and `/api/v1/bookings` (API_PREFIX "/": the paths the issue names)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.accounts.roles import READER_ROLES
from gongzhi.accounts.scoping import scope_q
from gongzhi.api.pagination import PagePagination

from . import selectors, services
from .models import Booking

router = Router(tags=["venues"])
API_PREFIX = "/"


class OpeningHoursOut(Schema):
    weekday: int
    opens: str
    closes: str


class RoomOut(Schema):
    id: int
    org_unit_id: int
    name: str
    name_bo: str
    description: str
    location: str
    capacity: int
    equipment: list[str]
    photo_url: str | None
    requires_approval: bool
    bookable_by_residents: bool
    bookable_by_partners: bool
    bookable_by_staff: bool
    opening_hours: list[OpeningHoursOut]

    @staticmethod
    def resolve_equipment(obj):
        return obj.equipment_list()

    @staticmethod
    def resolve_photo_url(obj):
        return reverse("core:upload", args=[obj.photo_id]) if obj.photo_id else None

    @staticmethod
    def resolve_opening_hours(obj):
        return [
            {"weekday": h.weekday, "opens": h.opens.strftime("%H:%M"), "closes": h.closes.strftime("%H:%M")}
            for h in obj.opening_hours.all()
        ]


class BookingIn(Schema):
    room_id: int
    start: datetime
    end: datetime
    purpose: str
    headcount: int


class BookingOut(Schema):
    id: int
    room_id: int
    start: datetime
    end: datetime
    purpose: str
    headcount: int
    status: str
    booker_kind: str
    partner_unit_id: int | None
    series: str | None
    created_at: datetime

    @staticmethod
    def resolve_series(obj):
        return str(obj.series) if obj.series else None


class ReasonIn(Schema):
    reason: str = ""


@router.get("/rooms", response=list[RoomOut], summary="Function rooms the user may see")
@paginate(PagePagination)
def rooms(request):
    if not request.user.has_perm("venues.view_rooms"):
        raise PermissionDenied
    return selectors.room_list(user=request.user)


@router.get(
    "/bookings", response=list[BookingOut], summary="The user's bookings, and for staff those they oversee"
)
@paginate(PagePagination)
def bookings(request, status: str | None = None, room_id: int | None = None):
    qs = Booking.objects.filter(Q(booked_by=request.user) | scope_q(request.user, READER_ROLES))
    if status:
        qs = qs.filter(status=status)
    if room_id:
        qs = qs.filter(room_id=room_id)
    return qs.order_by("start", "id")


@router.post(
    "/bookings",
    response={201: BookingOut},
    summary='Book a room; 409 {"code": "slot_taken" | "outside_opening_hours" | "over_capacity" | "closed_day"}',
)
def booking_create(request, payload: BookingIn):
    if not request.user.has_perm("venues.book_rooms"):
        raise PermissionDenied
    room = selectors.room_get(user=request.user, pk=payload.room_id)
    if room is None:
        raise Http404
    booking = services.booking_create(
        actor=request.user,
        room=room,
        start=payload.start,
        end=payload.end,
        purpose=payload.purpose,
        headcount=payload.headcount,
    )
    return Status(201, booking)


def _booking(request, pk) -> Booking:
    booking = selectors.visible_booking(user=request.user, pk=pk)
    if booking is None:
        raise Http404
    return booking


@router.post("/bookings/{booking_id}/approve", response=BookingOut)
def booking_approve(request, booking_id: int):
    return services.booking_approve(actor=request.user, booking=_booking(request, booking_id))


@router.post("/bookings/{booking_id}/reject", response=BookingOut)
def booking_reject(request, booking_id: int, payload: ReasonIn):
    return services.booking_reject(
        actor=request.user, booking=_booking(request, booking_id), reason=payload.reason
    )


@router.post("/bookings/{booking_id}/cancel", response=BookingOut)
def booking_cancel(request, booking_id: int, payload: ReasonIn):
    return services.booking_cancel(
        actor=request.user, booking=_booking(request, booking_id), reason=payload.reason
    )


@router.post("/bookings/{booking_id}/no-show", response=BookingOut)
def booking_no_show(request, booking_id: int):
    return services.booking_mark_no_show(actor=request.user, booking=_booking(request, booking_id))
