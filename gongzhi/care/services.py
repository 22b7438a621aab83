"""Every write of the care app. Keyword-only, atomic, audited; refusals are ApplicationError."""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core import services as core_services
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import DataProcessingBasis, OrgUnit, PartnerUnit
from gongzhi.registry.models import Resident

from . import gbt42195
from .models import (
    Assessment,
    CareProfile,
    ChildFollowUp,
    ChildProfile,
    ClinicEvent,
    HealthRecord,
    Measurement,
    OrderStep,
    RecurringOrder,
    RiskLevel,
    ServiceOrder,
    ServiceType,
    Visit,
    VisitFrequency,
    Volunteer,
)

# Used when no VisitFrequency row exists (the migration seeds the same numbers as data).
DEFAULT_FREQUENCY_DAYS = {RiskLevel.HIGH: 7, RiskLevel.MEDIUM: 30, RiskLevel.LOW: 90}
MAX_VISIT_PHOTOS = 4


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def community_of(unit: OrgUnit) -> OrgUnit:
    return unit.parent if unit.kind == OrgUnit.Kind.GRID and unit.parent_id else unit


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- roster ------------------------------------------------------------------------------------


def frequency_days(level: str, org_unit: OrgUnit | None) -> int:
    """Days between visits for a risk level: the community's own row, else the default row."""
    units = []
    if org_unit is not None:
        units = [u for u in (org_unit.pk, org_unit.parent_id) if u]
    rows = {
        (r.org_unit_id, r.risk_level): r.days
        for r in VisitFrequency.objects.filter(Q(org_unit__isnull=True) | Q(org_unit_id__in=units))
    }
    for unit in [*units, None]:
        if (unit, level) in rows:
            return rows[(unit, level)]
    return DEFAULT_FREQUENCY_DAYS[RiskLevel(level)]


def next_visit_due(last_visit: datetime.date | None, level: str, org_unit=None) -> datetime.date | None:
    """The date the next visit is due: the last visit plus the level's frequency. Never visited:
    None, which the roster shows as due now (and sorts first)."""
    if last_visit is None:
        return None
    return last_visit + datetime.timedelta(days=frequency_days(level, org_unit))


def _check_worker_grid(resident: Resident):
    if resident.status != Resident.Status.LIVING:
        raise ApplicationError(_("This person is no longer living in the community."), code="not_living")


@transaction.atomic
def profile_ensure(*, actor, resident: Resident) -> CareProfile:
    """The resident's care profile, created on first use (medium risk until set)."""
    profile = CareProfile.objects.filter(resident=resident).first()
    if profile is not None:
        return profile
    _check_worker_grid(resident)
    profile = CareProfile.objects.create(resident=resident, org_unit=resident.org_unit)
    audit.record(actor=_user(actor), action="care.profile.create", obj=profile)
    return profile


@transaction.atomic
def profile_set_risk(*, actor, resident: Resident, level: str, reason: str) -> CareProfile:
    if level not in RiskLevel.values:
        raise ApplicationError(_("Choose a risk level."), field="risk_level")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason for the risk level."), code="required", field="risk_reason")
    profile = profile_ensure(actor=actor, resident=resident)
    profile = CareProfile.objects.select_for_update().get(pk=profile.pk)
    before = profile.risk_level
    profile.risk_level = level
    profile.risk_reason = reason[:300]
    profile.risk_set_by = _user(actor)
    profile.risk_set_at = timezone.now()
    profile.next_due_on = next_visit_due(profile.last_visit_on, level, profile.org_unit)
    profile.save()
    audit.record(
        actor=_user(actor),
        action="care.profile.risk",
        obj=profile,
        detail={"from": before, "to": level},
    )
    return profile


@transaction.atomic
def frequency_set(*, actor, org_unit: OrgUnit | None, level: str, days: int) -> VisitFrequency:
    if level not in RiskLevel.values:
        raise ApplicationError(_("Choose a risk level."), field="risk_level")
    if not isinstance(days, int) or not 1 <= days <= 366:
        raise ApplicationError(_("The frequency must be between 1 and 366 days."), field="days")
    row, _created = VisitFrequency.objects.update_or_create(
        org_unit=org_unit, risk_level=level, defaults={"days": days}
    )
    audit.record(
        actor=_user(actor), action="care.frequency.set", obj=row, org_unit=org_unit, detail={"days": days}
    )
    for profile in CareProfile.objects.select_related("org_unit").filter(
        risk_level=level, **({"org_unit__path__startswith": org_unit.path} if org_unit else {})
    ):
        due = next_visit_due(profile.last_visit_on, level, profile.org_unit)
        if due != profile.next_due_on:
            CareProfile.objects.filter(pk=profile.pk).update(next_due_on=due)
    return row


