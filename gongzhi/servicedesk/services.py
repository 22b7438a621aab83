"""Writes of the service desk. Every function is keyword-only, atomic and audited; refusals are
ApplicationError with a stable code. Notifications go out after commit."""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Max, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.roles import Role
from gongzhi.core import audit, calendar, crypto
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import OrgUnit
from gongzhi.core.services import notification_send
from gongzhi.registry.models import Resident

from . import selectors
from .models import (
    Appointment,
    Counter,
    Proof,
    ProofTemplate,
    QueueDay,
    QueueTicket,
    Rating,
    ServiceItem,
    ServiceRecord,
    Transition,
)
from .slots import day_slots

DEFAULT_FORWARD_DAYS = 5


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _notify_later(*, user, title, body="", url="", org_unit=None):
    if user is None:
        return
    transaction.on_commit(
        lambda: notification_send(user=user, title=title, body=body, url=url, org_unit=org_unit)
    )


def _transition(*, actor, ticket=None, record=None, old, new, note=""):
    Transition.objects.create(
        ticket=ticket,
        record=record,
        org_unit_id=(ticket or record).org_unit_id,
        from_state=old or "",
        to_state=new,
        actor=_user(actor),
        note=note[:300],
    )


# --- catalogue -----------------------------------------------------------------------------------

ITEM_FIELDS = (
    "code",
    "name",
    "name_bo",
    "name_en",
    "category",
    "materials",
    "materials_bo",
    "materials_en",
    "handling",
    "forward_partner",
    "forward_unit",
    "time_limit_days",
    "fee",
    "fee_note",
    "is_active",
    "sort_order",
)


@transaction.atomic
def item_save(*, actor, org_unit: OrgUnit, item: ServiceItem | None = None, **fields) -> ServiceItem:
    """Create or change a catalogue item. A forwarded item must name the unit it goes to."""
    if org_unit.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("The service catalogue belongs to a community."), field="org_unit")
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    item = item or ServiceItem(org_unit=org_unit)
    for name, value in fields.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    if item.handling == ServiceItem.Handling.FORWARDED:
        if item.forward_partner is None and item.forward_unit is None:
            raise ApplicationError(
                _("A forwarded service must name the unit it is forwarded to."),
                code="no_target",
                field="forward_unit",
            )
    else:
        item.forward_partner = None
        item.forward_unit = None
    if item.forward_partner is not None and not org_unit.contains(item.forward_partner.org_unit):
        raise ApplicationError(_("The partner unit belongs to another community."), field="forward_partner")
    if item.forward_unit is not None and item.forward_unit.pk not in org_unit.ancestor_ids:
        raise ApplicationError(
            _("A service can only be forwarded to a unit above the community."), field="forward_unit"
        )
    if (item.fee or Decimal("0")) < 0:
        raise ApplicationError(_("The fee cannot be negative."), field="fee")
    if ServiceItem.objects.filter(org_unit=org_unit, code=item.code).exclude(pk=item.pk).exists():
        raise ConflictError(_("Another service already uses this code."), code="duplicate", field="code")
    creating = item.pk is None
    item.save()
    audit.record(actor=actor, action="serviceitem.create" if creating else "serviceitem.change", obj=item)
    return item


@transaction.atomic
def counter_save(
    *,
    actor,
    org_unit: OrgUnit,
    number: int,
    name: str,
    slot_minutes: int = 30,
    slot_capacity: int = 2,
    counter: Counter | None = None,
    is_active: bool = True,
    items=None,
) -> Counter:
    """Create or change a counter. `items` are the services it handles (None keeps them; an empty
    list makes it a general counter that handles every service)."""
    if org_unit.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("Counters belong to a community."), field="org_unit")
    if slot_capacity < 1:
        raise ApplicationError(_("A slot takes at least one appointment."), field="slot_capacity")
    if slot_minutes < 5:
        raise ApplicationError(_("A slot lasts at least five minutes."), field="slot_minutes")
    counter = counter or Counter(org_unit=org_unit)
    counter.number, counter.name = number, name.strip()
    counter.slot_minutes, counter.slot_capacity, counter.is_active = slot_minutes, slot_capacity, is_active
    if Counter.objects.filter(org_unit=org_unit, number=number).exclude(pk=counter.pk).exists():
        raise ConflictError(_("This counter number is taken."), code="duplicate", field="number")
    if items is not None:
        items = list(items)
        if any(item.org_unit_id != org_unit.pk for item in items):
            raise ApplicationError(
                _("A counter handles only services of its own community."), code="foreign_item", field="items"
            )
    counter.save()
    if items is not None:
        counter.items.set(items)
    audit.record(
        actor=actor,
        action="counter.save",
        obj=counter,
        detail={"items": sorted(i.pk for i in items) if items is not None else "unchanged"},
    )
    return counter


