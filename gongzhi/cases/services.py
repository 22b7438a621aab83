"""Writes of the cases app. Every function is keyword-only, atomic and audited; every change of a
case's status, tier or handler goes through `_move`, which records a `CaseTransition`.

Contract for other apps (Open311, dashboard):
- case_create(*, actor, channel, category, description, org_unit=None, reporter=None, anonymous=False,
  location_kind="none", address="", lat=None, long=None, photos=(), extra=None, reporter_name="",
  reporter_phone="", station=None, media_url="", now=None) -> Case
- case_transition(*, actor, case, action, note="", **params) -> Case  (actions: ACTIONS)
- case_rate(*, actor, case, stars, comment="", tracking_code="") -> Case
"""

import datetime
import logging
import math
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.roles import Role
from gongzhi.core import audit, crypto, figures
from gongzhi.core.calendar import WorkingTime, calendar_for
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import OrgUnit, PartnerUnit
from gongzhi.core.services import notification_send
from gongzhi.core.uploads import upload_store

from .models import (
    DESCRIPTION_MAX,
    MAX_PHOTOS,
    TIER_ORDER,
    Case,
    CaseFollower,
    CaseParticipant,
    CasePhoto,
    CaseTransition,
    Category,
    DeadlineUnit,
    Mediation,
    MediationParty,
    MediationSession,
    Tier,
)

log = logging.getLogger("gongzhi.cases")
S = Case.Status
AUTOCLOSE_AFTER = datetime.timedelta(days=7)

# The state machine: action → (states it may start from, state it leads to).
ACTIONS: dict[str, tuple[frozenset, str]] = {
    "accept": (frozenset({S.SUBMITTED}), S.ACCEPTED),
    "reject": (frozenset({S.SUBMITTED, S.ACCEPTED}), S.REJECTED),
    "assign": (frozenset({S.ACCEPTED, S.ASSIGNED, S.REOPENED}), S.ASSIGNED),
    "start": (frozenset({S.ASSIGNED, S.REOPENED}), S.IN_PROGRESS),
    "resolve": (frozenset({S.IN_PROGRESS}), S.RESOLVED),
    "dispute": (frozenset({S.RESOLVED}), S.REOPENED),
    "confirm": (frozenset({S.RESOLVED}), S.CLOSED),
    "autoclose": (frozenset({S.RESOLVED}), S.CLOSED),
}
# Actions that keep the status but change the tier or the handlers; allowed while the case is open.
SIDE_ACTIONS = ("escalate", "deescalate", "report_part")
HANDLER_ACTIONS = ("accept", "reject", "assign", "start", "resolve", "escalate", "deescalate")
REPORTER_ACTIONS = ("dispute",)

ACTION_LABELS = {
    "submit": gettext_lazy("Submitted"),
    "accept": gettext_lazy("Accepted"),
    "reject": gettext_lazy("Rejected"),
    "assign": gettext_lazy("Assigned"),
    "start": gettext_lazy("Work started"),
    "resolve": gettext_lazy("Resolved"),
    "dispute": gettext_lazy("Disputed by the reporter and reopened"),
    "confirm": gettext_lazy("Confirmed and rated by the reporter"),
    "autoclose": gettext_lazy("Closed without a rating"),
    "escalate": gettext_lazy("Escalated"),
    "deescalate": gettext_lazy("De-escalated"),
    "report_part": gettext_lazy("A handling unit reported its part"),
    "escalate_overdue": gettext_lazy("Overdue: escalated to the community secretary"),
    "merge": gettext_lazy("Merged into another case"),
    "merged_in": gettext_lazy("A duplicate case was merged into this one"),
    "mediation": gettext_lazy("Mediation updated"),
}


def allowed_actions(case: Case) -> list[str]:
    """The status actions the state machine allows now (who may take them is decided by the rules)."""
    found = [
        name for name, (sources, _target) in ACTIONS.items() if case.status in sources and name != "autoclose"
    ]
    if case.status in Case.OPEN_STATES:
        found += [a for a in SIDE_ACTIONS if a != "report_part" or case.tier == Tier.JOINT]
    return found


# --- helpers ---------------------------------------------------------------------------------------


def _actor_name(actor) -> str:
    return str(actor) if getattr(actor, "is_authenticated", False) else ""


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _community_of(unit: OrgUnit) -> OrgUnit:
    if unit.kind == OrgUnit.Kind.GRID:
        return unit.parent
    if unit.kind == OrgUnit.Kind.COMMUNITY:
        return unit
    raise ApplicationError(_("A case belongs to a community or one of its grids."), field="org_unit")


def due_time(
    org_unit: OrgUnit, start: datetime.datetime, amount: int, unit: str, *, working=None
) -> datetime.datetime:
    """A deadline `amount` working hours or days after `start`, on the unit's work calendar."""
    working = working or WorkingTime(calendar_for(org_unit), timezone.localtime(start).date())
    if unit == DeadlineUnit.HOURS:
        return working.add_hours(start, amount)
    return working.add_days(start, amount)


def deadlines(org_unit: OrgUnit, start: datetime.datetime, category: Category) -> tuple:
    """(response due, resolution due) for a case of `category` submitted at `start`."""
    working = WorkingTime(calendar_for(org_unit), timezone.localtime(start).date())
    return (
        due_time(org_unit, start, category.response_amount, category.response_unit, working=working),
        due_time(org_unit, start, category.resolution_amount, category.resolution_unit, working=working),
    )


