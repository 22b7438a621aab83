"""Writes of the activities app.

Enrolment: enrolled (a place is free) or waitlisted (full) → cancelled. When an enrolled
participant cancels, the first person on the waiting list is promoted in the same transaction.

Attendance: a card scan (staff) or the activity's QR (the resident's own phone) checks a person in,
the next scan checks them out. When the organiser confirms a session, each attendance counts only
if the person was present for at least 60 % of the scheduled time; counted volunteers (and
participants, when the activity has a participant rule) are then awarded points.
"""

import contextlib
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import WORKER_ROLES, Role
from gongzhi.accounts.scoping import reaches
from gongzhi.core import audit, figures
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import OrgUnit, PartnerUnit
from gongzhi.registry.models import Resident
from gongzhi.registry.selectors import card_resolve, resident_of_user
from gongzhi.venues.models import Room

from .models import PRESENCE_SHARE, Activity, ActivitySession, Attendance, Enrolment

MANAGER_ROLES = WORKER_ROLES
CHECK_IN_EARLY = datetime.timedelta(minutes=30)
CHECK_OUT_LATE = datetime.timedelta(hours=2)
ADULT_AGE = 18

# Generation relative to the head of the household: a guardian belongs to an older generation.
GENERATION = {
    Resident.Relationship.GRANDPARENT: -2,
    Resident.Relationship.PARENT: -1,
    Resident.Relationship.HEAD: 0,
    Resident.Relationship.SPOUSE: 0,
    Resident.Relationship.SIBLING: 0,
    Resident.Relationship.CHILD: 1,
    Resident.Relationship.CHILD_IN_LAW: 1,
    Resident.Relationship.GRANDCHILD: 2,
}


def can_manage(user, activity: Activity) -> bool:
    """Community staff of the activity's community, or staff of the partner unit that runs it."""
    if user is None or not user.is_authenticated:
        return False
    if reaches(user, activity.org_unit, MANAGER_ROLES):
        return True
    return bool(
        activity.partner_id
        and user.partner_unit_id == activity.partner_id
        and reaches(user, activity.org_unit, (Role.PARTNER_STAFF,))
    )


def weekly_sessions(start: datetime.datetime, end: datetime.datetime, weeks: int) -> list[tuple]:
    """The (start, end) pairs of a weekly series, keeping the local wall-clock time."""
    out = []
    for i in range(weeks):
        s = timezone.make_aware(timezone.make_naive(start) + datetime.timedelta(weeks=i))
        e = timezone.make_aware(timezone.make_naive(end) + datetime.timedelta(weeks=i))
        out.append((s, e))
    return out


# --- activities --------------------------------------------------------------------------------


