"""Writes of the core app. Every function is keyword-only, atomic and audited."""

import datetime
import logging

from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .errors import ApplicationError
from .models import GridStation, Notification, OrgUnit, PartnerUnit

log = logging.getLogger("gongzhi.core")

_CHILD_KIND = {
    OrgUnit.Kind.DISTRICT: OrgUnit.Kind.STREET,
    OrgUnit.Kind.STREET: OrgUnit.Kind.COMMUNITY,
    OrgUnit.Kind.COMMUNITY: OrgUnit.Kind.GRID,
}


def _check_parent(kind: str, parent: OrgUnit | None) -> None:
    if parent is None:
        if kind != OrgUnit.Kind.DISTRICT:
            raise ApplicationError(
                _("Only a district or county can stand at the top of the tree."), field="parent"
            )
        return
    if _CHILD_KIND.get(parent.kind) != kind:
        raise ApplicationError(
            _("A %(kind)s cannot be placed under a %(parent)s.")
            % {"kind": OrgUnit.Kind(kind).label, "parent": OrgUnit.Kind(parent.kind).label},
            field="parent",
        )


@transaction.atomic
def orgunit_create(
    *,
    kind: str,
    name: str,
    code: str,
    parent: OrgUnit | None,
    actor,
    name_bo: str = "",
    address: str = "",
    phone: str = "",
) -> OrgUnit:
    _check_parent(kind, parent)
    if OrgUnit.objects.filter(code=code).exists():
        raise ApplicationError(
            _("The code %(code)s is already used.") % {"code": code}, code="duplicate", field="code"
        )
    unit = OrgUnit(
        kind=kind,
        name=name.strip(),
        name_bo=name_bo.strip(),
        code=code.strip(),
        parent=parent,
        address=address,
        phone=phone,
        path="",
        depth=OrgUnit.KIND_DEPTH[kind],
    )
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    audit.record(actor=actor, action="orgunit.create", obj=unit, org_unit=unit, detail={"name": unit.name})
    return unit


@transaction.atomic
def orgunit_update(*, unit: OrgUnit, actor, **changes) -> OrgUnit:
    allowed = {"name", "name_bo", "address", "phone", "is_active"}
    changed = {}
    for key, value in changes.items():
        if key not in allowed:
            continue
        if getattr(unit, key) != value:
            changed[key] = [str(getattr(unit, key)), str(value)]
            setattr(unit, key, value)
    if changed:
        unit.save(update_fields=list(changed))
        audit.record(
            actor=actor, action="orgunit.update", obj=unit, org_unit=unit, detail={"changed": changed}
        )
    return unit


@transaction.atomic
def orgunit_set_boundary(*, unit: OrgUnit, actor, boundary) -> OrgUnit:
    """Set (or, with empty input, clear) the unit's GeoJSON boundary, drawn by the cockpit's map.
    Accepts GeoJSON text, bytes or a parsed object; refuses anything but a sane Polygon/MultiPolygon."""
    from .geo import boundary_clean, boundary_positions

    geometry = boundary_clean(boundary)
    if geometry == unit.boundary:
        return unit
    unit.boundary = geometry
    unit.save(update_fields=["boundary"])
    audit.record(
        actor=actor,
        action="orgunit.boundary_set" if geometry else "orgunit.boundary_clear",
        obj=unit,
        org_unit=unit,
        detail={"type": geometry["type"], "positions": boundary_positions(geometry)} if geometry else {},
    )
    return unit


@transaction.atomic
def orgunit_move(*, unit: OrgUnit, new_parent: OrgUnit, actor) -> OrgUnit:
    """Re-hang a unit (e.g. a grid moving to another community) and its whole subtree in one UPDATE."""
    _check_parent(unit.kind, new_parent)
    if new_parent.path.startswith(unit.path):
        raise ApplicationError(_("A unit cannot be moved under itself."), field="parent")
    old_path = unit.path
    new_path = f"{new_parent.path}{unit.pk}/"
    OrgUnit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
    )
    OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit.record(actor=actor, action="orgunit.move", obj=unit, org_unit=unit, detail={"to": new_parent.pk})
    return unit