# --- appointments --------------------------------------------------------------------------------


def _require_offered(item: ServiceItem) -> None:
    if not item.is_active:
        raise ApplicationError(
            _("This service is not offered at the moment."), code="item_inactive", field="item"
        )


@transaction.atomic
def appointment_book(
    *,
    actor,
    resident: Resident,
    item: ServiceItem,
    date: datetime.date,
    slot_start: datetime.time,
    counter: Counter | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book a slot. Refused on a closed day, in the past, outside the opening hours, when every
    counter's slot is full, or when the resident already holds an appointment for the item that day."""
    _require_offered(item)
    community = item.org_unit
    if not community.contains(resident.org_unit):
        raise ApplicationError(_("The resident does not live in this community."), field="resident")
    now = timezone.localtime(now or timezone.now())
    if not calendar.is_working_day(community, date):
        raise ApplicationError(
            _("The service centre is closed on that day."), code="closed_day", field="date"
        )
    counters = list(
        Counter.objects.select_for_update()
        .filter(Counter.serving_q(item), org_unit=community, is_active=True)
        .filter(**({"pk": counter.pk} if counter else {}))
        .order_by("pk")
    )
    if not counters:
        raise ApplicationError(_("No counter is open for appointments."), code="no_counter")
    chosen = None
    for c in counters:
        starts = [s for s, _end in day_slots(community, c, date)]
        if slot_start not in starts:
            continue
        begins = datetime.datetime.combine(date, slot_start, tzinfo=now.tzinfo)
        if begins <= now:
            raise ApplicationError(_("This time has already passed."), code="past", field="slot_start")
        taken = Appointment.objects.filter(
            counter=c, date=date, slot_start=slot_start, status__in=Appointment.ACTIVE
        ).count()
        if taken < c.slot_capacity:
            chosen = c
            break
    if chosen is None:
        if not any(slot_start in [s for s, _e in day_slots(community, c, date)] for c in counters):
            raise ApplicationError(
                _("The centre takes no appointments at that time."), code="bad_slot", field="slot_start"
            )
        raise ConflictError(_("This time slot is full. Please choose another time."), code="slot_full")
    if Appointment.objects.filter(
        resident=resident, item=item, date=date, status__in=Appointment.ACTIVE
    ).exists():
        raise ConflictError(
            _("You already have an appointment for this service on that day."), code="duplicate_appointment"
        )
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                org_unit=community,
                item=item,
                counter=chosen,
                resident=resident,
                booked_by=_user(actor),
                date=date,
                slot_start=slot_start,
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("You already have an appointment for this service on that day."), code="duplicate_appointment"
        ) from exc
    audit.record(actor=actor, action="appointment.book", obj=appointment)
    return appointment


@transaction.atomic
def appointment_cancel(*, actor, appointment: Appointment) -> Appointment:
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Appointment.Status.BOOKED:
        raise ConflictError(_("Only a booked appointment can be cancelled."), code="bad_state")
    appointment.status = Appointment.Status.CANCELLED
    appointment.save(update_fields=["status"])
    audit.record(actor=actor, action="appointment.cancel", obj=appointment)
    return appointment


@transaction.atomic
def appointment_check_in(*, actor, appointment: Appointment, now=None) -> QueueTicket:
    """The resident arrived: the appointment becomes a priority queue ticket."""
    appointment = (
        Appointment.objects.select_for_update().select_related("item", "resident").get(pk=appointment.pk)
    )
    if appointment.status != Appointment.Status.BOOKED:
        raise ConflictError(_("This appointment is not open for check-in."), code="bad_state")
    now = now or timezone.now()
    if appointment.date != timezone.localdate(now):
        raise ApplicationError(_("Check in on the day of the appointment."), code="wrong_day")
    appointment.status = Appointment.Status.CHECKED_IN
    appointment.save(update_fields=["status"])
    audit.record(actor=actor, action="appointment.check_in", obj=appointment)
    return ticket_issue(
        actor=actor,
        item=appointment.item,
        resident=appointment.resident,
        source=QueueTicket.Source.APPOINTMENT,
        appointment=appointment,
        now=now,
    )