@transaction.atomic
def activity_create(
    *,
    actor,
    org_unit: OrgUnit,
    title: str,
    category: str,
    capacity: int,
    enrol_opens: datetime.datetime,
    enrol_closes: datetime.datetime,
    sessions: list[tuple[datetime.datetime, datetime.datetime]],
    description: str = "",
    partner: PartnerUnit | None = None,
    target_group: str = Activity.TargetGroup.ALL,
    min_age: int | None = None,
    max_age: int | None = None,
    room: Room | None = None,
    place: str = "",
    point_rule_code: str = "",
    participant_point_rule_code: str = "",
    book_room: bool = True,
) -> Activity:
    """With a room and `book_room`, every future session also books the room (confirmed, as the
    organiser), so room bookings and activities never overlap; a conflict refuses the activity."""
    if org_unit.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("Activities belong to a community."), field="org_unit")
    if not title.strip():
        raise ApplicationError(_("Give the activity a title."), field="title")
    if capacity is None or capacity < 1:
        raise ApplicationError(_("An activity needs at least one place."), field="capacity")
    if enrol_opens >= enrol_closes:
        raise ApplicationError(_("Enrolment must open before it closes."), field="enrol_closes")
    if min_age is not None and max_age is not None and min_age > max_age:
        raise ApplicationError(_("The minimum age is above the maximum age."), field="min_age")
    if not sessions:
        raise ApplicationError(_("Schedule at least one session."), field="sessions")
    for start, end in sessions:
        if end <= start:
            raise ApplicationError(_("Each session must end after it starts."), field="sessions")
    if room is not None and room.org_unit_id != org_unit.pk:
        raise ApplicationError(_("The room is in another community."), field="room")
    if partner is not None and partner.org_unit_id != org_unit.pk:
        raise ApplicationError(_("The partner unit belongs to another community."), field="partner")
    if room is None and not place.strip():
        raise ApplicationError(_("Choose a room or say where the activity takes place."), field="place")
    if room is not None and capacity > room.capacity:
        raise ApplicationError(
            _("%(room)s holds at most %(n)s people.") % {"room": room.name, "n": room.capacity},
            code="over_capacity",
            field="capacity",
        )
    activity = Activity.objects.create(
        org_unit=org_unit,
        title=title.strip(),
        description=description,
        category=category,
        partner=partner,
        target_group=target_group,
        min_age=min_age,
        max_age=max_age,
        room=room,
        place=place.strip(),
        capacity=capacity,
        enrol_opens=enrol_opens,
        enrol_closes=enrol_closes,
        point_rule_code=point_rule_code.strip(),
        participant_point_rule_code=participant_point_rule_code.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ActivitySession.objects.bulk_create(
        [
            ActivitySession(activity=activity, org_unit_id=activity.org_unit_id, start=s, end=e)
            for s, e in sorted(sessions)
        ]
    )
    if room is not None and book_room:
        _book_sessions(actor=actor, activity=activity, room=room)
    audit.record(
        actor=actor,
        action="activity.create",
        obj=activity,
        detail={"sessions": len(sessions), "category": category},
    )
    return activity


def _book_sessions(*, actor, activity: Activity, room: Room) -> None:
    from gongzhi.venues import services as venue_services

    now = timezone.now()
    for session in activity.sessions.filter(start__gt=now).order_by("start"):
        try:
            session.booking = venue_services.booking_create(
                actor=actor,
                room=room,
                start=session.start,
                end=session.end,
                purpose=activity.title,
                headcount=min(activity.capacity, room.capacity),
            )
        except ApplicationError as exc:
            raise ApplicationError(
                _("The room cannot be booked for the session on %(date)s: %(reason)s")
                % {"date": f"{timezone.localtime(session.start):%Y-%m-%d %H:%M}", "reason": exc.message},
                code=exc.code,
                status=exc.status,
                field="room",
            ) from exc
        session.save(update_fields=["booking"])


@transaction.atomic
def activity_cancel(*, actor, activity: Activity, reason: str = "") -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status == Activity.Status.CANCELLED:
        raise ConflictError(_("This activity is already cancelled."), code="wrong_state")
    activity.status = Activity.Status.CANCELLED
    activity.save(update_fields=["status"])
    from gongzhi.venues import services as venue_services
    from gongzhi.venues.models import Booking

    for session in activity.sessions.filter(
        end__gt=timezone.now(), booking__status__in=Booking.HOLDING
    ).select_related("booking__room"):
        # When someone else booked the room for the activity, staff release it from the bookings page.
        with contextlib.suppress(ApplicationError):
            venue_services.booking_cancel(actor=actor, booking=session.booking, reason=activity.title)
    from gongzhi.core.services import notification_send

    for e in activity.enrolments.exclude(status=Enrolment.Status.CANCELLED).select_related("resident__user"):
        if e.resident.user_id:
            notification_send(
                user=e.resident.user,
                title=_("An activity you enrolled in was cancelled"),
                body=activity.title,
            )
    audit.record(actor=actor, action="activity.cancel", obj=activity, detail={"reason": reason[:100]})
    return activity


EDITABLE = {
    "title",
    "description",
    "capacity",
    "enrol_opens",
    "enrol_closes",
    "min_age",
    "max_age",
    "place",
    "point_rule_code",
    "participant_point_rule_code",
}


@transaction.atomic
def activity_update(*, actor, activity: Activity, **fields) -> tuple[Activity, list[Enrolment]]:
    """Change the details of an activity. More places promote people from the waiting list, in the
    order they enrolled; fewer places than people enrolled are refused. Returns the promoted ones."""
    activity = Activity.objects.select_for_update(of=("self",)).select_related("room").get(pk=activity.pk)
    if not can_manage(actor, activity):
        raise ApplicationError(_("Only the organisers change an activity."), code="not_allowed", status=403)
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValueError(sorted(unknown))
    for key, value in fields.items():
        setattr(activity, key, value.strip() if isinstance(value, str) else value)
    if not activity.title:
        raise ApplicationError(_("Give the activity a title."), field="title")
    if activity.enrol_opens >= activity.enrol_closes:
        raise ApplicationError(_("Enrolment must open before it closes."), field="enrol_closes")
    if activity.min_age is not None and activity.max_age is not None and activity.min_age > activity.max_age:
        raise ApplicationError(_("The minimum age is above the maximum age."), field="min_age")
    if activity.room_id and activity.capacity > activity.room.capacity:
        raise ApplicationError(
            _("%(room)s holds at most %(n)s people.")
            % {"room": activity.room.name, "n": activity.room.capacity},
            code="over_capacity",
            field="capacity",
        )
    participants = activity.enrolments.filter(role=Enrolment.Role.PARTICIPANT)
    enrolled = participants.filter(status=Enrolment.Status.ENROLLED).count()
    if activity.capacity < enrolled:
        raise ConflictError(
            _("%(n)s people are already enrolled; cancel enrolments before reducing the places.")
            % {"n": enrolled},
            code="over_capacity",
            field="capacity",
        )
    activity.save()
    promoted = []
    free = activity.capacity - enrolled
    if free > 0:
        now = timezone.now()
        for e in (
            participants.filter(status=Enrolment.Status.WAITLISTED)
            .select_related("resident__user")
            .order_by("created_at", "id")[:free]
        ):
            e.status, e.promoted_at = Enrolment.Status.ENROLLED, now
            e.save(update_fields=["status", "promoted_at"])
            promoted.append(e)
            audit.record(actor=actor, action="enrolment.promote", obj=e, org_unit=activity.org_unit)
            _notify_promoted(e, activity)
    audit.record(actor=actor, action="activity.update", obj=activity, detail={"fields": sorted(fields)})
    return activity, promoted


def _notify_promoted(enrolment: Enrolment, activity: Activity) -> None:
    if enrolment.resident.user_id:
        from gongzhi.core.services import notification_send

        notification_send(
            user=enrolment.resident.user,
            title=_("A place came free: you are now enrolled"),
            body=activity.title,
            org_unit=activity.org_unit,
        )


# --- enrolment ---------------------------------------------------------------------------------


def is_guardian(guardian: Resident, child: Resident, *, on: datetime.date) -> bool:
    """An adult of the child's household from an older generation (parent, head, grandparent...)."""
    if guardian.pk == child.pk or guardian.household_id != child.household_id:
        return False
    if guardian.status != Resident.Status.LIVING or child.age_on(on) >= ADULT_AGE:
        return False
    if guardian.age_on(on) < ADULT_AGE:
        return False
    g, c = GENERATION.get(guardian.relationship_to_head), GENERATION.get(child.relationship_to_head)
    return g is not None and c is not None and g < c


def _first_day(activity: Activity) -> datetime.date:
    first = activity.sessions.order_by("start").first()
    return timezone.localtime(first.start).date() if first else timezone.localdate()


def _check_eligible(activity: Activity, resident: Resident) -> None:
    age = resident.age_on(_first_day(activity))
    if (activity.min_age is not None and age < activity.min_age) or (
        activity.max_age is not None and age > activity.max_age
    ):
        raise ApplicationError(
            _("This activity is for ages %(low)s to %(high)s.")
            % {
                "low": activity.min_age if activity.min_age is not None else 0,
                "high": activity.max_age or "∞",
            },
            code="not_eligible",
            field="resident",
        )


@transaction.atomic
def enrolment_create(
    *, actor, activity: Activity, resident: Resident, role: str = Enrolment.Role.PARTICIPANT, at=None
) -> Enrolment:
    now = at or timezone.now()
    activity = Activity.objects.select_for_update().select_related("org_unit").get(pk=activity.pk)
    staff = can_manage(actor, activity)
    if not staff:
        own = resident_of_user(actor)
        if own is None:
            raise ApplicationError(_("Only registered residents can enrol."), code="not_allowed", status=403)
        if own.pk != resident.pk and not is_guardian(own, resident, on=now.date()):
            raise ApplicationError(
                _("You can enrol yourself or a child of your household you are the guardian of."),
                code="not_guardian",
                status=403,
                field="resident",
            )
        if role != Enrolment.Role.PARTICIPANT:
            raise ApplicationError(
                _("Volunteers are enrolled by the organiser."), code="not_allowed", status=403
            )
        if not (activity.enrol_opens <= now <= activity.enrol_closes):
            raise ConflictError(
                _("Enrolment is open from %(opens)s to %(closes)s.")
                % {
                    "opens": f"{timezone.localtime(activity.enrol_opens):%Y-%m-%d %H:%M}",
                    "closes": f"{timezone.localtime(activity.enrol_closes):%Y-%m-%d %H:%M}",
                },
                code="enrolment_closed",
            )
    if activity.status != Activity.Status.PUBLISHED:
        raise ConflictError(_("This activity is cancelled."), code="wrong_state")
    if not activity.org_unit.contains(resident.org_unit):
        raise ApplicationError(
            _("This resident lives in another community."), code="not_in_community", field="resident"
        )
    if role == Enrolment.Role.PARTICIPANT:
        _check_eligible(activity, resident)
    if activity.enrolments.filter(resident=resident).exclude(status=Enrolment.Status.CANCELLED).exists():
        raise ConflictError(
            _("%(name)s is already enrolled in this activity.") % {"name": resident.name},
            code="already_enrolled",
        )
    status = Enrolment.Status.ENROLLED
    if role == Enrolment.Role.PARTICIPANT:
        taken = activity.enrolments.filter(
            role=Enrolment.Role.PARTICIPANT, status=Enrolment.Status.ENROLLED
        ).count()
        if taken >= activity.capacity:
            status = Enrolment.Status.WAITLISTED
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                activity=activity,
                org_unit_id=activity.org_unit_id,
                resident=resident,
                role=role,
                status=status,
                enrolled_by=actor if getattr(actor, "is_authenticated", False) else None,
                created_at=now,
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("%(name)s is already enrolled in this activity.") % {"name": resident.name},
            code="already_enrolled",
        ) from exc
    audit.record(
        actor=actor,
        action="enrolment.create",
        obj=enrolment,
        org_unit=activity.org_unit,
        detail={"activity": activity.pk, "status": status, "role": role},
    )
    return enrolment