# --- visits ------------------------------------------------------------------------------------

WELLBEING_ITEMS = ("eating_well", "sleeping_well", "home_safe", "warm_enough", "mood_good", "medicine_taken")


def _open_case(*, actor, resident: Resident, category, description: str):
    from gongzhi.cases import services as case_services
    from gongzhi.cases.models import Case

    return case_services.case_create(
        actor=actor,
        channel=Case.Channel.PATROL,
        category=category,
        description=description,
        org_unit=resident.org_unit,
        location_kind=Case.LocationKind.ADDRESS,
        address=resident.household.address,
        reporter_name=resident.name,
    )


@transaction.atomic
def visit_record(
    *,
    actor,
    resident: Resident,
    visited_on: datetime.date,
    situation: str,
    kind: str = Visit.Kind.HOME,
    companions: str = "",
    needs: str = "",
    wellbeing: dict | None = None,
    photos=(),
    client_key: str = "",
    case_category=None,
    order_service_type: ServiceType | None = None,
    today: datetime.date | None = None,
) -> Visit:
    """Record a home or phone visit; moves the last visit and the next due date. A needs text
    with a case category opens a case (cases' service), with a service type a service order.
    A form resubmitted with the same client_key returns the first visit."""
    today = today or timezone.localdate()
    client_key = (client_key or "").strip()[:64]
    if client_key:
        existing = Visit.objects.filter(visitor=actor, client_key=client_key).first()
        if existing is not None:
            return existing
    if kind not in Visit.Kind.values:
        raise ApplicationError(_("Choose a home visit or a phone call."), field="kind")
    if not isinstance(visited_on, datetime.date):
        raise ApplicationError(_("Give the date of the visit."), code="required", field="visited_on")
    if visited_on > today:
        raise ApplicationError(_("A visit cannot be in the future."), field="visited_on")
    if visited_on < today - datetime.timedelta(days=90):
        raise ApplicationError(_("Visits more than 90 days ago cannot be recorded."), field="visited_on")
    situation = (situation or "").strip()
    if not situation:
        raise ApplicationError(_("Describe the situation."), code="required", field="situation")
    needs = (needs or "").strip()
    if (case_category is not None or order_service_type is not None) and not needs:
        raise ApplicationError(_("Describe the needs found to open a case or an order."), field="needs")
    photos = [p for p in photos if p]
    if len(photos) > MAX_VISIT_PHOTOS:
        raise ApplicationError(
            _("At most %(n)s photos can be attached.") % {"n": MAX_VISIT_PHOTOS}, field="photos"
        )
    wellbeing = {k: bool(v) for k, v in (wellbeing or {}).items() if k in WELLBEING_ITEMS}
    profile = profile_ensure(actor=actor, resident=resident)
    profile = CareProfile.objects.select_for_update().select_related("org_unit").get(pk=profile.pk)
    visit = Visit.objects.create(
        profile=profile,
        org_unit=profile.org_unit,
        kind=kind,
        visited_on=visited_on,
        visitor=actor,
        companions=(companions or "").strip()[:200],
        situation=situation,
        wellbeing=wellbeing,
        needs=needs,
        client_key=client_key,
    )
    if photos:
        from gongzhi.core.uploads import upload_store

        stored = [
            upload_store(
                actor=actor, file=f, org_unit=profile.org_unit, purpose="care.visit_photo", images_only=True
            )
            for f in photos
        ]
        visit.photos.set(stored)
    if profile.last_visit_on is None or visited_on >= profile.last_visit_on:
        profile.last_visit_on = visited_on
        profile.next_due_on = next_visit_due(visited_on, profile.risk_level, profile.org_unit)
        profile.save(update_fields=["last_visit_on", "next_due_on"])
    if case_category is not None:
        case = _open_case(actor=actor, resident=resident, category=case_category, description=needs)
        visit.case_id = case.pk
        visit.save(update_fields=["case_id"])
    if order_service_type is not None:
        order_create(actor=actor, resident=resident, service_type=order_service_type, description=needs[:300])
    audit.record(
        actor=actor,
        action="care.visit.record",
        obj=visit,
        detail={"kind": kind, "case": visit.case_id, "photos": len(photos)},
    )
    return visit


# --- assessments -------------------------------------------------------------------------------