def _record(case: Case, *, action: str, actor, from_status: str, note: str = "", detail=None, at=None):
    # Every change the case metrics count passes here; the grid's chain covers its community's.
    figures.touch("cases.metrics", case.org_unit.path)
    return CaseTransition.objects.create(
        case=case,
        org_unit_id=case.community_id,
        action=action,
        from_status=from_status,
        to_status=case.status,
        actor=_user_or_none(actor),
        actor_name=_actor_name(actor),
        note=note,
        detail=detail or {},
        at=at or timezone.now(),
    )


def _people_to_tell(case: Case) -> list:
    users = []
    if case.reporter_id:
        users.append(case.reporter)
    users += [f.user for f in case.followers.select_related("user") if f.user_id != case.reporter_id]
    return users


def _notify_status(case: Case, *, sms: bool = False) -> None:
    """Tell the reporter and followers, once the transaction commits."""
    people = _people_to_tell(case)
    if not people:
        return
    status_label = Case.Status(case.status).label
    pk, org_unit = case.pk, case.community

    def send():
        for user in people:
            notification_send(
                user=user,
                title=_("Your case #%(n)s: %(status)s") % {"n": pk, "status": status_label},
                url=f"/cases/{pk}/",
                org_unit=org_unit,
                sms=sms,
            )

    transaction.on_commit(send)


def _notify_users(users, *, title: str, url: str, org_unit=None, sms: bool = False) -> None:
    users = list(users)

    def send():
        for user in users:
            notification_send(user=user, title=title, url=url, org_unit=org_unit, sms=sms)

    transaction.on_commit(send)


def _sms_after_commit(phone: str, text: str) -> None:
    from gongzhi.core.sms import get_backend

    transaction.on_commit(lambda: get_backend().send(phone, text))


def grid_workers(grid: OrgUnit):
    from gongzhi.accounts.models import User

    return User.objects.filter(
        role_assignments__role=Role.GRID_WORKER,
        role_assignments__org_unit=grid,
        role_assignments__is_active=True,
    ).distinct()


def secretaries_of(community: OrgUnit):
    from gongzhi.accounts.models import User

    return User.objects.filter(
        role_assignments__role=Role.SECRETARY,
        role_assignments__org_unit_id__in=community.ancestor_ids,
        role_assignments__is_active=True,
    ).distinct()


def _clean_description(text: str, *, field: str = "description", required: bool = True) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ApplicationError(_("Describe the matter."), code="required", field=field)
    if len(text) > DESCRIPTION_MAX:
        raise ApplicationError(
            _("The text is too long: at most %(max)s characters, this one has %(n)s.")
            % {"max": DESCRIPTION_MAX, "n": len(text)},
            code="too_long",
            field=field,
        )
    return text


def _coordinate(value, low, high, field):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("The coordinates are not numbers."), field=field) from exc
    if not (low <= number <= high):
        raise ApplicationError(_("The coordinates are outside the valid range."), field=field)
    return number


def clean_media_url(url: str) -> str:
    """A link to media kept elsewhere (Open311 `media_url`): an absolute http(s) URL or nothing."""
    url = (url or "").strip()
    if not url:
        return ""
    validator = URLValidator(schemes=["http", "https"])
    try:
        validator(url)
    except ValidationError as exc:
        raise ApplicationError(
            _("The media link must be a full http or https address."), field="media_url"
        ) from exc
    if len(url) > 500:
        raise ApplicationError(_("The media link is too long: at most 500 characters."), field="media_url")
    return url