@transaction.atomic
def enrolment_cancel(*, actor, enrolment: Enrolment, at=None) -> Enrolment | None:
    """Cancel; returns the enrolment promoted from the waiting list, if any."""
    now = at or timezone.now()
    activity = Activity.objects.select_for_update().get(pk=enrolment.activity_id)
    enrolment = Enrolment.objects.select_related("resident").get(pk=enrolment.pk)
    if not can_manage(actor, activity):
        own = resident_of_user(actor)
        if own is None or (
            own.pk != enrolment.resident_id and not is_guardian(own, enrolment.resident, on=now.date())
        ):
            raise ApplicationError(_("You may not cancel this enrolment."), code="not_allowed", status=403)
    if enrolment.status == Enrolment.Status.CANCELLED:
        raise ConflictError(_("This enrolment is already cancelled."), code="wrong_state")
    was_enrolled = enrolment.status == Enrolment.Status.ENROLLED
    enrolment.status = Enrolment.Status.CANCELLED
    enrolment.cancelled_at = now
    enrolment.save(update_fields=["status", "cancelled_at"])
    audit.record(actor=actor, action="enrolment.cancel", obj=enrolment, org_unit=activity.org_unit)
    promoted = None
    if was_enrolled and enrolment.role == Enrolment.Role.PARTICIPANT:
        promoted = (
            activity.enrolments.filter(role=Enrolment.Role.PARTICIPANT, status=Enrolment.Status.WAITLISTED)
            .select_related("resident__user")
            .order_by("created_at", "id")
            .first()
        )
        if promoted is not None:
            promoted.status = Enrolment.Status.ENROLLED
            promoted.promoted_at = now
            promoted.save(update_fields=["status", "promoted_at"])
            audit.record(actor=actor, action="enrolment.promote", obj=promoted, org_unit=activity.org_unit)
            _notify_promoted(promoted, activity)
    return promoted