@transaction.atomic
def appointment_mark_no_shows(*, actor, day: datetime.date) -> int:
    n = Appointment.objects.filter(date__lte=day, status=Appointment.Status.BOOKED).update(
        status=Appointment.Status.NO_SHOW
    )
    if n:
        audit.record(actor=actor, action="appointment.no_shows", detail={"day": str(day), "count": n})
    return n


# --- queue ---------------------------------------------------------------------------------------


def _next_number(org_unit: OrgUnit, day: datetime.date) -> int:
    QueueDay.objects.get_or_create(org_unit=org_unit, day=day)
    # The UPDATE takes the row lock, so concurrent kiosks get consecutive numbers.
    QueueDay.objects.filter(org_unit=org_unit, day=day).update(last_number=F("last_number") + 1)
    return QueueDay.objects.get(org_unit=org_unit, day=day).last_number


@transaction.atomic
def ticket_issue(
    *,
    actor,
    item: ServiceItem,
    resident: Resident | None = None,
    source: str = QueueTicket.Source.STAFF,
    appointment: Appointment | None = None,
    now: datetime.datetime | None = None,
) -> QueueTicket:
    """Give a queue number for a service. One active number per resident and service."""
    _require_offered(item)
    now = now or timezone.now()
    day = timezone.localdate(now)
    community = item.org_unit
    if not calendar.is_working_day(community, day):
        raise ApplicationError(_("The service centre is closed today."), code="closed_day")
    if resident is not None:
        if not community.contains(resident.org_unit):
            raise ApplicationError(_("The resident does not live in this community."), field="resident")
        # A number left over from an earlier day no longer holds the resident's place.
        stale = QueueTicket.objects.filter(resident=resident, status__in=QueueTicket.ACTIVE, day__lt=day)
        for old in stale:
            _transition(
                actor=actor, ticket=old, old=old.status, new=QueueTicket.Status.CANCELLED, note="expired"
            )
        stale.update(status=QueueTicket.Status.CANCELLED)
        if QueueTicket.objects.filter(resident=resident, item=item, status__in=QueueTicket.ACTIVE).exists():
            raise ConflictError(
                _("This resident already holds a queue number for this service."), code="duplicate_ticket"
            )
    try:
        with transaction.atomic():
            ticket = QueueTicket.objects.create(
                org_unit=community,
                day=day,
                number=_next_number(community, day),
                item=item,
                resident=resident,
                appointment=appointment,
                source=source,
                issued_at=now,
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("This resident already holds a queue number for this service."), code="duplicate_ticket"
        ) from exc
    _transition(actor=actor, ticket=ticket, old="", new=ticket.status, note=source)
    audit.record(
        actor=actor, action="ticket.issue", obj=ticket, detail={"code": ticket.code, "source": source}
    )
    return ticket


def _set_ticket(ticket, *, actor, new, expect, now=None, **fields) -> QueueTicket:
    """A conditional update: the row changes only when it is still in one of `expect` states."""
    now = now or timezone.now()
    changed = QueueTicket.objects.filter(pk=ticket.pk, status__in=expect).update(status=new, **fields)
    if not changed:
        raise ConflictError(_("This number has already moved on."), code="bad_state")
    old = ticket.status
    ticket.refresh_from_db()
    _transition(actor=actor, ticket=ticket, old=old, new=new)
    audit.record(actor=actor, action=f"ticket.{new}", obj=ticket, detail={"code": ticket.code})
    return ticket