@transaction.atomic
def assessment_record(
    *,
    actor,
    resident: Resident,
    assessed_on: datetime.date,
    answers: dict,
    coma: bool = False,
    dementia: bool = False,
    risk_events_30d: int = 0,
    note: str = "",
    today: datetime.date | None = None,
) -> Assessment:
    today = today or timezone.localdate()
    if not isinstance(assessed_on, datetime.date) or assessed_on > today:
        raise ApplicationError(_("Give the date of the assessment (not in the future)."), field="assessed_on")
    if not isinstance(risk_events_30d, int) or not 0 <= risk_events_30d <= 99:
        raise ApplicationError(_("Give the number of events as a whole number."), field="risk_events_30d")
    try:
        result = gbt42195.score(answers, coma=coma, dementia=dementia, risk_events_30d=risk_events_30d)
    except ValueError as exc:
        item = gbt42195.ITEMS.get(str(exc))
        raise ApplicationError(
            _("Score every item within its range (%(item)s).") % {"item": item.label if item else exc},
            field=str(exc),
        ) from exc
    profile = profile_ensure(actor=actor, resident=resident)
    profile = CareProfile.objects.select_for_update().get(pk=profile.pk)
    next_due = _add_months(assessed_on, gbt42195.REASSESS_MONTHS)
    assessment = Assessment.objects.create(
        profile=profile,
        org_unit=profile.org_unit,
        assessed_on=assessed_on,
        assessor=actor,
        answers=gbt42195.check_answers(answers),
        total=result.total,
        preliminary_level=result.preliminary_level,
        level=result.level,
        coma=coma,
        dementia=dementia,
        risk_events_30d=risk_events_30d,
        adjustments=list(result.adjustments),
        note=(note or "").strip(),
        next_due_on=next_due,
        **result.dimension_scores,
    )
    if profile.last_assessed_on is None or assessed_on >= profile.last_assessed_on:
        profile.last_assessed_on = assessed_on
        profile.capability_level = result.level
        profile.reassess_due_on = next_due
        profile.save(update_fields=["last_assessed_on", "capability_level", "reassess_due_on"])
    audit.record(
        actor=actor,
        action="care.assessment.record",
        obj=assessment,
        detail={"total": result.total, "level": result.level},
    )
    return assessment


# --- service orders ----------------------------------------------------------------------------

S = ServiceOrder.State
# action -> (states it may start from, state it leads to)
TRANSITIONS = {
    "assign": ({S.REQUESTED, S.ASSIGNED}, S.ASSIGNED),
    "schedule": ({S.ASSIGNED, S.SCHEDULED}, S.SCHEDULED),
    "complete": ({S.SCHEDULED}, S.DONE),
    "rate": ({S.DONE}, S.RATED),
    "cancel": ({S.REQUESTED, S.ASSIGNED, S.SCHEDULED}, S.CANCELLED),
}
VOLUNTEER_POINTS_RULE = "volunteer-hour"


def allowed_actions(order: ServiceOrder) -> list[str]:
    return [a for a, (sources, _to) in TRANSITIONS.items() if order.state in sources]


def _step(order, *, action, from_state, actor, note=""):
    OrderStep.objects.create(
        order=order,
        org_unit_id=order.org_unit_id,
        action=action,
        from_state=from_state,
        to_state=order.state,
        actor=_user(actor),
        note=note[:300],
    )
    audit.record(
        actor=_user(actor),
        action=f"care.order.{action}",
        obj=order,
        detail={"from": from_state, "to": order.state},
    )


def service_types_for(org_unit: OrgUnit):
    community = community_of(org_unit)
    return ServiceType.objects.filter(Q(org_unit__isnull=True) | Q(org_unit=community), is_active=True)


def _check_provider(order_unit: OrgUnit, partner, volunteer):
    if partner is not None and volunteer is not None:
        raise ApplicationError(_("Choose a partner unit or a volunteer, not both."), field="provider")
    community = community_of(order_unit)
    if volunteer is not None and (volunteer.org_unit_id != community.pk or not volunteer.is_active):
        raise ApplicationError(_("This volunteer is not in the community's team."), field="volunteer")
    if (
        partner is not None
        and not partner.org_unit.contains(community)
        and not community.contains(partner.org_unit)
    ):
        raise ApplicationError(_("This partner unit does not serve the community."), field="partner")


@transaction.atomic
def order_create(
    *,
    actor,
    resident: Resident,
    service_type: ServiceType,
    description: str = "",
    recurring: RecurringOrder | None = None,
    occurrence_on: datetime.date | None = None,
    partner=None,
    volunteer=None,
    scheduled_for=None,
) -> ServiceOrder:
    if service_type is None or not service_type.is_active:
        raise ApplicationError(_("Choose a service."), code="required", field="service_type")
    profile = profile_ensure(actor=actor, resident=resident)
    if not service_types_for(profile.org_unit).filter(pk=service_type.pk).exists():
        raise ApplicationError(_("This service is not offered in the community."), field="service_type")
    _check_provider(profile.org_unit, partner, volunteer)
    order = ServiceOrder.objects.create(
        profile=profile,
        org_unit=profile.org_unit,
        service_type=service_type,
        description=(description or "").strip()[:300],
        recurring=recurring,
        occurrence_on=occurrence_on,
        created_by=actor,
    )
    _step(order, action="request", from_state="", actor=actor)
    if partner is not None or volunteer is not None:
        order = order_transition(
            actor=actor, order=order, action="assign", partner=partner, volunteer=volunteer
        )
    if scheduled_for is not None:
        order = order_transition(actor=actor, order=order, action="schedule", scheduled_for=scheduled_for)
    return order