# --- attendance --------------------------------------------------------------------------------


def present_minutes(session: ActivitySession, check_in, check_out) -> int:
    if check_out is None:
        return 0
    start, end = max(session.start, check_in), min(session.end, check_out)
    return max(0, int((end - start).total_seconds() // 60))


def counts(session: ActivitySession, minutes: int) -> bool:
    return minutes >= PRESENCE_SHARE * session.minutes


def current_session(activity: Activity, at=None) -> ActivitySession | None:
    now = at or timezone.now()
    return (
        activity.sessions.filter(start__lte=now + CHECK_IN_EARLY, end__gte=now - CHECK_OUT_LATE)
        .order_by("start")
        .first()
    )


@dataclass
class ScanResult:
    attendance: Attendance
    action: str  # "check_in" | "check_out"
    counted: bool = False
    warnings: list = field(default_factory=list)


def _record(*, actor, session: ActivitySession, resident: Resident, method: str, action: str | None, now):
    session = ActivitySession.objects.select_for_update().select_related("activity").get(pk=session.pk)
    activity = session.activity
    if activity.status != Activity.Status.PUBLISHED:
        raise ConflictError(_("This activity is cancelled."), code="wrong_state")
    if session.confirmed_at:
        raise ConflictError(
            _("The attendance of this session is already confirmed."), code="already_confirmed"
        )
    if now < session.start - CHECK_IN_EARLY or now > session.end + CHECK_OUT_LATE:
        raise ConflictError(
            _("Check-in opens 30 minutes before the session and closes two hours after it."),
            code="session_not_open",
        )
    attendance = Attendance.objects.filter(session=session, resident=resident).first()
    if action is None:
        action = "check_out" if attendance and attendance.check_out_at is None else "check_in"
    if action == "check_in":
        if attendance is not None:
            raise ConflictError(
                _("%(name)s has already checked in.") % {"name": resident.name}, code="already_checked_in"
            )
        if now > session.end:
            raise ConflictError(_("This session is over."), code="session_not_open")
        enrolment = (
            activity.enrolments.filter(resident=resident).exclude(status=Enrolment.Status.CANCELLED).first()
        )
        attendance = Attendance.objects.create(
            session=session,
            org_unit_id=activity.org_unit_id,
            resident=resident,
            role=enrolment.role if enrolment else Enrolment.Role.PARTICIPANT,
            check_in_at=now,
            method=method,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        result = ScanResult(attendance, "check_in")
        if enrolment is None:
            result.warnings.append(_("%(name)s had not enrolled.") % {"name": resident.name})
    elif action == "check_out":
        if attendance is None:
            raise ConflictError(
                _("%(name)s has not checked in.") % {"name": resident.name}, code="not_checked_in"
            )
        if attendance.check_out_at is not None:
            raise ConflictError(
                _("%(name)s has already checked out.") % {"name": resident.name}, code="already_checked_out"
            )
        attendance.check_out_at = now
        attendance.present_minutes = present_minutes(session, attendance.check_in_at, now)
        attendance.counted = counts(session, attendance.present_minutes)
        attendance.save(update_fields=["check_out_at", "present_minutes", "counted"])
        figures.touch("activities.participation", activity.org_unit.path)
        result = ScanResult(attendance, "check_out", counted=attendance.counted)
    else:
        raise ApplicationError(_("The action must be check_in or check_out."), field="action")
    audit.record(
        actor=actor,
        action=f"attendance.{action}",
        obj=attendance,
        org_unit=activity.org_unit,
        detail={"session": session.pk, "method": method},
    )
    return result


@transaction.atomic
def attendance_scan(
    *, actor, session: ActivitySession, token: str, action: str | None = None, at=None
) -> ScanResult:
    """Staff scan a resident's cloud check-in card: the first scan checks in, the next checks out."""
    if not can_manage(actor, session.activity):
        raise ApplicationError(_("Only the organisers scan check-in cards."), code="not_allowed", status=403)
    resident = card_resolve(token or "")
    if resident is None:
        raise ApplicationError(
            _("This card is unknown or has been revoked."), code="unknown_card", status=400, field="token"
        )
    return _record(
        actor=actor,
        session=session,
        resident=resident,
        method=Attendance.Method.CARD,
        action=action,
        now=at or timezone.now(),
    )


@transaction.atomic
def attendance_check(
    *, actor, session: ActivitySession, resident: Resident, by_card: bool, action: str | None = None, at=None
) -> ScanResult:
    """Staff at the counter check a person in or out whom the counter found by card, phone number or
    name (`by_card` tells which, for the record)."""
    if not can_manage(actor, session.activity):
        raise ApplicationError(_("Only the organisers scan check-in cards."), code="not_allowed", status=403)
    return _record(
        actor=actor,
        session=session,
        resident=resident,
        method=Attendance.Method.CARD if by_card else Attendance.Method.MANUAL,
        action=action,
        now=at or timezone.now(),
    )


@transaction.atomic
def attendance_self(*, actor, activity_token: str, action: str | None = None, at=None) -> ScanResult:
    """A signed-in resident scans the activity's QR code with their own phone."""
    now = at or timezone.now()
    activity = Activity.objects.filter(checkin_token=activity_token or "").first()
    if activity is None:
        raise ApplicationError(_("This check-in code is not valid."), code="unknown_code", status=404)
    resident = resident_of_user(actor)
    if resident is None:
        raise ApplicationError(_("Only registered residents can check in."), code="not_allowed", status=403)
    session = current_session(activity, now)
    if session is None:
        raise ConflictError(
            _("No session of this activity is open for check-in now."), code="session_not_open"
        )
    return _record(
        actor=actor, session=session, resident=resident, method=Attendance.Method.SELF, action=action, now=now
    )


@transaction.atomic
def attendance_manual(
    *, actor, session: ActivitySession, resident: Resident, check_in_at, check_out_at=None
) -> Attendance:
    """Staff enter or correct a person's times (a forgotten card, a phone that would not scan)."""
    if not can_manage(actor, session.activity):
        raise ApplicationError(_("Only the organisers record attendance."), code="not_allowed", status=403)
    if session.confirmed_at:
        raise ConflictError(
            _("The attendance of this session is already confirmed."), code="already_confirmed"
        )
    if check_out_at is not None and check_out_at < check_in_at:
        raise ApplicationError(_("The check-out must come after the check-in."), field="check_out_at")
    minutes = present_minutes(session, check_in_at, check_out_at)
    enrolment = (
        session.activity.enrolments.filter(resident=resident)
        .exclude(status=Enrolment.Status.CANCELLED)
        .first()
    )
    attendance, _created = Attendance.objects.update_or_create(
        session=session,
        resident=resident,
        defaults={
            "org_unit_id": session.org_unit_id,
            "check_in_at": check_in_at,
            "check_out_at": check_out_at,
            "method": Attendance.Method.MANUAL,
            "recorded_by": actor,
            "present_minutes": minutes,
            "counted": counts(session, minutes),
            "role": enrolment.role if enrolment else Enrolment.Role.PARTICIPANT,
        },
    )
    figures.touch("activities.participation", session.activity.org_unit.path)
    audit.record(actor=actor, action="attendance.manual", obj=attendance, org_unit=session.activity.org_unit)
    return attendance


@dataclass
class ConfirmResult:
    counted: int
    not_counted: int
    awarded: int
    refused: list = field(default_factory=list)  # (name, reason) of awards the points bank refused


def award_key(activity_id: int, session_id: int, resident_id: int) -> str:
    """The idempotency key of the points a session's attendance earns (one award per person)."""
    return f"activity:{activity_id}:session:{session_id}:resident:{resident_id}"


def award_quantity(unit: str, present: int) -> Decimal:
    """How much of a rule one counted attendance is worth: one occurrence, or the hours present."""
    if unit == "hour":
        return (Decimal(present) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Decimal(1)


def _award(*, actor, activity, session, attendance, rule_code) -> bool:
    """Award the points of one counted attendance in the activity's community (whose rules these are).
    A refusal of the points bank (a cap reached, a rule out of force) is raised to the caller."""
    if not rule_code or not apps.is_installed("gongzhi.points"):
        return False
    from gongzhi.points.models import PointRule
    from gongzhi.points.services import award_create

    rule = PointRule.objects.filter(org_unit=activity.org_unit, code=rule_code.strip().lower()).first()
    quantity = award_quantity(rule.unit if rule else "", attendance.present_minutes)
    if quantity <= 0:
        return False
    result = award_create(
        actor=actor,
        resident=attendance.resident,
        rule_code=rule_code,
        quantity=quantity,
        idempotency_key=award_key(activity.pk, session.pk, attendance.resident_id),
        note=activity.title[:100],
        source=f"activities.session:{session.pk}",
        org_unit=activity.org_unit,
    )
    return bool(result.created)


@transaction.atomic
def session_confirm(*, actor, session: ActivitySession, at=None) -> ConfirmResult:
    """The organiser confirms the attendance list: the 60 % rule is applied for good and points
    are awarded (volunteers always, participants when the activity has a participant rule)."""
    now = at or timezone.now()
    session = ActivitySession.objects.select_for_update().select_related("activity").get(pk=session.pk)
    activity = session.activity
    if not can_manage(actor, activity):
        raise ApplicationError(_("Only the organisers confirm attendance."), code="not_allowed", status=403)
    if session.confirmed_at:
        raise ConflictError(
            _("The attendance of this session is already confirmed."), code="already_confirmed"
        )
    if now < session.end:
        raise ConflictError(_("Confirm the attendance once the session is over."), code="too_early")
    counted = not_counted = awarded = 0
    refused = []
    rows = list(session.attendances.select_related("resident"))
    for a in rows:
        a.present_minutes = present_minutes(session, a.check_in_at, a.check_out_at)
        a.counted = counts(session, a.present_minutes)
        if a.counted:
            counted += 1
        else:
            not_counted += 1
    Attendance.objects.bulk_update(rows, ["present_minutes", "counted"])
    figures.touch("activities.participation", activity.org_unit.path)
    session.confirmed_at = now
    session.confirmed_by = actor
    session.save(update_fields=["confirmed_at", "confirmed_by"])
    for a in rows:
        if not a.counted:
            continue
        rule = (
            activity.point_rule_code
            if a.role == Enrolment.Role.VOLUNTEER
            else activity.participant_point_rule_code
        )
        try:
            # A savepoint per award: one person's cap does not undo the others' points.
            with transaction.atomic():
                if _award(actor=actor, activity=activity, session=session, attendance=a, rule_code=rule):
                    awarded += 1
        except ApplicationError as exc:
            refused.append((a.resident.name, str(exc.message)))
    audit.record(
        actor=actor,
        action="session.confirm",
        obj=session,
        org_unit=activity.org_unit,
        detail={"counted": counted, "not_counted": not_counted, "awarded": awarded, "refused": len(refused)},
    )
    return ConfirmResult(counted, not_counted, awarded, refused)