@transaction.atomic
def ticket_call_next(*, actor, counter: Counter, now=None) -> QueueTicket | None:
    """Call the next number to a counter, among the services the counter handles. A number called
    here earlier and not answered is skipped (no-show); appointments come before walk-ins; among
    them the lowest number first."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    for stale in QueueTicket.objects.filter(counter=counter, status=QueueTicket.Status.CALLED):
        _set_ticket(stale, actor=actor, new=QueueTicket.Status.SKIPPED, expect=[QueueTicket.Status.CALLED])
    waiting = (
        QueueTicket.objects.filter(org_unit=counter.org_unit, day=day, status=QueueTicket.Status.WAITING)
        .filter(selectors.counter_serves_q(counter))
        .annotate(
            walk_in=Case(
                When(source=QueueTicket.Source.APPOINTMENT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("walk_in", "number")
    )
    for candidate in waiting[:5]:
        try:
            return _set_ticket(
                candidate,
                actor=actor,
                new=QueueTicket.Status.CALLED,
                expect=[QueueTicket.Status.WAITING],
                counter=counter,
                called_at=now,
                call_count=1,
            )
        except ConflictError:
            continue  # another counter took it a moment ago
    return None


@transaction.atomic
def ticket_recall(*, actor, ticket: QueueTicket, now=None) -> QueueTicket:
    changed = QueueTicket.objects.filter(pk=ticket.pk, status=QueueTicket.Status.CALLED).update(
        call_count=F("call_count") + 1, called_at=now or timezone.now()
    )
    if not changed:
        raise ConflictError(_("Only a called number can be called again."), code="bad_state")
    ticket.refresh_from_db()
    audit.record(actor=actor, action="ticket.recall", obj=ticket, detail={"code": ticket.code})
    return ticket


@transaction.atomic
def ticket_skip(*, actor, ticket: QueueTicket) -> QueueTicket:
    return _set_ticket(
        ticket, actor=actor, new=QueueTicket.Status.SKIPPED, expect=[QueueTicket.Status.CALLED]
    )


@transaction.atomic
def ticket_start(*, actor, ticket: QueueTicket, now=None) -> QueueTicket:
    return _set_ticket(
        ticket,
        actor=actor,
        new=QueueTicket.Status.SERVING,
        expect=[QueueTicket.Status.CALLED],
        started_at=now or timezone.now(),
    )


@transaction.atomic
def ticket_cancel(*, actor, ticket: QueueTicket) -> QueueTicket:
    return _set_ticket(
        ticket, actor=actor, new=QueueTicket.Status.CANCELLED, expect=[QueueTicket.Status.WAITING]
    )


# --- service records -----------------------------------------------------------------------------


@transaction.atomic
def record_create(
    *,
    actor,
    item: ServiceItem,
    channel: str,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    outcome: str,
    resident: Resident | None = None,
    visitor_name: str = "",
    counter: Counter | None = None,
    station=None,
    ticket: QueueTicket | None = None,
    missing_materials: str = "",
    refusal_reason: str = "",
    notes: str = "",
    forward_partner=None,
    forward_unit=None,
    waiting_seconds: int | None = None,
) -> ServiceRecord:
    """Record one service. A forwarded service gets a due date from the item's promised time
    limit in working days and stays open until the higher unit's result is recorded. The waiting
    time comes from the queue ticket; without one, `waiting_seconds` may carry what was noted."""
    community = item.org_unit
    visitor_name = visitor_name.strip()
    if resident is None and not visitor_name:
        raise ApplicationError(
            _("Choose a resident or write the visitor's name."), code="no_person", field="resident"
        )
    if resident is not None and not community.contains(resident.org_unit):
        raise ApplicationError(
            _("The resident does not live in this community; record them as a visitor."), field="resident"
        )
    if ended_at < started_at:
        raise ApplicationError(
            _("The service cannot end before it starts."), code="bad_times", field="ended_at"
        )
    if channel not in ServiceRecord.Channel.values:
        raise ApplicationError(_("Choose where the service was given."), field="channel")
    if channel == ServiceRecord.Channel.GRID_STATION and station is None:
        raise ApplicationError(_("Choose the grid station."), field="station")
    if station is not None and not community.contains(station.org_unit):
        raise ApplicationError(_("The grid station belongs to another community."), field="station")
    if outcome not in ServiceRecord.Outcome.values:
        raise ApplicationError(_("Choose the outcome."), field="outcome")
    if outcome == ServiceRecord.Outcome.MATERIALS_MISSING and not missing_materials.strip():
        raise ApplicationError(
            _("Write which materials are missing."), code="missing_what", field="missing_materials"
        )
    if outcome == ServiceRecord.Outcome.REFUSED and not refusal_reason.strip():
        raise ApplicationError(
            _("Write the reason for the refusal."), code="no_reason", field="refusal_reason"
        )
    record = ServiceRecord(
        org_unit=(station.org_unit if station else resident.org_unit if resident else community),
        item=item,
        resident=resident,
        visitor_name="" if resident else visitor_name,
        channel=channel,
        counter=counter,
        station=station,
        ticket=ticket,
        staff=_user(actor),
        started_at=started_at,
        ended_at=ended_at,
        outcome=outcome,
        notes=notes.strip(),
        missing_materials=missing_materials.strip()
        if outcome == ServiceRecord.Outcome.MATERIALS_MISSING
        else "",
        refusal_reason=refusal_reason.strip() if outcome == ServiceRecord.Outcome.REFUSED else "",
    )
    if outcome == ServiceRecord.Outcome.FORWARDED:
        if forward_partner is None and forward_unit is None:
            forward_partner, forward_unit = item.forward_partner, item.forward_unit
        if forward_partner is None and forward_unit is None:
            raise ApplicationError(
                _("Name the unit the service is forwarded to."), code="no_target", field="forward_unit"
            )
        if forward_unit is not None and forward_unit.pk not in community.ancestor_ids:
            raise ApplicationError(
                _("A service can only be forwarded to a unit above the community."), field="forward_unit"
            )
        record.forward_partner, record.forward_unit = forward_partner, forward_unit
        record.forward_status = ServiceRecord.ForwardStatus.PENDING
        record.forward_due_at = calendar.add_working_days(
            community, ended_at, item.time_limit_days or DEFAULT_FORWARD_DAYS
        )
    if waiting_seconds is not None and waiting_seconds >= 0:
        record.waiting_seconds = int(waiting_seconds)
    if ticket is not None:
        ticket = QueueTicket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status not in (QueueTicket.Status.CALLED, QueueTicket.Status.SERVING):
            raise ConflictError(_("This number is not being served."), code="bad_state")
        if hasattr(ticket, "record"):
            raise ConflictError(_("This number already has a service record."), code="duplicate")
        record.waiting_seconds = max(0, int((started_at - ticket.issued_at).total_seconds()))
        record.counter = record.counter or ticket.counter
        _set_ticket(
            ticket,
            actor=actor,
            new=QueueTicket.Status.DONE,
            expect=[QueueTicket.Status.CALLED, QueueTicket.Status.SERVING],
            started_at=ticket.started_at or started_at,
            finished_at=ended_at,
        )
    record.save()
    if record.forward_status:
        _transition(actor=actor, record=record, old="", new=record.forward_status, note=record.forward_target)
    audit.record(actor=actor, action="servicerecord.create", obj=record, detail={"outcome": outcome})
    return record


@transaction.atomic
def record_forward_result(*, actor, record: ServiceRecord, result: str, now=None) -> ServiceRecord:
    """The higher unit answered: close the errand and tell the resident."""
    if not result.strip():
        raise ApplicationError(_("Write the result from the higher unit."), field="result")
    changed = ServiceRecord.objects.filter(
        pk=record.pk, forward_status=ServiceRecord.ForwardStatus.PENDING
    ).update(
        forward_status=ServiceRecord.ForwardStatus.RETURNED,
        forward_result=result.strip(),
        forward_result_at=now or timezone.now(),
    )
    if not changed:
        raise ConflictError(_("This service is not waiting for a result."), code="bad_state")
    record.refresh_from_db()
    _transition(
        actor=actor, record=record, old=ServiceRecord.ForwardStatus.PENDING, new=record.forward_status
    )
    audit.record(actor=actor, action="servicerecord.forward_result", obj=record)
    if record.resident_id and record.resident.user_id:
        _notify_later(
            user=record.resident.user,
            title=_("The result of your errand “%(item)s” has come back") % {"item": record.item.name},
            body=record.forward_result,
            org_unit=record.org_unit,
        )
    return record


@transaction.atomic
def forward_remind(*, now=None) -> int:
    """Remind the staff of forwarded errands due within one working day or overdue (once a day)."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(days=1)
    pending = (
        ServiceRecord.objects.select_for_update(of=("self",))
        .filter(forward_status=ServiceRecord.ForwardStatus.PENDING, forward_due_at__lte=horizon)
        .exclude(forward_reminded_at__gte=now - datetime.timedelta(hours=20))
        .select_related("item", "staff")
    )
    n = 0
    for record in pending:
        overdue = record.forward_due_at < now
        title = (
            _("Overdue: the result of “%(item)s” has not come back")
            if overdue
            else _("Due soon: the result of “%(item)s”")
        ) % {"item": record.item.name}
        for user in _reminder_recipients(record):
            _notify_later(
                user=user, title=title, url=f"/servicedesk/records/{record.pk}/", org_unit=record.org_unit
            )
        record.forward_reminded_at = now
        record.save(update_fields=["forward_reminded_at"])
        n += 1
    if n:
        audit.record(actor=None, action="servicerecord.remind", detail={"count": n})
    return n