@transaction.atomic
def gridstation_save(
    *,
    actor,
    station: GridStation | None = None,
    org_unit: OrgUnit,
    name: str,
    address: str,
    phone: str,
    duty_staff=(),
    is_active: bool = True,
) -> GridStation:
    if org_unit.kind != OrgUnit.Kind.GRID:
        raise ApplicationError(_("A grid station belongs to a grid."), field="org_unit")
    creating = station is None
    station = station or GridStation()
    station.org_unit, station.name, station.address, station.phone = org_unit, name.strip(), address, phone
    station.is_active = is_active
    station.save()
    station.duty_staff.set(duty_staff)
    audit.record(actor=actor, action="gridstation.create" if creating else "gridstation.update", obj=station)
    return station


@transaction.atomic
def partnerunit_save(
    *,
    actor,
    partner: PartnerUnit | None = None,
    org_unit: OrgUnit,
    kind: str,
    name: str,
    address: str = "",
    description: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    is_active: bool = True,
) -> PartnerUnit:
    if org_unit.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("A partner unit is attached to a community."), field="org_unit")
    duplicate = PartnerUnit.objects.filter(org_unit=org_unit, name=name.strip())
    if partner is not None:
        duplicate = duplicate.exclude(pk=partner.pk)
    if duplicate.exists():
        raise ApplicationError(
            _("This community already has a partner unit of that name."), code="duplicate", field="name"
        )
    creating = partner is None
    partner = partner or PartnerUnit()
    partner.org_unit, partner.kind, partner.name = org_unit, kind, name.strip()
    partner.address, partner.description = address, description
    partner.contact_name, partner.contact_phone, partner.is_active = contact_name, contact_phone, is_active
    partner.save()
    audit.record(actor=actor, action="partnerunit.create" if creating else "partnerunit.update", obj=partner)
    return partner


def notification_send(*, user, title: str, body: str = "", url: str = "", org_unit=None, sms: bool = False):
    """Create an in-app notification; with sms=True, also text the user once the transaction commits."""
    note = Notification.objects.create(user=user, title=title, body=body, url=url, org_unit=org_unit)
    if sms and getattr(user, "phone", ""):
        from .sms import get_backend

        phone, text = user.phone, f"{title} {body}".strip()
        transaction.on_commit(lambda: get_backend().send(phone, text))
    return note


def notification_mark_read(*, user, notification_ids=None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())


# --- legal basis for sensitive personal data (PIPL) ---------------------------------------------


@transaction.atomic
def processing_basis_record(
    *,
    actor,
    obj,
    org_unit: OrgUnit,
    category: str,
    purpose: str,
    basis: str,
    statute: str = "",
    consent_given_on=None,
    consent_by: str = "",
    consent_relation: str = "",
):
    """Record why sensitive data about `obj` (a health record, a child, an assistance file...) is
    held. A statutory basis names the law; consent names the date and who gave it — for a child
    under 14, a guardian. Replaces the active basis of the same category."""
    from .models import DataProcessingBasis as B

    if basis not in B.Basis.values or category not in B.Category.values:
        raise ApplicationError(_("Choose a legal basis and a category."), field="basis")
    purpose = (purpose or "").strip()
    if not purpose:
        raise ApplicationError(_("Say what the data is used for."), field="purpose")
    if basis == B.Basis.STATUTORY:
        if not statute.strip():
            raise ApplicationError(_("Name the law or regulation that requires it."), field="statute")
        consent_given_on, consent_by, consent_relation = None, "", ""
    else:
        if consent_given_on is None or not consent_by.strip():
            raise ApplicationError(
                _("Consent needs the date and the name of the person who gave it."), field="consent_by"
            )
        if consent_given_on > timezone.localdate():
            raise ApplicationError(_("Consent cannot be dated in the future."), field="consent_given_on")
        if consent_relation not in B.Relation.values:
            raise ApplicationError(_("Say who gave consent."), field="consent_relation")
        if category == B.Category.CHILD and consent_relation != B.Relation.GUARDIAN:
            raise ApplicationError(
                _("For a child under 14, consent is given by a guardian."), field="consent_relation"
            )
    object_type, object_id = obj._meta.label_lower, str(obj.pk)
    now = timezone.now()
    B.objects.filter(
        object_type=object_type, object_id=object_id, category=category, withdrawn_at__isnull=True
    ).update(withdrawn_at=now)
    record = B.objects.create(
        org_unit=org_unit,
        object_type=object_type,
        object_id=object_id,
        category=category,
        purpose=purpose[:200],
        basis=basis,
        statute=statute.strip()[:200],
        consent_given_on=consent_given_on,
        consent_by=consent_by.strip()[:100],
        consent_relation=consent_relation,
        recorded_by=actor,
        recorded_at=now,
    )
    audit.record(
        actor=actor,
        action="processing_basis.record",
        obj=record,
        detail={"object": f"{object_type}:{object_id}", "category": category, "basis": basis},
    )
    return record