def clean_extra(category: Category, answers: dict | None) -> dict:
    """Check the answers to a category's extra fields against its schema."""
    answers = answers or {}
    cleaned = {}
    for spec in category.extra_fields or []:
        code, datatype = spec.get("code"), spec.get("datatype", "string")
        value = answers.get(code)
        if value in (None, "", []):
            if spec.get("required"):
                raise ApplicationError(
                    _("Answer the question “%(label)s”.") % {"label": spec.get("label", code)},
                    code="required",
                    field=f"extra_{code}",
                )
            continue
        keys = {str(v.get("key")) for v in spec.get("values", [])}
        if datatype == "number":
            try:
                value = float(value)
                if not math.isfinite(value):
                    raise ValueError(value)
                value = int(value) if value.is_integer() else value
            except (TypeError, ValueError) as exc:
                raise ApplicationError(
                    _("“%(label)s” must be a number.") % {"label": spec.get("label", code)},
                    field=f"extra_{code}",
                ) from exc
        elif datatype == "singlevaluelist":
            if str(value) not in keys:
                raise ApplicationError(
                    _("Choose one of the offered answers for “%(label)s”.")
                    % {"label": spec.get("label", code)},
                    field=f"extra_{code}",
                )
        elif datatype == "multivaluelist":
            value = [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
            if not set(value) <= keys:
                raise ApplicationError(
                    _("Choose one of the offered answers for “%(label)s”.")
                    % {"label": spec.get("label", code)},
                    field=f"extra_{code}",
                )
        else:
            value = str(value)[:DESCRIPTION_MAX]
        cleaned[code] = value
    return cleaned


# --- categories ------------------------------------------------------------------------------------


def _check_schema(extra_fields) -> list:
    if not isinstance(extra_fields, list):
        raise ApplicationError(_("The extra fields must be a list."), field="extra_fields")
    seen = set()
    for spec in extra_fields:
        if not isinstance(spec, dict) or not spec.get("code") or not spec.get("label"):
            raise ApplicationError(_("Every extra field needs a code and a label."), field="extra_fields")
        if spec.get("datatype", "string") not in Category.DATATYPES:
            raise ApplicationError(
                _("Unknown data type %(type)s.") % {"type": spec.get("datatype")}, field="extra_fields"
            )
        if spec["code"] in seen:
            raise ApplicationError(
                _("Two extra fields share the code %(code)s.") % {"code": spec["code"]}, field="extra_fields"
            )
        seen.add(spec["code"])
        if spec.get("datatype", "").endswith("valuelist") and not spec.get("values"):
            raise ApplicationError(_("A list field needs its values."), field="extra_fields")
    return extra_fields


@transaction.atomic
def category_save(
    *,
    actor,
    org_unit: OrgUnit,
    code: str,
    name: str,
    category: Category | None = None,
    parent: Category | None = None,
    name_bo: str = "",
    description: str = "",
    default_tier: str = Tier.GRID,
    is_mediation: bool = False,
    handling_units=(),
    response_amount: int = 2,
    response_unit: str = DeadlineUnit.HOURS,
    resolution_amount: int = 7,
    resolution_unit: str = DeadlineUnit.DAYS,
    extra_fields=None,
    is_active: bool = True,
    sort_order: int = 100,
) -> Category:
    code = (code or "").strip()
    if not code or not (name or "").strip():
        raise ApplicationError(_("A category needs a code and a name."), field="code")
    clash = Category.objects.filter(code=code)
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise ApplicationError(
            _("The code %(code)s is already used.") % {"code": code}, code="duplicate", field="code"
        )
    if response_amount < 1 or resolution_amount < 1:
        raise ApplicationError(_("Deadlines must be at least 1."), field="response_amount")
    if parent is not None and category is not None:
        node = parent
        while node is not None:
            if node.pk == category.pk:
                raise ApplicationError(_("A category cannot be placed under itself."), field="parent")
            node = node.parent
    creating = category is None
    category = category or Category()
    category.org_unit, category.parent, category.code = org_unit, parent, code
    category.name, category.name_bo, category.description = name.strip(), name_bo.strip(), description
    category.default_tier, category.is_mediation = default_tier, is_mediation
    category.response_amount, category.response_unit = response_amount, response_unit
    category.resolution_amount, category.resolution_unit = resolution_amount, resolution_unit
    category.extra_fields = _check_schema(extra_fields or [])
    category.is_active, category.sort_order = is_active, sort_order
    category.save()
    category.handling_units.set(handling_units)
    audit.record(
        actor=actor,
        action="category.create" if creating else "category.update",
        obj=category,
        org_unit=org_unit,
        detail={"code": code},
    )
    return category


# --- intake ----------------------------------------------------------------------------------------


def _match_resident(phone: str, community: OrgUnit):
    from gongzhi.registry.models import Resident

    phone = crypto.normalize_phone(phone or "")
    if not phone:
        return None
    index = crypto.blind_index(phone, purpose="phone")
    return (
        Resident.objects.select_related("user", "household", "org_unit")
        .filter(phone_index=index, org_unit__path__startswith=community.path, status=Resident.Status.LIVING)
        .order_by("id")
        .first()
    )


def _resident_of(user):
    if not getattr(user, "is_authenticated", False):
        return None
    from gongzhi.registry.models import Resident

    return Resident.objects.select_related("household", "org_unit").filter(user=user).first()


@transaction.atomic
def case_create(
    *,
    actor,
    channel: str,
    category: Category | None,
    description: str,
    org_unit: OrgUnit | None = None,
    reporter=None,
    anonymous: bool = False,
    location_kind: str = Case.LocationKind.NONE,
    address: str = "",
    lat=None,
    long=None,
    photos=(),
    extra: dict | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    station=None,
    media_url: str = "",
    now: datetime.datetime | None = None,
) -> Case:
    if category is None:
        raise ApplicationError(_("Choose a category."), code="required", field="category")
    if not category.is_active:
        raise ApplicationError(_("This category is no longer in use."), field="category")
    if channel not in Case.Channel.values:
        raise ApplicationError(_("Unknown intake channel."), field="channel")
    description = _clean_description(description)
    media_url = clean_media_url(media_url)
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        raise ApplicationError(
            _("At most %(n)s photos can be attached.") % {"n": MAX_PHOTOS},
            code="too_many_photos",
            field="photos",
        )
    now = now or timezone.now()
    reporter = _user_or_none(reporter)
    resident = _resident_of(reporter)

    if location_kind == Case.LocationKind.REGISTERED:
        if resident is None:
            raise ApplicationError(
                _("We have no registered address for you; give the address instead."), field="location_kind"
            )
        address, org_unit = resident.household.address, resident.household.org_unit
    if station is not None:
        org_unit = station.org_unit
    if org_unit is None and resident is not None:
        org_unit = resident.household.org_unit
    if org_unit is None:
        raise ApplicationError(_("Choose the community the matter is in."), code="required", field="org_unit")
    community = _community_of(org_unit)
    if not category.org_unit.contains(community) and not community.contains(category.org_unit):
        raise ApplicationError(_("This category is not used in that community."), field="category")

    lat = _coordinate(lat, -90, 90, "lat")
    long = _coordinate(long, -180, 180, "long")
    if (lat is None) != (long is None):
        raise ApplicationError(_("Give both latitude and longitude."), field="lat")
    if location_kind == Case.LocationKind.POINT and lat is None:
        raise ApplicationError(_("Give the point's latitude and longitude."), field="lat")
    if location_kind == Case.LocationKind.ADDRESS and not address.strip():
        raise ApplicationError(_("Give the address."), code="required", field="address")
    if location_kind not in Case.LocationKind.values:
        raise ApplicationError(_("Unknown kind of location."), field="location_kind")

    matched = None
    if reporter_phone:
        matched = _match_resident(reporter_phone, community)
        # Staff who took the call vouch for the caller; a public form must not attach a case to
        # somebody's account just because their number was typed in.
        staff_took_it = channel in (Case.Channel.STATION_CALL, Case.Channel.STAFF_ENTRY)
        if matched is not None and reporter is None and matched.user_id and staff_took_it:
            reporter = matched.user
        if (
            matched is not None
            and matched.org_unit.kind == OrgUnit.Kind.GRID
            and org_unit.kind != OrgUnit.Kind.GRID
        ):
            org_unit = matched.org_unit
        if matched is not None and not reporter_name:
            reporter_name = matched.name
    phone = crypto.normalize_phone(reporter_phone or "")

    case = Case(
        org_unit=org_unit,
        community=community,
        category=category,
        kind=Case.Kind.MEDIATION if category.is_mediation else Case.Kind.GENERAL,
        channel=channel,
        tier=category.default_tier,
        description=description,
        extra=clean_extra(category, extra),
        anonymous=anonymous,
        reporter=None if anonymous else reporter,
        reporter_resident=None if anonymous else (matched or resident),
        reporter_name="" if anonymous else reporter_name.strip()[:100],
        reporter_phone="" if anonymous else phone,
        reporter_phone_last4="" if anonymous else phone[-4:],
        station=station,
        created_by=_user_or_none(actor),
        location_kind=location_kind,
        address=address.strip()[:255],
        lat=lat,
        long=long,
        media_url=media_url,
        created_at=now,
    )
    case.response_due, case.resolution_due = deadlines(community, now, category)
    for _attempt in range(5):
        case.tracking_code = Case.new_tracking_code()
        if not Case.objects.filter(tracking_code=case.tracking_code).exists():
            break
    case.save()
    for photo in photos:
        upload = upload_store(
            actor=actor, file=photo, org_unit=org_unit, purpose="cases.photo", images_only=True
        )
        CasePhoto.objects.create(
            case=case, org_unit_id=case.community_id, upload=upload, stage=CasePhoto.Stage.REPORT
        )
    if case.kind == Case.Kind.MEDIATION:
        Mediation.objects.create(
            case=case, org_unit_id=case.community_id, dispute_type=Mediation.DisputeType.OTHER
        )
    _record(case, action="submit", actor=actor, from_status="", detail={"channel": channel}, at=now)
    if case.tier == Tier.CONSULTATION:
        _open_topic(case, actor=actor)
    audit.record(
        actor=actor,
        action="case.create",
        obj=case,
        org_unit=org_unit,
        detail={"channel": channel, "category": category.code, "anonymous": anonymous},
    )
    if org_unit.kind == OrgUnit.Kind.GRID:
        _notify_users(
            grid_workers(org_unit),
            title=_("New case #%(n)s in your grid: %(category)s") % {"n": case.pk, "category": category.name},
            url=f"/cases/{case.pk}/",
            org_unit=community,
        )
    return case


# --- the state machine -------------------------------------------------------------------------------


def _lock(case: Case) -> Case:
    return (
        Case.objects.select_for_update().select_related("category", "community", "org_unit").get(pk=case.pk)
    )


def _refuse(case: Case, action: str):
    allowed = allowed_actions(case)
    raise ConflictError(
        _("“%(action)s” is not possible while the case is %(state)s.")
        % {"action": action, "state": Case.Status(case.status).label},
        code="invalid_transition",
        extra={"allowed": allowed},
    )


def _open_topic(case: Case, *, actor) -> None:
    if case.topic_id:
        return
    from gongzhi.deliberation.services import topic_create_from_case

    case.topic = topic_create_from_case(
        actor=actor,
        org_unit=case.community,
        title=_("%(category)s (case #%(n)s)") % {"category": case.category.name, "n": case.pk},
        description=case.description,
        case_ref=f"case #{case.pk}",
        case_id=case.pk,
    )
    case.save(update_fields=["topic", "updated_at"])


def case_resolve_from_result(*, topic, result, actor) -> int:
    """Hook of the deliberation corner (registered in extensions.py): when the result of a consultation
    topic is done, the open cases escalated to it are resolved with the result as the resolution.
    The reporter confirms by rating, or the case closes by itself after 7 days like any resolved case.
    Runs inside the deliberation service's transaction."""
    resolved = 0
    now = timezone.now()
    for case in (
        Case.objects.select_for_update()
        .select_related("community", "org_unit")
        .filter(topic_id=topic.pk, status__in=Case.OPEN_STATES)
    ):
        from_status = case.status
        case.status = S.RESOLVED
        case.resolved_at = now
        case.resolution_note = _("Settled by the deliberation corner: %(title)s") % {"title": result.title}
        case.save()
        _record(
            case,
            action="resolve",
            actor=actor,
            from_status=from_status,
            note=case.resolution_note,
            detail={"topic": topic.pk, "result": result.pk},
            at=now,
        )
        audit.record(
            actor=actor,
            action="case.resolve",
            obj=case,
            org_unit=case.org_unit,
            detail={"from": from_status, "to": S.RESOLVED, "topic": topic.pk},
        )
        _notify_status(case)
        resolved += 1
    return resolved


@transaction.atomic
def case_transition(*, actor, case: Case, action: str, note: str = "", **params) -> Case:
    """Apply one action of the state machine (or a tier/handler change). Refusals: 409
    `invalid_transition` with the allowed actions, 400 for missing input."""
    case = _lock(case)
    note = _clean_description(note, field="note", required=False)
    if action in ("escalate", "deescalate"):
        return _change_tier(case, actor=actor, action=action, note=note, tier=params.get("tier"))
    if action == "report_part":
        return _report_part(case, actor=actor, note=note, partner=params.get("partner"))
    if action not in ACTIONS or action == "autoclose":
        raise ApplicationError(
            _("Unknown action %(action)s.") % {"action": action}, code="unknown_action", field="action"
        )
    sources, target = ACTIONS[action]
    if case.status not in sources:
        _refuse(case, action)
    if action == "confirm":
        raise ApplicationError(
            _("The reporter confirms a case by rating it."), code="use_rating", field="action"
        )
    from_status = case.status
    now = timezone.now()
    detail = {}
    if action == "accept":
        grid = params.get("grid")
        if grid is not None:
            if grid.kind != OrgUnit.Kind.GRID or grid.parent_id != case.community_id:
                raise ApplicationError(_("Choose a grid of the case's community."), field="grid")
            case.org_unit = grid
            detail["grid"] = grid.pk
        case.accepted_at = now
    elif action == "reject":
        reason = params.get("reason") or Case.RejectReason.OUT_OF_SCOPE
        if reason == Case.RejectReason.DUPLICATE:
            master = params.get("duplicate_of")
            if master is None:
                raise ApplicationError(_("Name the case this one duplicates."), field="duplicate_of")
            return _merge(case, master=master, actor=actor, note=note)
        if reason not in Case.RejectReason.values:
            raise ApplicationError(_("Give a reason for the rejection."), field="reason")
        if not note:
            raise ApplicationError(_("Explain the rejection to the reporter."), code="required", field="note")
        case.reject_reason = reason
        case.closed_at = now
    elif action == "assign":
        detail.update(
            _assign(case, actor=actor, assignee=params.get("assignee"), partners=params.get("partners") or ())
        )
    elif action == "resolve":
        if not note:
            raise ApplicationError(_("Write what was done."), code="required", field="note")
        if case.tier == Tier.JOINT and case.participants.filter(reported_at__isnull=True).exists():
            raise ConflictError(
                _("Every handling unit must report its part before the case is resolved."),
                code="parts_missing",
            )
        case.resolution_note = note
        case.resolved_at = now
        for photo in [p for p in params.get("photos") or () if p][:MAX_PHOTOS]:
            upload = upload_store(
                actor=actor, file=photo, org_unit=case.org_unit, purpose="cases.photo", images_only=True
            )
            CasePhoto.objects.create(
                case=case, org_unit_id=case.community_id, upload=upload, stage=CasePhoto.Stage.RESOLUTION
            )
    elif action == "dispute":
        _check_reporter(case, actor=actor, tracking_code=params.get("tracking_code", ""))
        if not note:
            raise ApplicationError(_("Tell us what is still wrong."), code="required", field="note")
        case.reopen_count += 1
        case.resolved_at = None
        case.resolution_due = due_time(
            case.community, now, case.category.resolution_amount, case.category.resolution_unit
        )
        case.escalated_at = None
    case.status = target
    case.save()
    _record(case, action=action, actor=actor, from_status=from_status, note=note, detail=detail, at=now)
    audit.record(
        actor=actor,
        action=f"case.{action}",
        obj=case,
        org_unit=case.org_unit,
        detail={"from": from_status, "to": target},
    )
    _notify_status(case, sms=target == S.RESOLVED)
    return case


def default_partners(case: Case) -> list[PartnerUnit]:
    """The category's default handling units that serve the case's community."""
    return list(
        case.category.handling_units.filter(org_unit_id=case.community_id, is_active=True).order_by("id")
    )


def _assign(case: Case, *, actor, assignee=None, partners=()) -> dict:
    detail = {}
    if case.tier == Tier.JOINT and not partners and not case.participants.exists():
        # A joint case dispatched without a choice goes to the category's default handling units.
        partners = default_partners(case)
    if case.tier == Tier.GRID or not partners:
        if assignee is None:
            if case.org_unit.kind == OrgUnit.Kind.GRID:
                assignee = grid_workers(case.org_unit).order_by("id").first()
            if assignee is None:
                raise ApplicationError(_("Choose who handles the case."), code="required", field="assignee")
        if not assignee.covers(case.org_unit, {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.SECRETARY}):
            raise ApplicationError(_("That person does not work in the case's grid."), field="assignee")
        case.assignee = assignee
        detail["assignee"] = assignee.pk
        detail["assignee_name"] = str(assignee)
    if partners:
        if case.tier != Tier.JOINT:
            raise ApplicationError(_("Only a joint case is dispatched to partner units."), field="partners")
        existing = set(case.participants.values_list("partner_id", flat=True))
        has_lead = case.participants.filter(is_lead=True).exists()
        added = []
        for partner in partners:
            if not isinstance(partner, PartnerUnit) or partner.org_unit_id != case.community_id:
                raise ApplicationError(_("Choose partner units of the case's community."), field="partners")
            if partner.pk in existing:
                continue
            CaseParticipant.objects.create(
                case=case, org_unit_id=case.community_id, partner=partner, is_lead=not has_lead
            )
            if not has_lead:
                case.lead_partner = partner
                has_lead = True
            existing.add(partner.pk)
            added.append(partner.name)
        detail["partners"] = added
        from gongzhi.accounts.models import User

        for partner in partners:
            _notify_users(
                User.objects.filter(partner_unit=partner, is_active=True),
                title=_("Joint case #%(n)s dispatched to your unit") % {"n": case.pk},
                url=f"/cases/{case.pk}/",
                org_unit=case.community,
            )
    return detail


def _change_tier(case: Case, *, actor, action: str, note: str, tier: str | None) -> Case:
    if case.status not in Case.OPEN_STATES:
        _refuse(case, action)
    if tier not in Tier.values:
        raise ApplicationError(_("Choose the new tier."), code="required", field="tier")
    if not note:
        raise ApplicationError(_("Give a reason for changing the tier."), code="required", field="note")
    old, new = TIER_ORDER.index(case.tier), TIER_ORDER.index(tier)
    if (action == "escalate" and new <= old) or (action == "deescalate" and new >= old):
        raise ApplicationError(
            _("Escalation goes grid → joint → consultation; de-escalation goes back down."), field="tier"
        )
    from_tier = case.tier
    case.tier = tier
    case.save(update_fields=["tier", "updated_at"])
    if tier == Tier.CONSULTATION:
        _open_topic(case, actor=actor)
    _record(
        case,
        action=action,
        actor=actor,
        from_status=case.status,
        note=note,
        detail={"from_tier": from_tier, "to_tier": tier},
    )
    audit.record(
        actor=actor,
        action=f"case.{action}",
        obj=case,
        org_unit=case.org_unit,
        detail={"from": from_tier, "to": tier},
    )
    return case


def _report_part(case: Case, *, actor, note: str, partner) -> Case:
    if case.status not in Case.OPEN_STATES or case.tier != Tier.JOINT:
        _refuse(case, "report_part")
    if not note:
        raise ApplicationError(_("Write what your unit did."), code="required", field="note")
    partner = partner or getattr(actor, "partner_unit", None)
    part = case.participants.filter(partner=partner).first() if partner else None
    if part is None:
        raise ApplicationError(
            _("Your unit does not take part in this case."), code="not_participant", field="partner"
        )
    part.report, part.reported_at, part.reported_by = note, timezone.now(), _user_or_none(actor)
    part.save()
    _record(
        case,
        action="report_part",
        actor=actor,
        from_status=case.status,
        note=note,
        detail={"partner": part.partner.name},
    )
    audit.record(
        actor=actor,
        action="case.report_part",
        obj=case,
        org_unit=case.org_unit,
        detail={"partner": part.partner_id},
    )
    return case


def _check_reporter(case: Case, *, actor, tracking_code: str = "") -> None:
    user = _user_or_none(actor)
    if user is not None and case.reporter_id == user.pk:
        return
    # Without an account behind the case (anonymous, or reported while signed out) the tracking
    # code, which only the reporter was shown, proves who they are.
    if case.reporter_id is None and tracking_code and tracking_code.strip().upper() == case.tracking_code:
        return
    raise ApplicationError(
        _("Only the person who reported the case can do this."), code="not_reporter", status=403
    )


@transaction.atomic
def case_rate(*, actor, case: Case, stars: int, comment: str = "", tracking_code: str = "") -> Case:
    """The reporter confirms the resolution and rates it; this closes the case. One rating only."""
    case = _lock(case)
    _check_reporter(case, actor=actor, tracking_code=tracking_code)
    if case.rating is not None:
        raise ConflictError(_("This case has already been rated."), code="already_rated")
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ApplicationError(_("Give between 1 and 5 stars."), field="stars")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ApplicationError(_("The comment is too long (at most 500 characters)."), field="comment")
    if case.status != S.RESOLVED:
        _refuse(case, "confirm")
    now = timezone.now()
    # The row count decides, so that two ratings racing each other cannot both land.
    updated = Case.objects.filter(pk=case.pk, status=S.RESOLVED, rating__isnull=True).update(
        status=S.CLOSED,
        rating=stars,
        rating_comment=comment,
        rated_at=now,
        closed_at=now,
        close_reason=Case.CloseReason.RATED,
        updated_at=now,
    )
    if not updated:
        raise ConflictError(_("This case has already been rated."), code="already_rated")
    case.refresh_from_db()
    _record(
        case,
        action="confirm",
        actor=actor,
        from_status=S.RESOLVED,
        note=comment,
        detail={"stars": stars},
        at=now,
    )
    audit.record(actor=actor, action="case.rate", obj=case, org_unit=case.org_unit, detail={"stars": stars})
    return case


def _merge(case: Case, *, master: Case, actor, note: str = "") -> Case:
    if master.pk == case.pk:
        raise ApplicationError(_("A case cannot duplicate itself."), field="duplicate_of")
    master = Case.objects.select_for_update().get(pk=master.pk)
    if master.community_id != case.community_id:
        raise ApplicationError(_("The master case must be in the same community."), field="duplicate_of")
    if master.status == S.REJECTED:
        raise ApplicationError(
            _("The master case must not itself be rejected or merged."), field="duplicate_of"
        )
    if case.status not in Case.OPEN_STATES:
        _refuse(case, "merge")
    from_status = case.status
    now = timezone.now()
    case.status, case.reject_reason, case.duplicate_of, case.closed_at = (
        S.REJECTED,
        Case.RejectReason.DUPLICATE,
        master,
        now,
    )
    case.save()
    followers = {f.user_id for f in case.followers.all()}
    if case.reporter_id:
        followers.add(case.reporter_id)
    followers.discard(master.reporter_id)
    for user_id in followers:
        CaseFollower.objects.get_or_create(
            case=master, user_id=user_id, defaults={"org_unit_id": master.community_id}
        )
    _record(
        case,
        action="merge",
        actor=actor,
        from_status=from_status,
        note=note,
        detail={"master": master.pk},
        at=now,
    )
    _record(
        master,
        action="merged_in",
        actor=actor,
        from_status=master.status,
        note=note,
        detail={"duplicate": case.pk},
        at=now,
    )
    audit.record(
        actor=actor, action="case.merge", obj=case, org_unit=case.org_unit, detail={"master": master.pk}
    )
    people = _people_to_tell(case)
    _notify_users(
        people,
        title=_("Your case #%(n)s was merged into case #%(m)s, which you now follow")
        % {"n": case.pk, "m": master.pk},
        url=f"/cases/{master.pk}/",
        org_unit=case.community,
    )
    return case


@transaction.atomic
def case_merge(*, actor, duplicate: Case, master: Case, note: str = "") -> Case:
    return _merge(_lock(duplicate), master=master, actor=actor, note=note)


# --- background jobs ---------------------------------------------------------------------------------


def case_autoclose_stale(*, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Close resolved cases that the reporter has not rated within 7 days, as "not rated"."""
    now = now or timezone.now()
    closed = 0
    ids = list(
        Case.objects.filter(status=S.RESOLVED, resolved_at__lte=now - AUTOCLOSE_AFTER).values_list(
            "pk", flat=True
        )[:batch]
    )
    for pk in ids:
        with transaction.atomic():
            updated = Case.objects.filter(pk=pk, status=S.RESOLVED, rating__isnull=True).update(
                status=S.CLOSED, closed_at=now, close_reason=Case.CloseReason.NOT_RATED, updated_at=now
            )
            if not updated:
                continue
            case = Case.objects.select_related("community").get(pk=pk)
            _record(case, action="autoclose", actor=None, from_status=S.RESOLVED, at=now)
            audit.record(actor=None, action="case.autoclose", obj=case, org_unit=case.org_unit)
            _notify_status(case)
            closed += 1
    return closed


def overdue_q(now):
    from django.db.models import Q

    return Q(status=S.SUBMITTED, response_due__lt=now) | Q(
        status__in=Case.OPEN_STATES, resolution_due__lt=now
    )


def case_escalate_overdue(*, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Escalate overdue cases (once each) to the community secretary, with a notification."""
    now = now or timezone.now()
    cases = list(
        Case.objects.filter(overdue_q(now), escalated_at__isnull=True)
        .select_related("community", "category", "org_unit")
        .order_by("resolution_due")[:batch]
    )
    by_community: dict[int, list] = {}
    for case in cases:
        with transaction.atomic():
            if not Case.objects.filter(pk=case.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            _record(case, action="escalate_overdue", actor=None, from_status=case.status, at=now)
            audit.record(actor=None, action="case.escalate_overdue", obj=case, org_unit=case.org_unit)
        by_community.setdefault(case.community_id, []).append(case)
    for cases_here in by_community.values():
        community = cases_here[0].community
        with transaction.atomic():
            for secretary in secretaries_of(community):
                for case in cases_here:
                    notification_send(
                        user=secretary,
                        title=_("Overdue case #%(n)s (%(category)s) needs your attention")
                        % {"n": case.pk, "category": case.category.name},
                        url=f"/cases/{case.pk}/",
                        org_unit=community,
                        sms=False,
                    )
                # One text message per run and secretary, however many cases: a phone is not a queue.
                if secretary.phone:
                    _sms_after_commit(
                        secretary.phone,
                        _("%(n)s overdue cases of %(community)s were escalated to you. See the case queue.")
                        % {"n": len(cases_here), "community": community.name},
                    )
    return sum(len(v) for v in by_community.values())


# --- mediation -------------------------------------------------------------------------------------


def _mediation_of(case: Case) -> Mediation:
    if case.kind != Case.Kind.MEDIATION:
        raise ApplicationError(_("This case is not a mediation."), code="not_mediation")
    mediation, _created = Mediation.objects.get_or_create(
        case=case, defaults={"org_unit_id": case.community_id, "dispute_type": Mediation.DisputeType.OTHER}
    )
    return mediation


@transaction.atomic
def mediation_update(*, actor, case: Case, dispute_type: str) -> Mediation:
    case = _lock(case)
    mediation = _mediation_of(case)
    if dispute_type not in Mediation.DisputeType.values:
        raise ApplicationError(_("Choose the type of dispute."), field="dispute_type")
    mediation.dispute_type = dispute_type
    mediation.save(update_fields=["dispute_type"])
    audit.record(
        actor=actor,
        action="mediation.update",
        obj=case,
        org_unit=case.org_unit,
        detail={"type": dispute_type},
    )
    return mediation


@transaction.atomic
def mediation_party_add(
    *, actor, case: Case, name: str = "", role: str = "", resident=None
) -> MediationParty:
    mediation = _mediation_of(_lock(case))
    name = (name or (resident.name if resident else "")).strip()
    if not name:
        raise ApplicationError(_("Give the party's name."), code="required", field="name")
    party = MediationParty.objects.create(
        mediation=mediation,
        org_unit_id=mediation.org_unit_id,
        resident=resident,
        name=name[:100],
        role=role.strip()[:50],
    )
    audit.record(actor=actor, action="mediation.party_add", obj=case, org_unit=case.org_unit)
    return party


@transaction.atomic
def mediation_session_add(
    *,
    actor,
    case: Case,
    held_at: datetime.datetime,
    room: str = "",
    notes: str = "",
    mediator=None,
    volunteer=None,
) -> MediationSession:
    case = _lock(case)
    mediation = _mediation_of(case)
    if case.status not in Case.OPEN_STATES:
        raise ConflictError(
            _("The case is no longer open."),
            code="invalid_transition",
            extra={"allowed": allowed_actions(case)},
        )
    session = MediationSession.objects.create(
        mediation=mediation,
        org_unit_id=mediation.org_unit_id,
        held_at=held_at,
        room=room.strip()[:100],
        notes=_clean_description(notes, field="notes", required=False),
        mediator=mediator or _user_or_none(actor),
        volunteer=volunteer,
    )
    _record(
        case,
        action="mediation",
        actor=actor,
        from_status=case.status,
        note=session.notes,
        detail={"session": session.pk, "room": session.room},
    )
    audit.record(actor=actor, action="mediation.session_add", obj=case, org_unit=case.org_unit)
    return session


@transaction.atomic
def mediation_record_outcome(
    *, actor, case: Case, outcome: str, agreement_text: str = "", agreement_file=None
) -> Mediation:
    case = _lock(case)
    mediation = _mediation_of(case)
    if outcome not in Mediation.Outcome.values or outcome == Mediation.Outcome.PENDING:
        raise ApplicationError(_("Choose the outcome."), field="outcome")
    agreement_text = _clean_description(
        agreement_text, field="agreement_text", required=outcome == Mediation.Outcome.AGREEMENT
    )
    if agreement_file:
        mediation.agreement_upload = upload_store(
            actor=actor, file=agreement_file, org_unit=case.org_unit, purpose="cases.photo"
        )
    mediation.outcome, mediation.agreement_text, mediation.outcome_at = (
        outcome,
        agreement_text,
        timezone.now(),
    )
    mediation.save()
    _record(
        case,
        action="mediation",
        actor=actor,
        from_status=case.status,
        note=agreement_text,
        detail={"outcome": outcome},
    )
    audit.record(
        actor=actor, action="mediation.outcome", obj=case, org_unit=case.org_unit, detail={"outcome": outcome}
    )
    if outcome == Mediation.Outcome.AGREEMENT:
        _award_volunteers(case, mediation, actor=actor)
    return mediation


def _award_volunteers(case: Case, mediation: Mediation, *, actor) -> int:
    """Volunteer mediators earn the points bank's mediation rule, once per case (idempotent)."""
    from django.apps import apps

    if not apps.is_installed("gongzhi.points"):
        return 0
    from gongzhi.points.services import award_create

    # A community that keeps no active mediation rule (or whose caps are reached) simply awards
    # nothing; recording the mediation must not fail because of the points bank.
    not_awardable = {"unknown_rule", "rule_inactive", "cap_exceeded"}
    awarded = 0
    seen = set()
    for session in mediation.sessions.select_related("volunteer"):
        volunteer = session.volunteer
        if volunteer is None or volunteer.pk in seen:
            continue
        seen.add(volunteer.pk)
        try:
            award_create(
                actor=actor,
                resident=volunteer,
                rule_code="mediation",
                quantity=1,
                idempotency_key=f"cases:mediation:{case.pk}:{volunteer.pk}",
                note=_("Mediation of case #%(n)s") % {"n": case.pk},
                source=f"cases.case:{case.pk}",
            )
        except ApplicationError as exc:
            if exc.code not in not_awardable:
                raise
            continue
        awarded += 1
    return awarded


@transaction.atomic
def mediation_follow_up(*, actor, case: Case, visited_at: datetime.datetime, note: str) -> Mediation:
    case = _lock(case)
    mediation = _mediation_of(case)
    if mediation.outcome == Mediation.Outcome.PENDING:
        raise ConflictError(_("Record the outcome before the follow-up visit."), code="no_outcome")
    mediation.follow_up_at, mediation.follow_up_note = visited_at, _clean_description(note, field="note")
    mediation.save(update_fields=["follow_up_at", "follow_up_note"])
    _record(
        case,
        action="mediation",
        actor=actor,
        from_status=case.status,
        note=mediation.follow_up_note,
        detail={"follow_up": True},
    )
    audit.record(actor=actor, action="mediation.follow_up", obj=case, org_unit=case.org_unit)
    return mediation


# --- geometry ---------------------------------------------------------------------------------------

EARTH_RADIUS_M = 6_371_000


def haversine_m(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