def _reminder_recipients(record):
    users = {}
    if record.staff_id and record.staff.is_active:
        users[record.staff_id] = record.staff
    if not users:
        for a in RoleAssignment.objects.filter(
            org_unit=record.item.org_unit, role=Role.COMMUNITY_STAFF, is_active=True
        ).select_related("user"):
            users[a.user_id] = a.user
    return list(users.values())


# --- proofs --------------------------------------------------------------------------------------

PLACEHOLDERS = (
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "document_type",
    "document_number",
    "address",
    "household_head",
    "relationship",
    "community",
    "purpose",
    "date",
)


@transaction.atomic
def template_save(
    *,
    actor,
    org_unit: OrgUnit,
    code: str,
    title: str,
    body: str,
    item: ServiceItem | None = None,
    template: ProofTemplate | None = None,
    is_active: bool = True,
) -> ProofTemplate:
    import string

    try:
        names = {f for _t, f, _s, _c in string.Formatter().parse(body) if f}
    except ValueError as exc:
        raise ApplicationError(
            _("The template text has a broken placeholder."), code="bad_template", field="body"
        ) from exc
    unknown = sorted(names - set(PLACEHOLDERS))
    if unknown:
        raise ApplicationError(
            _("Unknown placeholder: %(names)s") % {"names": ", ".join(unknown)},
            code="bad_template",
            field="body",
        )
    template = template or ProofTemplate(org_unit=org_unit)
    template.code, template.title, template.body = code.strip(), title.strip(), body.strip()
    template.item, template.is_active = item, is_active
    if ProofTemplate.objects.filter(org_unit=org_unit, code=template.code).exclude(pk=template.pk).exists():
        raise ConflictError(_("Another template already uses this code."), code="duplicate", field="code")
    template.save()
    audit.record(actor=actor, action="prooftemplate.save", obj=template)
    return template