@transaction.atomic
def processing_basis_withdraw(*, actor, record) -> None:
    """Consent withdrawn (or the duty ended): the record stays, marked withdrawn."""
    if record.withdrawn_at is None:
        record.withdrawn_at = timezone.now()
        record.save(update_fields=["withdrawn_at"])
        audit.record(actor=actor, action="processing_basis.withdraw", obj=record)


# --- audit log retention ------------------------------------------------------------------------

AUDIT_MIN_RETENTION_DAYS = 183


@transaction.atomic
def audit_purge(*, actor, before) -> int:
    """Delete audit entries older than `before`, which must be at least 183 days ago. The last
    deleted entry's HMAC is kept in a new `audit.purge` entry, so the chain still verifies."""
    from .models import AuditEntry

    limit = timezone.now() - datetime.timedelta(days=AUDIT_MIN_RETENTION_DAYS)
    if before > limit:
        raise ApplicationError(
            _("Audit entries are kept for at least %(days)d days.") % {"days": AUDIT_MIN_RETENTION_DAYS},
            code="retention",
            status=409,
        )
    audit.lock_chain(chain=audit.SYSTEM_CHAIN)
    doomed = AuditEntry.objects.filter(at__lt=before)
    last = doomed.order_by("-id").values("id", "hmac").first()
    if last is None:
        return 0
    # Only a prefix of the log can go (a prefix of each chain): stop before the first entry that is
    # recent enough.
    first_kept = AuditEntry.objects.filter(at__gte=before).order_by("id").values_list("id", flat=True).first()
    if first_kept is not None and first_kept < last["id"]:
        last = doomed.filter(id__lt=first_kept).order_by("-id").values("id", "hmac").first()
        if last is None:
            return 0
    gone = AuditEntry.objects.filter(id__lte=last["id"])
    # Each chain's last deleted entry: the first kept entry of that chain links to it.
    last_ids = gone.values("chain").annotate(last=Max("id")).values_list("last", flat=True)
    anchors = {
        str(chain): mac
        for chain, mac in AuditEntry.objects.filter(id__in=list(last_ids)).values_list("chain", "hmac")
    }
    count, _deleted = gone.delete()
    audit.record(
        actor=actor,
        action="audit.purge",
        detail={"through_id": last["id"], "last_hmac": last["hmac"], "anchors": anchors, "deleted": count},
    )
    return count


@transaction.atomic
def calendar_day_set(*, actor, org_unit: OrgUnit, date: datetime.date, is_working: bool, note: str = ""):
    """Mark a date of the unit's work calendar as a public holiday (is_working False) or as a worked
    day (调休). A unit without a calendar of its own gets one, copying the hours it inherited, so the
    holiday applies to its subtree only."""
    from .calendar import calendar_for
    from .models import WorkCalendar, WorkCalendarDay

    own = WorkCalendar.objects.select_for_update().filter(org_unit=org_unit).first()
    if own is None:
        inherited = calendar_for(org_unit)
        own = WorkCalendar.objects.create(
            org_unit=org_unit,
            name=org_unit.name,
            working_weekdays=inherited.working_weekdays,
            morning_start=inherited.morning_start,
            morning_end=inherited.morning_end,
            afternoon_start=inherited.afternoon_start,
            afternoon_end=inherited.afternoon_end,
        )
        if inherited.pk:  # the inherited dated exceptions still hold below this unit
            WorkCalendarDay.objects.bulk_create(
                [
                    WorkCalendarDay(calendar=own, date=d.date, is_working=d.is_working, note=d.note)
                    for d in inherited.days.all()
                ]
            )
    day, created = WorkCalendarDay.objects.update_or_create(
        calendar=own, date=date, defaults={"is_working": is_working, "note": note[:100]}
    )
    audit.record(
        actor=actor,
        action="calendar.day_set",
        obj=day,
        org_unit=org_unit,
        detail={"date": date.isoformat(), "is_working": is_working, "created": created},
    )
    return day
