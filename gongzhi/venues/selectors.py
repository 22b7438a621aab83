import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import READER_ROLES
from gongzhi.accounts.scoping import community_scope_q, scope_q
from gongzhi.core import calendar

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


def closed_days(*, user, since: datetime.date | None = None, horizon_days: int = 400) -> list[dict]:
    """Closed days ahead in the user's communities: public holidays from the work calendar (every
    room) and single rooms' closed days, by date."""
    from gongzhi.accounts.scoping import communities_of

    since = since or timezone.localdate()
    until = since + datetime.timedelta(days=horizon_days)
    rows = [
        {"date": c.date, "room": c.room, "note": c.note, "holiday": False, "community": c.org_unit}
        for c in ClosedDay.objects.filter(scope_q(user, READER_ROLES), date__gte=since, date__lte=until)
        .select_related("room", "org_unit")
        .order_by("date")
    ]
    for community in communities_of(user, READER_ROLES):
        rows += [
            {"date": d, "room": None, "note": note, "holiday": True, "community": community}
            for d, note in calendar.holidays(community, since, until).items()
        ]
    return sorted(rows, key=lambda r: (r["date"], r["room"] is not None))


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
    At most five queries whatever the week holds (hours are prefetched by room_list; public
    holidays come from the community's work calendar)."""
    now = now or timezone.now()
    hours = {h.weekday: h for h in room.opening_hours.all()}
    days = [monday + datetime.timedelta(days=i) for i in range(7)]
    start = timezone.make_aware(datetime.datetime.combine(days[0], datetime.time(0)))
    end = start + datetime.timedelta(days=7)
    closed = {
        d: note or _("public holiday")
        for d, note in calendar.holidays(room.org_unit, days[0], days[-1]).items()
    }
    closed.update({c.date: c.note for c in ClosedDay.objects.filter(room=room, date__in=days)})
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