def _fill(template: ProofTemplate, resident: Resident, purpose: str, when) -> str:
    # The certificate is a Chinese document whatever language the clerk's screen shows.
    with translation.override("zh-hans"):
        return _fill_values(template, resident, purpose, when)


def _fill_values(template: ProofTemplate, resident: Resident, purpose: str, when) -> str:
    household = resident.household
    head = household.members.filter(relationship_to_head=Resident.Relationship.HEAD).first()
    values = {
        "name": resident.name,
        "gender": resident.get_gender_display(),
        "birth_date": f"{resident.birth_date:%Y-%m-%d}",
        "ethnicity": resident.ethnicity,
        "document_type": resident.get_document_type_display(),
        "document_number": resident.document_number,
        "address": household.address,
        "household_head": head.name if head else "",
        "relationship": resident.get_relationship_to_head_display(),
        "community": template.org_unit.name,
        "purpose": purpose,
        "date": f"{timezone.localdate(when):%Y-%m-%d}",
    }

    class _Safe(dict):
        def __missing__(self, key):
            return "{" + key + "}"

    try:
        return template.body.format_map(_Safe(values))
    except (ValueError, IndexError) as exc:
        raise ApplicationError(_("The template text has a broken placeholder."), code="bad_template") from exc


def _mask_name(name: str) -> str:
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