def _hours(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("Give the hours as a number."), field="hours") from exc
    if not Decimal("0") < hours <= Decimal("24"):
        raise ApplicationError(_("The hours must be more than 0 and at most 24."), field="hours")
    return hours


def _award_volunteer_points(*, actor, order: ServiceOrder) -> int:
    """Volunteer hours earn points through the points bank (rule 'volunteer-hour'), once per order.
    No resident behind the volunteer, no such rule, or a cap reached: the order is done anyway."""
    volunteer = order.volunteer
    if volunteer is None or volunteer.resident_id is None or not order.hours:
        return 0
    from gongzhi.points import services as points_services

    try:
        with transaction.atomic():
            result = points_services.award_create(
                actor=actor,
                resident=volunteer.resident,
                rule_code=VOLUNTEER_POINTS_RULE,
                quantity=order.hours,
                idempotency_key=f"care-order-{order.pk}",
                note=str(order.service_type),
                source=f"care.order:{order.pk}",
            )
    except ApplicationError:
        return 0
    return result.entry.points


@transaction.atomic
def order_transition(*, actor, order: ServiceOrder, action: str, note: str = "", **params) -> ServiceOrder:
    if action not in TRANSITIONS:
        raise ApplicationError(_("Unknown action."), field="action")
    order = ServiceOrder.objects.select_for_update().select_related("org_unit").get(pk=order.pk)
    sources, target = TRANSITIONS[action]
    if order.state not in sources:
        raise ConflictError(
            _("The order is %(state)s; this step is not possible now.")
            % {"state": order.get_state_display()},
            code="wrong_state",
        )
    from_state = order.state
    if action == "assign":
        partner, volunteer = params.get("partner"), params.get("volunteer")
        if partner is None and volunteer is None:
            raise ApplicationError(
                _("Choose a partner unit or a volunteer."), code="required", field="provider"
            )
        _check_provider(order.org_unit, partner, volunteer)
        order.partner, order.volunteer = partner, volunteer
    elif action == "schedule":
        when = params.get("scheduled_for")
        if not isinstance(when, datetime.datetime):
            raise ApplicationError(_("Give the date and time."), code="required", field="scheduled_for")
        order.scheduled_for = when
    elif action == "complete":
        done_note = (params.get("done_note") or "").strip()
        confirmed_by = (params.get("confirmed_by") or "").strip()
        if not done_note:
            raise ApplicationError(_("Describe what was done."), code="required", field="done_note")
        if not confirmed_by:
            raise ApplicationError(
                _("Give the name of the person or relative who confirmed the service."),
                code="required",
                field="confirmed_by",
            )
        order.hours = _hours(params.get("hours"))
        order.done_note, order.confirmed_by, order.done_at = done_note, confirmed_by[:100], timezone.now()
    elif action == "rate":
        rating = params.get("rating")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise ApplicationError(_("Give 1 to 5 stars."), field="rating")
        order.rating, order.rating_comment = rating, (params.get("comment") or "").strip()[:300]
    elif action == "cancel":
        reason = (note or "").strip()
        if not reason:
            raise ApplicationError(_("Give the reason for cancelling."), code="required", field="note")
        order.cancel_reason = reason[:300]
    order.state = target
    order.save()
    if action == "complete":
        points = _award_volunteer_points(actor=actor, order=order)
        if points:
            order.points_awarded = points
            order.save(update_fields=["points_awarded"])
    _step(order, action=action, from_state=from_state, actor=actor, note=note)
    return order


WEEKDAYS = (0, 1, 2, 3, 4)


