"""Writes of the venues app: rooms, opening hours, closed days and the booking state machine.

pending ──approve──▶ confirmed ──cancel──▶ cancelled
   │                    └──mark_no_show──▶ no_show
   ├──reject──▶ rejected
   └──cancel──▶ cancelled

Pending and confirmed bookings hold their slot. Two of them never overlap in one room: the check in
`booking_create` runs inside an IMMEDIATE transaction on SQLite (writers queue, so check-then-insert
is atomic); on PostgreSQL the exclusion constraint `booking_no_overlap` refuses the loser of a race.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import WORKER_ROLES, Role
from gongzhi.accounts.scoping import reaches
from gongzhi.core import audit, calendar
from gongzhi.core import services as core_services
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import OrgUnit

from .models import Booking, BookingEvent, ClosedDay, OpeningHours, Room

STAFF_ROLES = WORKER_ROLES
MANAGER_ROLES = (Role.COMMUNITY_STAFF, Role.SECRETARY)
MAX_WEEKS = 26


# --- rooms -------------------------------------------------------------------------------------


@transaction.atomic
def room_create(
    *,
    actor,
    org_unit: OrgUnit,
    name: str,
    capacity: int,
    name_bo: str = "",
    description: str = "",
    location: str = "",
    equipment: str = "",
    requires_approval: bool = False,
    bookable_by_residents: bool = True,
    bookable_by_partners: bool = True,
    bookable_by_staff: bool = True,
    photo=None,
    hours: dict | None = None,
) -> Room:
    """`hours` maps ISO weekday → (opens, closes); the default is Monday–Saturday 9:30–18:30."""
    if org_unit.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("Rooms belong to a community."), field="org_unit")
    if capacity < 1:
        raise ApplicationError(_("The capacity must be at least 1."), field="capacity")
    if Room.objects.filter(org_unit=org_unit, name=name.strip()).exists():
        raise ConflictError(
            _("This community already has a room with this name."), code="duplicate", field="name"
        )
    room = Room.objects.create(
        org_unit=org_unit,
        name=name.strip(),
        name_bo=name_bo.strip(),
        description=description,
        location=location,
        capacity=capacity,
        equipment=equipment,
        requires_approval=requires_approval,
        bookable_by_residents=bookable_by_residents,
        bookable_by_partners=bookable_by_partners,
        bookable_by_staff=bookable_by_staff,
        photo=photo,
    )
    if hours is None:
        hours = {d: (datetime.time(9, 30), datetime.time(18, 30)) for d in range(1, 7)}
    _set_hours(room, hours)
    audit.record(actor=actor, action="room.create", obj=room)
    return room


def _set_hours(room: Room, hours: dict) -> None:
    room.opening_hours.all().delete()
    rows = []
    for weekday, (opens, closes) in sorted(hours.items()):
        if not (1 <= int(weekday) <= 7):
            raise ApplicationError(_("A weekday is a number from 1 (Monday) to 7 (Sunday)."), field="hours")
        if opens >= closes:
            raise ApplicationError(_("A room must open before it closes."), field="hours")
        rows.append(
            OpeningHours(
                room=room, org_unit_id=room.org_unit_id, weekday=int(weekday), opens=opens, closes=closes
            )
        )
    OpeningHours.objects.bulk_create(rows)


@transaction.atomic
def room_update(*, actor, room: Room, hours: dict | None = None, **fields) -> Room:
    allowed = {
        "name",
        "name_bo",
        "description",
        "location",
        "capacity",
        "equipment",
        "requires_approval",
        "bookable_by_residents",
        "bookable_by_partners",
        "bookable_by_staff",
        "is_active",
        "photo",
    }
    for key, value in fields.items():
        if key not in allowed:
            raise ValueError(key)
        setattr(room, key, value)
    if room.capacity < 1:
        raise ApplicationError(_("The capacity must be at least 1."), field="capacity")
    room.save()
    if hours is not None:
        _set_hours(room, hours)
    audit.record(actor=actor, action="room.update", obj=room, detail={"fields": sorted(fields)})
    return room


@transaction.atomic
def closedday_create(
    *, actor, org_unit: OrgUnit, date: datetime.date, note: str = "", room: Room | None = None
):
    """Close one room for a day, or (room None) mark a public holiday in the community's work
    calendar, which closes every room and also counts for deadlines and the service desk."""
    if room is None:
        if date in calendar.holidays(org_unit, date, date):
            raise ConflictError(_("This day is already closed."), code="duplicate", field="date")
        return core_services.calendar_day_set(
            actor=actor, org_unit=org_unit, date=date, is_working=False, note=note
        )
    if room.org_unit_id != org_unit.pk:
        raise ApplicationError(_("The room is in another community."), field="room")
    if ClosedDay.objects.filter(room=room, date=date).exists():
        raise ConflictError(_("This day is already closed."), code="duplicate", field="date")
    day = ClosedDay.objects.create(org_unit=org_unit, date=date, note=note, room=room)
    audit.record(actor=actor, action="closedday.create", obj=day, detail={"date": str(date)})
    return day


# --- who may book ------------------------------------------------------------------------------


def booker_kind(user, room: Room) -> str | None:
    """How `user` books this room (staff, partner or resident), or None when they may not."""
    if user is None or not user.is_authenticated:
        return None
    unit = room.org_unit
    if room.bookable_by_staff and reaches(user, unit, STAFF_ROLES):
        return Booking.BookerKind.STAFF
    if room.bookable_by_partners and user.partner_unit_id and reaches(user, unit, (Role.PARTNER_STAFF,)):
        return Booking.BookerKind.PARTNER
    if room.bookable_by_residents and reaches(user, unit, (Role.RESIDENT,)):
        return Booking.BookerKind.RESIDENT
    return None


def is_manager(user, room: Room) -> bool:
    """Community staff and the secretary approve, refuse and mark no-shows."""
    return user.covers(room.org_unit, MANAGER_ROLES)


# --- checks ------------------------------------------------------------------------------------


def _local(dt: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(dt)


@dataclass
class Closure:
    date: datetime.date
    note: str
    room: Room | None = None  # None: a public holiday of the work calendar, every room is closed


def is_closed(room: Room, day: datetime.date) -> Closure | None:
    """The room's own closed day, or a public holiday of the community's work calendar."""
    own = ClosedDay.objects.filter(room=room, date=day).first()
    if own is not None:
        return Closure(day, own.note, room)
    holiday = calendar.holidays(room.org_unit, day, day)
    if day in holiday:
        return Closure(day, holiday[day] or _("public holiday"))
    return None


def check_slot(*, room: Room, start: datetime.datetime, end: datetime.datetime, headcount: int) -> None:
    """Every refusal a booking request can meet, except the overlap (checked under the lock)."""
    if start is None or end is None or timezone.is_naive(start) or timezone.is_naive(end):
        raise ApplicationError(_("Give the start and end with a time zone."), code="invalid", field="start")
    if end <= start:
        raise ApplicationError(
            _("The booking must end after it starts."), code="end_before_start", field="end"
        )
    if start < timezone.now():
        raise ApplicationError(_("A booking cannot start in the past."), code="in_past", field="start")
    if headcount is None or headcount < 1:
        raise ApplicationError(_("The headcount must be at least 1."), code="invalid", field="headcount")
    if headcount > room.capacity:
        raise ConflictError(
            _("%(room)s holds at most %(n)s people.") % {"room": room.name, "n": room.capacity},
            code="over_capacity",
            field="headcount",
        )
    if not room.is_active:
        raise ConflictError(_("This room is not open for bookings."), code="room_inactive")
    local_start, local_end = _local(start), _local(end)
    closed = is_closed(room, local_start.date())
    if closed is not None:
        raise ConflictError(
            _("%(room)s is closed on %(date)s (%(reason)s).")
            % {
                "room": room.name,
                "date": local_start.date().isoformat(),
                "reason": closed.note or _("closed"),
            },
            code="closed_day",
            field="start",
        )
    hours = OpeningHours.objects.filter(room=room, weekday=local_start.isoweekday()).first()
    if (
        hours is None
        or local_end.date() != local_start.date()
        or local_start.time() < hours.opens
        or local_end.time() > hours.closes
    ):
        raise ConflictError(
            _("%(room)s is open %(hours)s on that day; the booking must fit inside.")
            % {
                "room": room.name,
                "hours": f"{hours.opens:%H:%M}–{hours.closes:%H:%M}" if hours else _("not at all"),
            },
            code="outside_opening_hours",
            field="start",
        )


def overlapping(room: Room, start, end, *, exclude_pk=None):
    qs = Booking.objects.filter(room=room, status__in=Booking.HOLDING, start__lt=end, end__gt=start)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs


def _event(booking: Booking, from_status: str, actor, note: str = "") -> None:
    BookingEvent.objects.create(
        booking=booking,
        org_unit_id=booking.org_unit_id,
        from_status=from_status,
        to_status=booking.status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:200],
    )


def _slot_taken(room: Room) -> ConflictError:
    return ConflictError(
        _("%(room)s is already booked at that time.") % {"room": room.name}, code="slot_taken", field="start"
    )


# --- bookings ----------------------------------------------------------------------------------


@transaction.atomic
def booking_create(
    *,
    actor,
    room: Room,
    start: datetime.datetime,
    end: datetime.datetime,
    purpose: str,
    headcount: int,
    series: uuid.UUID | None = None,
    note: str = "",
) -> Booking:
    kind = booker_kind(actor, room)
    if kind is None:
        raise ApplicationError(_("You may not book this room."), code="not_allowed", status=403)
    purpose = (purpose or "").strip()
    if not purpose:
        raise ApplicationError(_("Say what the room is booked for."), code="invalid", field="purpose")
    check_slot(room=room, start=start, end=end, headcount=headcount)
    # On SQLite the IMMEDIATE transaction already holds the write lock here, so no other booking
    # can slip in between this check and the insert; on PostgreSQL the exclusion constraint decides.
    if overlapping(room, start, end).exists():
        raise _slot_taken(room)
    status = Booking.Status.CONFIRMED
    if room.requires_approval and kind != Booking.BookerKind.STAFF:
        status = Booking.Status.PENDING
    booking = Booking(
        org_unit=room.org_unit,
        room=room,
        booked_by=actor,
        booker_kind=kind,
        partner_unit_id=actor.partner_unit_id if kind == Booking.BookerKind.PARTNER else None,
        start=start,
        end=end,
        purpose=purpose[:200],
        headcount=headcount,
        status=status,
        series=series,
        note=note[:200],
    )
    try:
        with transaction.atomic():
            booking.save(force_insert=True)
    except IntegrityError as exc:
        if "booking_no_overlap" in str(exc):
            raise _slot_taken(room) from exc
        raise
    except OperationalError as exc:
        # Two overlapping inserts that check the exclusion constraint against each other deadlock, and
        # PostgreSQL aborts one of them (SQLSTATE 40P01): that one lost the slot to the other.
        if getattr(exc.__cause__, "sqlstate", None) == "40P01":
            raise _slot_taken(room) from exc
        raise
    _event(booking, "", actor)
    audit.record(
        actor=actor,
        action="booking.create",
        obj=booking,
        detail={"room": room.pk, "start": start.isoformat(), "status": status},
    )
    return booking


@dataclass
class Occurrence:
    start: datetime.datetime
    end: datetime.datetime
    booking: Booking | None = None
    code: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.booking is not None


def booking_create_weekly(
    *,
    actor,
    room: Room,
    start: datetime.datetime,
    end: datetime.datetime,
    weeks: int,
    purpose: str,
    headcount: int,
) -> list[Occurrence]:
    """Book the same slot for `weeks` consecutive weeks. Each occurrence stands alone: the free ones
    are booked and each one that conflicts says why, so staff can pick another slot for it."""
    if weeks < 1 or weeks > MAX_WEEKS:
        raise ApplicationError(
            _("Book between 1 and %(n)s weeks.") % {"n": MAX_WEEKS}, code="invalid", field="weeks"
        )
    series = uuid.uuid4()
    results = []
    for i in range(weeks):
        # Shift the local wall-clock time, so a series keeps its hour across time-zone changes.
        s = timezone.make_aware(timezone.make_naive(start) + datetime.timedelta(weeks=i))
        e = timezone.make_aware(timezone.make_naive(end) + datetime.timedelta(weeks=i))
        occ = Occurrence(start=s, end=e)
        try:
            occ.booking = booking_create(
                actor=actor, room=room, start=s, end=e, purpose=purpose, headcount=headcount, series=series
            )
        except ApplicationError as exc:
            occ.code, occ.message = exc.code, str(exc.message)
        results.append(occ)
    return results


def _locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().select_related("room", "org_unit").get(pk=booking.pk)


def _transition(booking, *, actor, allowed_from, to, action, note="", decided=False) -> Booking:
    booking = _locked(booking)
    if booking.status not in allowed_from:
        raise ConflictError(
            _("This booking is %(status)s and cannot be changed that way.")
            % {"status": booking.get_status_display()},
            code="wrong_state",
        )
    old = booking.status
    booking.status = to
    fields = ["status"]
    if decided:
        booking.decided_by = actor
        booking.decided_at = timezone.now()
        fields += ["decided_by", "decided_at"]
    if note:
        booking.note = note[:200]
        fields.append("note")
    booking.save(update_fields=fields)
    _event(booking, old, actor, note)
    audit.record(actor=actor, action=f"booking.{action}", obj=booking, detail={"from": old, "to": to})
    return booking


@transaction.atomic
def booking_approve(*, actor, booking: Booking) -> Booking:
    if not is_manager(actor, booking.room):
        raise ApplicationError(
            _("Only the community's staff approve bookings."), code="not_allowed", status=403
        )
    if booking.start < timezone.now():
        raise ConflictError(_("This booking has already started."), code="in_past")
    booking = _transition(
        booking,
        actor=actor,
        allowed_from=(Booking.Status.PENDING,),
        to=Booking.Status.CONFIRMED,
        action="approve",
        decided=True,
    )
    _notify(booking, _("Your room booking was approved"))
    return booking


@transaction.atomic
def booking_reject(*, actor, booking: Booking, reason: str = "") -> Booking:
    if not is_manager(actor, booking.room):
        raise ApplicationError(
            _("Only the community's staff approve bookings."), code="not_allowed", status=403
        )
    booking = _transition(
        booking,
        actor=actor,
        allowed_from=(Booking.Status.PENDING,),
        to=Booking.Status.REJECTED,
        action="reject",
        note=reason,
        decided=True,
    )
    _notify(booking, _("Your room booking was not approved"))
    return booking


@transaction.atomic
def booking_cancel(*, actor, booking: Booking, reason: str = "") -> Booking:
    if booking.booked_by_id != actor.pk and not is_manager(actor, booking.room):
        raise ApplicationError(_("You may not cancel this booking."), code="not_allowed", status=403)
    if booking.end <= timezone.now():
        raise ConflictError(_("This booking is over and cannot be cancelled."), code="in_past")
    booking = _transition(
        booking,
        actor=actor,
        allowed_from=Booking.HOLDING,
        to=Booking.Status.CANCELLED,
        action="cancel",
        note=reason,
    )
    if booking.booked_by_id != actor.pk:
        _notify(booking, _("Your room booking was cancelled"))
    return booking


@transaction.atomic
def booking_mark_no_show(*, actor, booking: Booking) -> Booking:
    if not is_manager(actor, booking.room):
        raise ApplicationError(_("Only the community's staff mark no-shows."), code="not_allowed", status=403)
    if booking.start > timezone.now():
        raise ConflictError(
            _("A booking can be marked as a no-show only once it has started."), code="too_early"
        )
    return _transition(
        booking,
        actor=actor,
        allowed_from=(Booking.Status.CONFIRMED,),
        to=Booking.Status.NO_SHOW,
        action="no_show",
    )


def _notify(booking: Booking, title) -> None:
    from django.urls import reverse

    from gongzhi.core.services import notification_send

    notification_send(
        user=booking.booked_by,
        title=str(title),
        body=f"{booking.room.name} {_local(booking.start):%Y-%m-%d %H:%M}–{_local(booking.end):%H:%M}",
        url=reverse("venues:my_bookings"),
        org_unit=booking.org_unit,
    )
