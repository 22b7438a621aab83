import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from gongzhi.accounts.roles import READER_ROLES
from gongzhi.accounts.scoping import community_scope_q, scope_q

from .models import Booking, ClosedDay, OpeningHours, Room
from .rules import VIEWERS


def room_list(*, user, include_inactive: bool = False) -> QuerySet:
    qs = Room.objects.filter(community_scope_q(user, VIEWERS)).select_related("org_unit", "photo")
    qs = qs.prefetch_related(Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday")))
    return qs if include_inactive else qs.filter(is_active=True)


def room_get(*, user, pk) -> Room | None:
    return room_list(user=user, include_inactive=True).filter(pk=pk).first()


def booking_list(*, user, status: str | None = None, room_id=None, upcoming: bool = False) -> QuerySet:
    qs = Booking.objects.filter(scope_q(user, READER_ROLES)).select_related(
        "room", "booked_by", "partner_unit", "org_unit"
    )
    if status:
        qs = qs.filter(status=status)
    if room_id:
        qs = qs.filter(room_id=room_id)
    if upcoming:
        qs = qs.filter(end__gte=timezone.now())
    return qs.order_by("start", "id")


def my_bookings(*, user) -> QuerySet:
    return (
        Booking.objects.filter(booked_by=user)
        .select_related("room", "partner_unit")
        .order_by("-start", "-id")
    )


def visible_booking(*, user, pk) -> Booking | None:
    """A booking the user made, or one in their reading scope."""
    return (
        Booking.objects.filter(Q(booked_by=user) | scope_q(user, READER_ROLES), pk=pk)
        .select_related("room", "room__org_unit", "booked_by", "org_unit")
        .first()
    )


def closed_days(*, user, since: datetime.date | None = None) -> QuerySet:
    qs = ClosedDay.objects.filter(scope_q(user, READER_ROLES)).select_related("room", "org_unit")
    if since:
        qs = qs.filter(date__gte=since)
    return qs.order_by("date")


@dataclass
class Slot:
    start: datetime.datetime
    end: datetime.datetime
    state: str  # free | taken | pending | past | closed
    booking: Booking | None = None


@dataclass
class Day:
    date: datetime.date
    hours: OpeningHours | None
    closed_note: str
    slots: list


def week_grid(room: Room, monday: datetime.date, *, slot_minutes: int = 60, now=None) -> list[Day]:
    """The week's days with hourly slots inside the opening hours: free, taken, pending, past or closed.
    Three queries whatever the week holds (hours are prefetched by room_list)."""
    now = now or timezone.now()
    hours = {h.weekday: h for h in room.opening_hours.all()}
    days = [monday + datetime.timedelta(days=i) for i in range(7)]
    start = timezone.make_aware(datetime.datetime.combine(days[0], datetime.time(0)))
    end = start + datetime.timedelta(days=7)
    closed = {
        c.date: c.note
        for c in ClosedDay.objects.filter(
            Q(room=room) | Q(room__isnull=True, org_unit_id=room.org_unit_id), date__in=days
        )
    }
    bookings = list(
        Booking.objects.filter(room=room, status__in=Booking.HOLDING, start__lt=end, end__gt=start).order_by(
            "start"
        )
    )
    out = []
    for day in days:
        h = hours.get(day.isoweekday())
        slots = []
        if h and day not in closed:
            cursor = timezone.make_aware(datetime.datetime.combine(day, h.opens))
            close = timezone.make_aware(datetime.datetime.combine(day, h.closes))
            while cursor < close:
                nxt = min(cursor + datetime.timedelta(minutes=slot_minutes), close)
                hit = next((b for b in bookings if b.start < nxt and b.end > cursor), None)
                if hit is not None:
                    state = "pending" if hit.status == Booking.Status.PENDING else "taken"
                elif cursor < now:
                    state = "past"
                else:
                    state = "free"
                slots.append(Slot(cursor, nxt, state, hit))
                cursor = nxt
        out.append(Day(day, h, closed.get(day, ""), slots))
    return out


def pending_count(*, user) -> int:
    return Booking.objects.filter(scope_q(user, READER_ROLES), status=Booking.Status.PENDING).count()