@transaction.atomic
def recurring_create(
    *,
    actor,
    resident: Resident,
    service_type: ServiceType,
    weekdays,
    time: datetime.time,
    start_on: datetime.date,
    end_on: datetime.date | None = None,
    partner=None,
    volunteer=None,
    note: str = "",
) -> RecurringOrder:
    days = sorted({int(d) for d in weekdays if str(d).isdigit() and 0 <= int(d) <= 6})
    if not days:
        raise ApplicationError(_("Choose at least one weekday."), code="required", field="weekdays")
    if end_on is not None and end_on < start_on:
        raise ApplicationError(_("The end date is before the start date."), field="end_on")
    if service_type is None:
        raise ApplicationError(_("Choose a service."), code="required", field="service_type")
    profile = profile_ensure(actor=actor, resident=resident)
    if not service_types_for(profile.org_unit).filter(pk=service_type.pk).exists():
        raise ApplicationError(_("This service is not offered in the community."), field="service_type")
    _check_provider(profile.org_unit, partner, volunteer)
    recurring = RecurringOrder.objects.create(
        profile=profile,
        org_unit=profile.org_unit,
        service_type=service_type,
        weekdays=days,
        time=time,
        start_on=start_on,
        end_on=end_on,
        partner=partner,
        volunteer=volunteer,
        note=(note or "").strip()[:300],
        created_by=actor,
    )
    audit.record(actor=actor, action="care.recurring.create", obj=recurring, detail={"weekdays": days})
    return recurring


def recurring_generate(*, actor=None, until: datetime.date, today: datetime.date | None = None) -> int:
    """Create the occurrences of every active standing order up to `until` (inclusive): one
    order per matching weekday, assigned and scheduled when the standing order names a provider.
    Idempotent: an occurrence already generated is skipped (unique per day)."""
    today = today or timezone.localdate()
    created = 0
    tz = timezone.get_current_timezone()
    for recurring in RecurringOrder.objects.select_related("profile__resident", "service_type").filter(
        is_active=True
    ):
        start = max(
            recurring.start_on, today, (recurring.generated_until or today) + datetime.timedelta(days=1)
        )
        if recurring.generated_until is None:
            start = max(recurring.start_on, today)
        end = min(until, recurring.end_on) if recurring.end_on else until
        day = start
        with transaction.atomic():
            while day <= end:
                if (
                    day.weekday() in recurring.weekdays
                    and not ServiceOrder.objects.filter(recurring=recurring, occurrence_on=day).exists()
                ):
                    order_create(
                        actor=actor or recurring.created_by,
                        resident=recurring.profile.resident,
                        service_type=recurring.service_type,
                        description=recurring.note,
                        recurring=recurring,
                        occurrence_on=day,
                        partner=recurring.partner,
                        volunteer=recurring.volunteer,
                        scheduled_for=(
                            datetime.datetime.combine(day, recurring.time, tzinfo=tz)
                            if recurring.partner_id or recurring.volunteer_id
                            else None
                        ),
                    )
                    created += 1
                day += datetime.timedelta(days=1)
            if end >= start:
                RecurringOrder.objects.filter(pk=recurring.pk).update(generated_until=end)
    return created


@transaction.atomic
def volunteer_create(
    *,
    actor,
    org_unit: OrgUnit,
    name: str,
    resident=None,
    skills: str = "",
    availability: str = "",
    is_party_member=False,
) -> Volunteer:
    name = (name or (resident.name if resident else "")).strip()
    if not name:
        raise ApplicationError(_("Give the volunteer's name."), code="required", field="name")
    community = community_of(org_unit)
    if resident is not None and community_of(resident.org_unit).pk != community.pk:
        raise ApplicationError(_("The resident does not live in this community."), field="resident")
    volunteer = Volunteer.objects.create(
        org_unit=community,
        resident=resident,
        name=name[:100],
        skills=(skills or "").strip()[:200],
        availability=(availability or "").strip()[:200],
        is_party_member=bool(is_party_member),
    )
    audit.record(actor=_user(actor), action="care.volunteer.create", obj=volunteer)
    return volunteer


# --- health records ----------------------------------------------------------------------------

# Adult reference ranges (low, high inclusive) and units. Blood pressure after the Chinese
# hypertension guideline (normal below 140/90 mmHg); fasting glucose 3.9-6.1 mmol/L and random
# glucose below 11.1 mmol/L after the Chinese diabetes guideline; BMI 18.5-23.9 after WS/T 428-2013.
RANGES = {
    Measurement.Kind.SYSTOLIC: ("mmHg", Decimal("90"), Decimal("139")),
    Measurement.Kind.DIASTOLIC: ("mmHg", Decimal("60"), Decimal("89")),
    Measurement.Kind.GLUCOSE_FASTING: ("mmol/L", Decimal("3.9"), Decimal("6.1")),
    Measurement.Kind.GLUCOSE_RANDOM: ("mmol/L", Decimal("3.9"), Decimal("11.0")),
    Measurement.Kind.WEIGHT: ("kg", None, None),
    Measurement.Kind.HEIGHT: ("cm", None, None),
    Measurement.Kind.BMI: ("kg/m²", Decimal("18.5"), Decimal("23.9")),
}
# Values outside these are typing mistakes, not measurements.
PLAUSIBLE = {
    Measurement.Kind.SYSTOLIC: (Decimal("50"), Decimal("300")),
    Measurement.Kind.DIASTOLIC: (Decimal("30"), Decimal("200")),
    Measurement.Kind.GLUCOSE_FASTING: (Decimal("1"), Decimal("40")),
    Measurement.Kind.GLUCOSE_RANDOM: (Decimal("1"), Decimal("40")),
    Measurement.Kind.WEIGHT: (Decimal("2"), Decimal("300")),
    Measurement.Kind.HEIGHT: (Decimal("40"), Decimal("250")),
    Measurement.Kind.BMI: (Decimal("8"), Decimal("80")),
}