@transaction.atomic
def proof_issue(
    *,
    actor,
    template: ProofTemplate,
    resident: Resident,
    purpose: str = "",
    record: ServiceRecord | None = None,
    now=None,
) -> Proof:
    """Issue a numbered proof from a template and the resident's registry data."""
    if not template.is_active:
        raise ApplicationError(
            _("This proof template is no longer in use."), code="inactive", field="template"
        )
    if resident.status != Resident.Status.LIVING:
        raise ApplicationError(
            _("Proofs are issued only for residents living in the community."),
            code="not_living",
            field="resident",
        )
    if not template.org_unit.contains(resident.org_unit):
        raise ApplicationError(_("The resident does not live in this community."), field="resident")
    now = now or timezone.now()
    year = timezone.localdate(now).year
    body = _fill(template, resident, purpose.strip(), now)
    for _attempt in range(5):
        serial = (
            Proof.objects.filter(org_unit=template.org_unit, year=year).aggregate(m=Max("serial"))["m"] or 0
        ) + 1
        try:
            with transaction.atomic():
                proof = Proof.objects.create(
                    org_unit=template.org_unit,
                    template=template,
                    resident=resident,
                    record=record,
                    year=year,
                    serial=serial,
                    title=template.title,
                    body=body,
                    purpose=purpose.strip(),
                    holder_masked=_mask_name(resident.name),
                    issued_at=now,
                    issued_by=_user(actor),
                )
            break
        except IntegrityError:
            continue
    else:
        raise ConflictError(_("Please try again."), code="busy")
    audit.record(
        actor=actor,
        action="proof.issue",
        obj=proof,
        detail={"number": proof.number, "document": crypto.mask_id_number(resident.document_number)},
    )
    return proof


@transaction.atomic
def proof_revoke(*, actor, proof: Proof, reason: str) -> Proof:
    if not reason.strip():
        raise ApplicationError(_("Write why the proof is revoked."), code="no_reason", field="reason")
    changed = Proof.objects.filter(pk=proof.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=_user(actor), revoke_reason=reason.strip()[:300]
    )
    if not changed:
        raise ConflictError(_("This proof is already revoked."), code="already_revoked")
    proof.refresh_from_db()
    audit.record(actor=actor, action="proof.revoke", obj=proof, detail={"number": proof.number})
    return proof


# --- ratings -------------------------------------------------------------------------------------


@transaction.atomic
def rating_submit(
    *,
    record: ServiceRecord,
    level: str,
    reason: str = "",
    via: str = Rating.Via.QR,
    user=None,
) -> Rating:
    """A resident rates a service once. Signed-in residents may rate only their own services;
    on the tablet and through the receipt's QR code the token already proves it."""
    if level not in Rating.Level.values:
        raise ApplicationError(_("Choose satisfied, basically satisfied or dissatisfied."), field="level")
    if via == Rating.Via.APP:
        resident_user = record.resident.user_id if record.resident_id else None
        if user is None or resident_user != user.pk:
            raise ApplicationError(_("You can only rate your own services."), code="not_yours", status=403)
    if Rating.objects.filter(record=record).exists():
        raise ConflictError(_("This service has already been rated. Thank you!"), code="already_rated")
    dissatisfied = level == Rating.Level.DISSATISFIED
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                org_unit=record.org_unit,
                record=record,
                level=level,
                reason=reason.strip()[:300],
                via=via,
                rated_by=_user(user),
                callback_status=Rating.Callback.PENDING if dissatisfied else "",
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("This service has already been rated. Thank you!"), code="already_rated"
        ) from exc
    audit.record(actor=user, action="rating.submit", obj=rating, detail={"level": level})
    if dissatisfied:
        community = record.item.org_unit
        for a in RoleAssignment.objects.filter(
            org_unit=community, role=Role.SECRETARY, is_active=True
        ).select_related("user"):
            _notify_later(
                user=a.user,
                title=_("A resident was dissatisfied with “%(item)s”: please call back")
                % {"item": record.item.name},
                url="/servicedesk/callbacks/",
                org_unit=community,
            )
    return rating


@transaction.atomic
def rating_callback(*, actor, rating: Rating, note: str) -> Rating:
    if not note.strip():
        raise ApplicationError(_("Write what the resident said on the call."), field="note")
    changed = Rating.objects.filter(pk=rating.pk, callback_status=Rating.Callback.PENDING).update(
        callback_status=Rating.Callback.DONE,
        callback_note=note.strip()[:300],
        callback_by=_user(actor),
        callback_at=timezone.now(),
    )
    if not changed:
        raise ConflictError(_("This rating needs no call-back."), code="bad_state")
    rating.refresh_from_db()
    audit.record(actor=actor, action="rating.callback", obj=rating)
    return rating