def out_of_range(kind: str, value: Decimal) -> bool:
    _unit, low, high = RANGES[kind]
    return (low is not None and value < low) or (high is not None and value > high)


def bmi(weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    metres = height_cm / Decimal(100)
    return (weight_kg / (metres * metres)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@transaction.atomic
def health_record_create(
    *,
    actor,
    resident: Resident,
    basis: str,
    statute: str = "",
    consent_given_on=None,
    consent_by: str = "",
    consent_relation: str = "",
    **fields,
) -> HealthRecord:
    """Open a resident's health record together with its legal basis (statute, or consent with
    date and who gave it). One record per resident."""
    if HealthRecord.objects.filter(resident=resident).exists():
        raise ConflictError(_("This resident already has a health record."), code="exists")
    record = HealthRecord.objects.create(
        resident=resident,
        org_unit=resident.org_unit,
        created_by=_user(actor),
        **{k: (v or "").strip() for k, v in fields.items() if k in HEALTH_FIELDS},
    )
    core_services.processing_basis_record(
        actor=actor,
        obj=record,
        org_unit=record.org_unit,
        category=DataProcessingBasis.Category.HEALTH,
        purpose=_("Community health record and chronic-disease screening"),
        basis=basis,
        statute=statute,
        consent_given_on=consent_given_on,
        consent_by=consent_by,
        consent_relation=consent_relation,
    )
    audit.record(actor=_user(actor), action="care.health_record.create", obj=record)
    return record


HEALTH_FIELDS = ("chronic_conditions", "medications", "allergies", "family_doctor", "family_doctor_phone")


@transaction.atomic
def health_record_update(*, actor, record: HealthRecord, **fields) -> HealthRecord:
    changed = []
    for name, value in fields.items():
        if name in HEALTH_FIELDS and (value or "").strip() != getattr(record, name):
            setattr(record, name, (value or "").strip())
            changed.append(name)
    if changed:
        record.save(update_fields=changed)
        audit.record(actor=actor, action="care.health_record.update", obj=record, detail={"fields": changed})
    return record


def _decimal(value, kind):
    try:
        number = Decimal(str(value).strip()).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("Give the value as a number."), field=kind) from exc
    low, high = PLAUSIBLE[kind]
    if not low <= number <= high:
        raise ApplicationError(
            _("%(value)s is not a plausible value; check it.") % {"value": number}, field=kind
        )
    return number


@transaction.atomic
def measurements_add(
    *,
    actor,
    record: HealthRecord,
    values: dict,
    measured_on: datetime.date,
    clinic: ClinicEvent | None = None,
) -> list[Measurement]:
    """Record screening values {kind: value}; BMI is computed from weight and height. Each value
    is flagged when outside its reference range."""
    clean = {}
    for kind, value in values.items():
        if kind not in RANGES or kind == Measurement.Kind.BMI:
            continue
        if value in (None, ""):
            continue
        clean[kind] = _decimal(value, kind)
    if not clean:
        raise ApplicationError(_("Enter at least one measurement."), code="required")
    if (Measurement.Kind.SYSTOLIC in clean) != (Measurement.Kind.DIASTOLIC in clean):
        raise ApplicationError(_("Give both blood pressure values."), field="diastolic")
    if Measurement.Kind.SYSTOLIC in clean and clean["systolic"] <= clean["diastolic"]:
        raise ApplicationError(_("The systolic value must be above the diastolic."), field="systolic")
    if Measurement.Kind.WEIGHT in clean and Measurement.Kind.HEIGHT in clean:
        clean[Measurement.Kind.BMI] = bmi(clean["weight"], clean["height"])
    rows = [
        Measurement(
            record=record,
            org_unit=record.org_unit,
            kind=kind,
            value=value,
            unit=RANGES[kind][0],
            out_of_range=out_of_range(kind, value),
            measured_on=measured_on,
            clinic=clinic,
            recorded_by=_user(actor),
        )
        for kind, value in clean.items()
    ]
    Measurement.objects.bulk_create(rows)
    audit.record(
        actor=actor,
        action="care.measurement.add",
        obj=record,
        detail={"kinds": sorted(clean), "flagged": sum(r.out_of_range for r in rows)},
    )
    return rows


@transaction.atomic
def clinic_create(
    *, actor, org_unit: OrgUnit, name: str, held_on: datetime.date, place: str = ""
) -> ClinicEvent:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the clinic a name."), code="required", field="name")
    clinic = ClinicEvent.objects.create(
        org_unit=community_of(org_unit),
        name=name[:120],
        held_on=held_on,
        place=(place or "").strip()[:200],
        created_by=actor,
    )
    audit.record(actor=actor, action="care.clinic.create", obj=clinic)
    return clinic


@transaction.atomic
def clinic_screen(
    *, actor, clinic: ClinicEvent, resident: Resident, values: dict, consent_by: str = ""
) -> list[Measurement]:
    """The fast entry of a free clinic: one resident's values. A resident without a record gets
    one on their consent given at the clinic (the name of who consented is required)."""
    if not resident.org_unit.path.startswith(clinic.org_unit.path):
        raise ApplicationError(_("The resident does not live in the clinic's community."), field="resident")
    record = HealthRecord.objects.filter(resident=resident).first()
    if record is None:
        if not (consent_by or "").strip():
            raise ApplicationError(
                _("This resident has no health record yet: record who gave consent at the clinic."),
                code="consent_required",
                field="consent_by",
            )
        record = health_record_create(
            actor=actor,
            resident=resident,
            basis=DataProcessingBasis.Basis.CONSENT,
            consent_given_on=clinic.held_on,
            consent_by=consent_by.strip(),
            consent_relation=DataProcessingBasis.Relation.SELF,
        )
    return measurements_add(
        actor=actor, record=record, values=values, measured_on=clinic.held_on, clinic=clinic
    )


# --- child monitoring --------------------------------------------------------------------------

CHILD_FIELDS = (
    "guardian_relation",
    "guardian_phone",
    "school",
    "parents_whereabouts",
    "risk_factors",
    "visit_plan",
    "help_plan",
)


def _check_guardian(child: Resident, guardian: Resident | None):
    if guardian is None:
        return
    if guardian.pk == child.pk or guardian.household_id != child.household_id:
        raise ApplicationError(
            _("The guardian must be another member of the child's household."), field="guardian"
        )


@transaction.atomic
def child_profile_create(
    *,
    actor,
    resident: Resident,
    kind: str,
    guardian: Resident | None = None,
    next_follow_up_on=None,
    basis: str = DataProcessingBasis.Basis.STATUTORY,
    statute: str = "",
    today=None,
    **fields,
) -> ChildProfile:
    today = today or timezone.localdate()
    if kind not in ChildProfile.Kind.values:
        raise ApplicationError(_("Choose the child's situation."), field="kind")
    age = (
        today.year
        - resident.birth_date.year
        - ((today.month, today.day) < (resident.birth_date.month, resident.birth_date.day))
    )
    if age >= 18:
        raise ApplicationError(_("Only children under 18 are monitored here."), field="resident")
    if ChildProfile.objects.filter(resident=resident).exists():
        raise ConflictError(_("This child is already monitored."), code="exists")
    _check_guardian(resident, guardian)
    child = ChildProfile.objects.create(
        resident=resident,
        org_unit=resident.org_unit,
        kind=kind,
        guardian=guardian,
        next_follow_up_on=next_follow_up_on,
        created_by=_user(actor),
        **{k: (v or "").strip() for k, v in fields.items() if k in CHILD_FIELDS},
    )
    core_services.processing_basis_record(
        actor=actor,
        obj=child,
        org_unit=child.org_unit,
        category=DataProcessingBasis.Category.CHILD,
        purpose=_("Monitoring and help for a left-behind, floating or distressed child"),
        basis=basis,
        statute=statute or "《中华人民共和国未成年人保护法》第四十三条",
    )
    audit.record(actor=_user(actor), action="care.child.create", obj=child)
    return child


@transaction.atomic
def child_profile_update(
    *, actor, child: ChildProfile, guardian=..., next_follow_up_on=..., **fields
) -> ChildProfile:
    changed = []
    if guardian is not ...:
        _check_guardian(child.resident, guardian)
        child.guardian = guardian
        changed.append("guardian")
    if next_follow_up_on is not ...:
        child.next_follow_up_on = next_follow_up_on
        changed.append("next_follow_up_on")
    for name, value in fields.items():
        if name in CHILD_FIELDS:
            setattr(child, name, (value or "").strip())
            changed.append(name)
    if changed:
        child.save(update_fields=changed)
        audit.record(actor=actor, action="care.child.update", obj=child, detail={"fields": changed})
    return child


@transaction.atomic
def child_follow_up_add(
    *, actor, child: ChildProfile, on: datetime.date, note: str, next_follow_up_on=None, today=None
) -> ChildFollowUp:
    today = today or timezone.localdate()
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("Describe the follow-up."), code="required", field="note")
    if on > today:
        raise ApplicationError(_("A follow-up cannot be in the future."), field="on")
    if next_follow_up_on is not None and next_follow_up_on <= on:
        raise ApplicationError(_("The next follow-up must be after this one."), field="next_follow_up_on")
    follow_up = ChildFollowUp.objects.create(
        child=child, org_unit=child.org_unit, on=on, note=note, actor=actor
    )
    ChildProfile.objects.filter(pk=child.pk).update(next_follow_up_on=next_follow_up_on)
    audit.record(actor=actor, action="care.child.follow_up", obj=child)
    return follow_up


def partner_options(org_unit: OrgUnit):
    community = community_of(org_unit)
    return PartnerUnit.objects.filter(org_unit_id__in=community.ancestor_ids)


# --- needy households: donations and start-up guidance ----------------------------------------


@transaction.atomic
def donation_record(
    *,
    actor,
    org_unit: OrgUnit,
    direction: str,
    kind: str,
    counterparty: str,
    on: datetime.date,
    amount=None,
    items: str = "",
    resident: Resident | None = None,
    today=None,
):
    """Record a donation received or given and issue its receipt number (YYYY-NNNN per community)."""
    from .models import Donation

    today = today or timezone.localdate()
    if direction not in Donation.Direction.values:
        raise ApplicationError(_("Choose received or given."), field="direction")
    if kind not in Donation.Kind.values:
        raise ApplicationError(_("Choose money or in kind."), field="kind")
    counterparty = (counterparty or (resident.name if resident else "")).strip()
    if not counterparty:
        raise ApplicationError(_("Give the donor or the recipient."), code="required", field="counterparty")
    if not isinstance(on, datetime.date) or on > today:
        raise ApplicationError(_("Give the date (not in the future)."), field="on")
    items = (items or "").strip()
    if kind == Donation.Kind.MONEY:
        try:
            amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError) as exc:
            raise ApplicationError(_("Give the amount in yuan."), field="amount") from exc
        if amount <= 0:
            raise ApplicationError(_("Give the amount in yuan."), field="amount")
    else:
        amount = None
        if not items:
            raise ApplicationError(_("List the items given or received."), code="required", field="items")
    community = community_of(org_unit)
    if resident is not None and community_of(resident.org_unit).pk != community.pk:
        raise ApplicationError(_("The resident does not live in this community."), field="resident")
    # One receipt sequence per community and year; the community row is locked while numbering.
    OrgUnit.objects.select_for_update().filter(pk=community.pk).first()
    prefix = f"{on.year}-"
    last = (
        Donation.objects.filter(org_unit=community, receipt_no__startswith=prefix)
        .order_by("-receipt_no")
        .values_list("receipt_no", flat=True)
        .first()
    )
    number = int(last.split("-")[1]) + 1 if last else 1
    donation = Donation.objects.create(
        org_unit=community,
        direction=direction,
        kind=kind,
        amount=amount,
        items=items[:300],
        counterparty=counterparty[:120],
        resident=resident,
        on=on,
        receipt_no=f"{prefix}{number:04d}",
        recorded_by=actor,
    )
    audit.record(
        actor=actor, action="care.donation.record", obj=donation, detail={"receipt": donation.receipt_no}
    )
    return donation


@transaction.atomic
def guidance_record(
    *,
    actor,
    resident: Resident,
    on: datetime.date,
    topic: str,
    mentor: str = "",
    outcome: str = "",
    today=None,
):
    from .models import GuidanceSession

    today = today or timezone.localdate()
    topic = (topic or "").strip()
    if not topic:
        raise ApplicationError(_("Give the topic of the session."), code="required", field="topic")
    if not isinstance(on, datetime.date) or on > today:
        raise ApplicationError(_("Give the date (not in the future)."), field="on")
    session = GuidanceSession.objects.create(
        org_unit=resident.org_unit,
        resident=resident,
        on=on,
        topic=topic[:200],
        mentor=(mentor or "").strip()[:100],
        outcome=(outcome or "").strip(),
        recorded_by=actor,
    )
    audit.record(actor=actor, action="care.guidance.record", obj=session)
    return session
