"""Every write of the assistance app. Keyword-only, atomic, audited; refusals are ApplicationError.

Contracts other apps may use:
- enrolment_registry_change(*, resident, change, actor) -> list[ReviewTask]
- application_submit(*, actor, household, programme, beneficiary=None, ...) -> Application
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit, uploads
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import DataProcessingBasis, OrgUnit
from gongzhi.core.services import processing_basis_record
from gongzhi.registry.models import Household, Resident

from . import calc
from .models import (
    Application,
    ApplicationDocument,
    ApplicationStep,
    Batch,
    BatchEvent,
    Enrolment,
    Objection,
    PaymentLine,
    Programme,
    ReviewInterval,
    ReviewTask,
    Standard,
)

DEFAULT_INTERVALS = {("A", ""): 12, ("B", ""): 12, ("C", "urban"): 3, ("C", "rural"): 6, ("C", ""): 6}
CHANGE_KINDS = ("deceased", "moved_out", "job", "vehicle", "house", "other")


def _today() -> datetime.date:
    return timezone.localdate()


def _require(actor, perm, obj):
    if isinstance(obj, OrgUnit):
        obj = SimpleNamespace(org_unit=obj)
    if actor is not None and not actor.has_perm(perm, obj):
        raise PermissionDenied


def beneficiary_key(
    programme: Programme, household: Household, beneficiary: Resident | None, application=None
) -> str:
    """Who is paid, as the key of the once-per-month rule. A one-off grant is keyed by its
    application, so each approved grant is paid exactly once."""
    if programme.formula == Programme.Formula.ONE_OFF and application is not None:
        return f"h{household.pk}a{application.pk}"
    if programme.target == Programme.Target.HOUSEHOLD:
        return f"h{household.pk}"
    return f"r{beneficiary.pk}"


# ---------------------------------------------------------------- programmes and standards


@transaction.atomic
def programme_create(
    *,
    actor,
    code,
    name,
    kind,
    target,
    formula,
    report_group,
    area="",
    care_mode="",
    eligibility=None,
    eligibility_text="",
) -> Programme:
    programme = Programme.objects.create(
        code=code,
        name=name,
        kind=kind,
        target=target,
        formula=formula,
        report_group=report_group,
        area=area,
        care_mode=care_mode,
        eligibility=eligibility or {},
        eligibility_text=eligibility_text,
    )
    audit.record(actor=actor, action="programme.create", obj=programme, detail={"code": code})
    return programme


@transaction.atomic
def standard_create(
    *,
    actor,
    programme: Programme,
    org_unit: OrgUnit,
    valid_from: datetime.date,
    amount: Decimal,
    band: str = "",
    age_min: int | None = None,
    age_max: int | None = None,
    minimum: Decimal = Decimal(0),
    supplement_elderly_pct: Decimal = Decimal(0),
    supplement_disabled_pct: Decimal = Decimal(0),
    supplement_ill_pct: Decimal = Decimal(0),
) -> Standard:
    """A new dated row. Rows are never edited: history stays as it was paid. A standard may not
    start in a month that has already been paid for this programme in the region."""
    _require(actor, "assistance.manage_standards", org_unit)
    amount = Decimal(amount)
    if amount < 0 or Decimal(minimum) < 0:
        raise ApplicationError(_("Amounts cannot be negative."), code="negative", field="amount")
    paid = PaymentLine.objects.filter(
        programme=programme,
        month__gte=calc.month_start(valid_from),
        org_unit__path__startswith=org_unit.path,
        batch__state__in=[Batch.State.APPROVED, Batch.State.PAID, Batch.State.RECONCILED],
    )
    if paid.exists():
        raise ConflictError(
            _("Payments from this date are already approved; date the new standard after them."),
            code="already_paid",
            field="valid_from",
        )
    if Standard.objects.filter(
        programme=programme, org_unit=org_unit, band=band, valid_from=valid_from
    ).exists():
        raise ConflictError(
            _("A standard for this date already exists."), code="duplicate", field="valid_from"
        )
    standard = Standard.objects.create(
        programme=programme,
        org_unit=org_unit,
        valid_from=valid_from,
        amount=calc.fen(amount),
        band=band,
        age_min=age_min,
        age_max=age_max,
        minimum=calc.fen(minimum),
        supplement_elderly_pct=supplement_elderly_pct,
        supplement_disabled_pct=supplement_disabled_pct,
        supplement_ill_pct=supplement_ill_pct,
    )
    audit.record(
        actor=actor,
        action="standard.create",
        obj=standard,
        detail={
            "programme": programme.code,
            "amount": str(standard.amount),
            "from": str(valid_from),
            "band": band,
        },
    )
    return standard


class StandardBook:
    """All standards of a programme, loaded once; `find` answers the row in force on a day in the
    nearest unit at or above a given unit (so a community may override the county)."""

    def __init__(self, programme: Programme):
        self.programme = programme
        self.rows = list(Standard.objects.filter(programme=programme).select_related("org_unit"))

    def find(
        self, unit: OrgUnit, day: datetime.date, *, band: str = "", age: int | None = None
    ) -> Standard | None:
        ancestors = set(unit.ancestor_ids)
        best = None
        for row in self.rows:
            if row.org_unit_id not in ancestors or row.valid_from > day:
                continue
            if age is not None:
                if (
                    row.age_min is None
                    or age < row.age_min
                    or (row.age_max is not None and age > row.age_max)
                ):
                    continue
            elif row.band != band:
                continue
            key = (row.org_unit.depth, row.valid_from)
            if best is None or key > (best.org_unit.depth, best.valid_from):
                best = row
        return best


def compute_amount(enrolment: Enrolment, month: datetime.date, book: StandardBook) -> calc.Amount | None:
    """What an enrolment is due for a month (None when no standard applies or nothing is due).
    The standard is the one in force on the first day of the month. A monthly benefit whose
    enrolment starts or ends inside the month is prorated by days (calc.prorate); a one-off grant
    is paid whole."""
    result = _month_amount(enrolment, month, book)
    if result is None or enrolment.programme.formula == Programme.Formula.ONE_OFF:
        return result
    if enrolment.start_date is None:  # a proposal, not yet enrolled: a whole month
        return result
    result = calc.prorate(result, month=month, start=enrolment.start_date, end=enrolment.end_date)
    return result if result.amount > 0 else None


def _month_amount(enrolment: Enrolment, month: datetime.date, book: StandardBook) -> calc.Amount | None:
    programme = enrolment.programme
    formula = programme.formula
    unit = enrolment.org_unit
    if formula == Programme.Formula.ONE_OFF:
        return calc.one_off(amount=enrolment.one_off_amount) if enrolment.one_off_amount else None
    if formula == Programme.Formula.AGE_BAND:
        age = enrolment.beneficiary.age_on(month)
        std = book.find(unit, month, age=age)
        return calc.per_person(amount=std.amount, band=std.band) if std else None
    if formula == Programme.Formula.PER_GRADE:
        std = book.find(unit, month, band=f"grade{enrolment.disability_grade}")
        return calc.per_person(amount=std.amount, band=std.band) if std else None
    std = book.find(unit, month)
    if std is None:
        return None
    if formula == Programme.Formula.PER_PERSON:
        persons = enrolment.household_size if programme.target == Programme.Target.HOUSEHOLD else 1
        return calc.per_person(amount=std.amount, persons=persons)
    result = calc.gap(
        standard=std.amount,
        household_size=enrolment.household_size,
        monthly_income=enrolment.monthly_income,
        minimum=std.minimum,
        supplements=(
            ("elderly", std.supplement_elderly_pct, enrolment.elderly_members),
            ("disabled", std.supplement_disabled_pct, enrolment.disabled_members),
            ("ill", std.supplement_ill_pct, enrolment.ill_members),
        ),
    )
    return result if result.amount > 0 else None


# ---------------------------------------------------------------- applications


def _step(application, *, actor, action, from_state="", to_state="", note=""):
    return ApplicationStep.objects.create(
        application=application,
        org_unit_id=application.org_unit_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
    )


def _check_eligibility(programme: Programme, *, beneficiary: Resident | None, on: datetime.date):
    rules_ = programme.eligibility or {}
    if beneficiary is not None:
        age = beneficiary.age_on(on)
        if "min_age" in rules_ and age < int(rules_["min_age"]):
            raise ApplicationError(
                _("This programme is for people aged %(n)s or over.") % {"n": rules_["min_age"]},
                code="not_eligible",
                field="beneficiary",
            )
        if "max_age" in rules_ and age > int(rules_["max_age"]):
            raise ApplicationError(
                _("This programme is for people aged %(n)s or under.") % {"n": rules_["max_age"]},
                code="not_eligible",
                field="beneficiary",
            )


# The legal basis of every assistance file (PIPL art. 13(3), a statutory duty). Stored data, not
# interface text: it names the regulation as it is cited.
ASSISTANCE_STATUTE = "《社会救助暂行办法》（国务院令第649号）"
ASSISTANCE_PURPOSE = "社会救助的申请审核、民主评议、公示、审批与发放"


@transaction.atomic
def application_submit(
    *,
    actor,
    household: Household,
    programme: Programme,
    beneficiary: Resident | None = None,
    reason: str = "",
    documents: str = "",
    on_behalf: bool = True,
    one_off_amount: Decimal | None = None,
    override_reason: str = "",
) -> Application:
    _require(actor, "assistance.prepare", household)
    if not programme.is_active:
        raise ApplicationError(_("This programme is closed."), code="closed", field="programme")
    if programme.target == Programme.Target.INDIVIDUAL and beneficiary is None:
        raise ApplicationError(
            _("Choose the person the application is for."), code="required", field="beneficiary"
        )
    if beneficiary is not None and (
        beneficiary.household_id != household.pk or beneficiary.status != Resident.Status.LIVING
    ):
        raise ApplicationError(
            _("The person must be a living member of the household."),
            code="not_member",
            field="beneficiary",
        )
    today = _today()
    _check_eligibility(programme, beneficiary=beneficiary, on=today)
    key = beneficiary_key(programme, household, beneficiary)
    open_states = [
        s
        for s in Application.State.values
        if s not in (Application.State.ENROLLED, Application.State.REFUSED)
    ]
    same = Application.objects.filter(programme=programme, household=household, state__in=open_states)
    if programme.target == Programme.Target.INDIVIDUAL:
        same = same.filter(beneficiary=beneficiary)
    if same.exists():
        raise ConflictError(_("An application for this programme is already under way."), code="duplicate")
    if (
        Enrolment.objects.filter(programme=programme, beneficiary_key=key)
        .exclude(status=Enrolment.Status.EXITED)
        .exists()
    ):
        raise ConflictError(_("Already enrolled in this programme."), code="enrolled")
    if programme.formula == Programme.Formula.ONE_OFF:
        if one_off_amount is None or Decimal(one_off_amount) <= 0:
            raise ApplicationError(_("Give the amount requested."), code="required", field="one_off_amount")
        since = calc.add_months(today, -12)
        recent = (
            Enrolment.objects.filter(
                programme__kind=Programme.Kind.TEMPORARY, household=household, start_date__gt=since
            ).exists()
            or Application.objects.filter(
                programme__kind=Programme.Kind.TEMPORARY,
                household=household,
                submitted_at__date__gt=since,
            )
            .exclude(state=Application.State.REFUSED)
            .exists()
        )
        if recent and not override_reason.strip():
            raise ConflictError(
                _(
                    "This household received temporary assistance in the last 12 months; give a reason to override."
                ),
                code="once_per_year",
                field="override_reason",
            )
    application = Application.objects.create(
        org_unit=household.org_unit,
        household=household,
        beneficiary=beneficiary,
        programme=programme,
        reason=reason,
        documents=documents,
        on_behalf=on_behalf,
        one_off_amount=calc.fen(one_off_amount) if one_off_amount is not None else None,
        override_reason=override_reason.strip(),
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _step(application, actor=actor, action="submit", to_state=application.state, note=override_reason.strip())
    # PIPL art. 13(3): an assistance file is held to perform a statutory duty; recorded with it.
    processing_basis_record(
        actor=actor,
        obj=application,
        org_unit=household.org_unit,
        category=DataProcessingBasis.Category.ASSISTANCE,
        purpose=ASSISTANCE_PURPOSE,
        basis=DataProcessingBasis.Basis.STATUTORY,
        statute=ASSISTANCE_STATUTE,
    )
    audit.record(
        actor=actor,
        action="application.submit",
        obj=application,
        detail={"programme": programme.code, "override": bool(override_reason.strip())},
    )
    return application


# action → (from state, to state, permission, is an approval)
TRANSITIONS = {
    "check": (Application.State.SUBMITTED, Application.State.CHECKED, "assistance.prepare", False),
    "visit": (Application.State.CHECKED, Application.State.VISITED, "assistance.prepare", False),
    "review": (Application.State.VISITED, Application.State.REVIEWED, "assistance.prepare", False),
    "publish": (Application.State.REVIEWED, Application.State.NOTICE, "assistance.prepare", False),
    "street_approve": (
        Application.State.NOTICE,
        Application.State.STREET_APPROVED,
        "assistance.street_review",
        True,
    ),
    "county_approve": (
        Application.State.STREET_APPROVED,
        Application.State.ENROLLED,
        "assistance.county_approve",
        True,
    ),
}
OPEN_STATES = [t[0] for t in TRANSITIONS.values()]


def _lock_application(application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("programme", "household", "beneficiary", "org_unit")
        .get(pk=application.pk)
    )


def _proposed_amount(app: Application) -> Decimal | None:
    enrolment = Enrolment(
        org_unit=app.org_unit,
        programme=app.programme,
        household=app.household,
        beneficiary=app.beneficiary,
        household_size=app.household_size or 1,
        monthly_income=app.monthly_income or 0,
        elderly_members=app.elderly_members,
        disabled_members=app.disabled_members,
        ill_members=app.ill_members,
        disability_grade=app.disability_grade,
        one_off_amount=app.one_off_amount,
    )
    result = compute_amount(enrolment, calc.month_start(_today()), StandardBook(app.programme))
    return result.amount if result else None


@transaction.atomic
def application_transition(
    *, actor, application: Application, action: str, note: str = "", **data
) -> Application:
    """Move an application one step. `data` carries the facts of the step (household check figures,
    notice days, the enrolment date and bank account on county approval, a refusal reason)."""
    app = _lock_application(application)
    if action == "refuse":
        return _application_refuse(actor=actor, app=app, reason=data.get("reason") or note)
    if action == "object":
        return _application_object(actor=actor, app=app, text=note)
    if action == "resolve":
        return _application_resolve(
            actor=actor, app=app, objection_id=data.get("objection_id"), resolution=note
        )
    if action not in TRANSITIONS:
        raise ApplicationError(_("Unknown step."), code="unknown_action", field="action")
    from_state, to_state, perm, approval = TRANSITIONS[action]
    _require(actor, perm, app)
    if app.state != from_state:
        raise ConflictError(
            _("This step is not possible while the application is “%(state)s”.")
            % {"state": app.get_state_display()},
            code="wrong_state",
        )
    if approval and actor is not None:
        preparers = set(app.steps.exclude(actor=None).values_list("actor_id", flat=True))
        if actor.pk in preparers:
            raise ConflictError(
                _("You prepared a step of this application, so someone else must approve it."),
                code="maker_checker",
            )
    today = _today()
    if action == "check":
        size = data.get("household_size")
        income = data.get("monthly_income")
        if not size or int(size) < 1:
            raise ApplicationError(_("Give the household size."), code="required", field="household_size")
        if income is None or Decimal(income) < 0:
            raise ApplicationError(
                _("Give the household's monthly income."), code="required", field="monthly_income"
            )
        counts = {k: int(data.get(k) or 0) for k in ("elderly_members", "disabled_members", "ill_members")}
        if any(v < 0 or v > int(size) for v in counts.values()):
            raise ApplicationError(
                _("Member counts must lie between 0 and the household size."),
                code="invalid",
                field="elderly_members",
            )
        grade = data.get("disability_grade")
        if app.programme.formula == Programme.Formula.PER_GRADE:
            allowed = app.programme.eligibility.get("disability_grades") or [1, 2, 3, 4]
            if grade is None or int(grade) not in allowed:
                raise ApplicationError(
                    _("This subsidy is for disability grades %(grades)s.")
                    % {"grades": ", ".join(map(str, allowed))},
                    code="not_eligible",
                    field="disability_grade",
                )
        app.household_size = int(size)
        app.monthly_income = calc.fen(income)
        app.assets_note = data.get("assets_note", "")
        app.elderly_members, app.disabled_members, app.ill_members = (
            counts["elderly_members"],
            counts["disabled_members"],
            counts["ill_members"],
        )
        app.disability_grade = int(grade) if grade else None
        if data.get("household_class") in ("A", "B", "C"):
            app.household_class = data["household_class"]
    elif action in ("visit", "review"):
        if not note.strip():
            raise ApplicationError(_("Record what was found."), code="required", field="note")
        if action == "review":
            app.proposed_amount = _proposed_amount(app)
            if app.proposed_amount is None:
                raise ConflictError(
                    _("Nothing would be paid: the income is above the standard or no standard applies."),
                    code="nothing_due",
                )
    elif action == "publish":
        days = int(data.get("notice_days") or app.notice_days or 7)
        if not 1 <= days <= 30:
            raise ApplicationError(_("A notice lasts 1 to 30 days."), code="invalid", field="notice_days")
        app.notice_days = days
        app.notice_start = today
        app.notice_end = today + datetime.timedelta(days=days - 1)
    elif action == "street_approve":
        if app.notice_end and today <= app.notice_end:
            raise ConflictError(
                _("The public notice runs until %(day)s.") % {"day": app.notice_end.isoformat()},
                code="notice_running",
            )
        if app.objections.filter(resolved_at__isnull=True).exists():
            raise ConflictError(_("Resolve the objections first."), code="objections_open")
    elif action == "county_approve":
        start = data.get("enrol_from") or calc.month_start(calc.add_months(today, 1))
        if isinstance(start, str):
            start = datetime.date.fromisoformat(start)
        app.enrol_from = start
    app.state = to_state
    app.save()
    _step(app, actor=actor, action=action, from_state=from_state, to_state=to_state, note=note)
    if action == "county_approve":
        _enrol(actor=actor, app=app, data=data)
    audit.record(actor=actor, action=f"application.{action}", obj=app, detail={"state": to_state})
    return app


@transaction.atomic
def application_document_add(*, actor, application: Application, file, title: str) -> "ApplicationDocument":
    """File a document with an application; stored and checked by core.uploads, served only to
    those who may see the assistance file."""
    _require(actor, "assistance.prepare", application)
    if application.state in (Application.State.ENROLLED, Application.State.REFUSED):
        raise ConflictError(_("This application is already decided."), code="wrong_state")
    if not title.strip():
        raise ApplicationError(_("Name the document."), code="required", field="title")
    upload = uploads.upload_store(
        actor=actor, file=file, org_unit=application.org_unit, purpose="assistance.document"
    )
    doc = ApplicationDocument.objects.create(
        application=application,
        org_unit_id=application.org_unit_id,
        upload=upload,
        title=title.strip()[:100],
        added_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _step(application, actor=actor, action="document", note=doc.title)
    audit.record(
        actor=actor, action="application.document", obj=application, detail={"upload": str(upload.pk)}
    )
    return doc


def _application_refuse(*, actor, app, reason):
    if app.state not in OPEN_STATES:
        raise ConflictError(_("This application is already decided."), code="wrong_state")
    _require(actor, "assistance.refuse", app)
    if not (reason or "").strip():
        raise ApplicationError(_("Give the reason the household will see."), code="required", field="reason")
    from_state = app.state
    app.state = Application.State.REFUSED
    app.refusal_reason = reason.strip()
    app.save()
    _step(
        app, actor=actor, action="refuse", from_state=from_state, to_state=app.state, note=app.refusal_reason
    )
    audit.record(actor=actor, action="application.refuse", obj=app, detail={"from": from_state})
    return app


def _application_object(*, actor, app, text):
    _require(actor, "assistance.prepare", app)
    if app.state != Application.State.NOTICE:
        raise ConflictError(_("Objections are recorded while the notice is up."), code="wrong_state")
    if not text.strip():
        raise ApplicationError(_("Write down the objection."), code="required", field="note")
    Objection.objects.create(
        application=app, org_unit_id=app.org_unit_id, text=text.strip(), recorded_by=actor if actor else None
    )
    _step(app, actor=actor, action="object", note=text.strip())
    audit.record(actor=actor, action="application.object", obj=app)
    return app


def _application_resolve(*, actor, app, objection_id, resolution):
    _require(actor, "assistance.prepare", app)
    objection = app.objections.filter(pk=objection_id, resolved_at__isnull=True).first()
    if objection is None:
        raise ApplicationError(_("No such open objection."), code="not_found", field="objection_id")
    if not resolution.strip():
        raise ApplicationError(_("Record how the objection was resolved."), code="required", field="note")
    objection.resolution = resolution.strip()
    objection.resolved_at = timezone.now()
    objection.save()
    _step(app, actor=actor, action="resolve", note=resolution.strip())
    audit.record(actor=actor, action="application.resolve", obj=app)
    return app


def review_interval_months(household_class: str, area: str) -> int:
    row = (
        ReviewInterval.objects.filter(household_class=household_class, area__in=[area, ""])
        .order_by("-area")
        .first()
    )
    if row:
        return row.months
    return DEFAULT_INTERVALS.get((household_class, area)) or DEFAULT_INTERVALS.get((household_class, ""), 12)


def _payee(app: Application) -> str:
    if app.beneficiary is not None:
        return app.beneficiary.name
    head = app.household.members.filter(relationship_to_head=Resident.Relationship.HEAD).first()
    return head.name if head else ""


def _enrol(*, actor, app: Application, data) -> Enrolment:
    programme = app.programme
    enrolment = Enrolment(
        org_unit=app.org_unit,
        programme=programme,
        household=app.household,
        beneficiary=app.beneficiary,
        beneficiary_key=beneficiary_key(programme, app.household, app.beneficiary, app),
        application=app,
        start_date=app.enrol_from,
        household_size=app.household_size or 1,
        monthly_income=app.monthly_income or 0,
        elderly_members=app.elderly_members,
        disabled_members=app.disabled_members,
        ill_members=app.ill_members,
        disability_grade=app.disability_grade,
        one_off_amount=app.one_off_amount,
        household_class=app.household_class,
        payee_name=data.get("payee_name") or _payee(app),
        bank_name=data.get("bank_name", ""),
    )
    if programme.formula == Programme.Formula.ONE_OFF:
        enrolment.end_date = calc.month_end(app.enrol_from)
    else:
        months = review_interval_months(app.household_class, programme.area)
        enrolment.next_review_due = calc.add_months(app.enrol_from, months)
    if data.get("account_number"):
        enrolment.set_account(data["account_number"])
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError as exc:
        raise ConflictError(_("Already enrolled in this programme."), code="enrolled") from exc
    audit.record(actor=actor, action="enrolment.create", obj=enrolment, detail={"programme": programme.code})
    return enrolment


# ---------------------------------------------------------------- dynamic monitoring


def review_staff(unit: OrgUnit) -> list:
    """Who answers for the reviews of a unit's enrolments: the active community staff and secretary
    assigned at the unit or above it (grid workers do not see assistance files, so they are not
    told)."""
    from gongzhi.accounts.models import RoleAssignment

    from .rules import PREPARER_ROLES

    assignments = RoleAssignment.objects.filter(
        is_active=True,
        role__in=PREPARER_ROLES,
        org_unit_id__in=[unit.pk, *unit.ancestor_ids],
        user__is_active=True,
    ).select_related("user")
    return list({a.user_id: a.user for a in assignments}.values())


def _notify_reviews(tasks: list[ReviewTask]) -> None:
    """Tell the responsible staff about newly opened review tasks, once the transaction commits:
    one notification per person per grid, naming how many reviews and the earliest due date (no
    names of beneficiaries: the notification list is not an assistance file)."""
    from gongzhi.core.services import notification_send

    per_unit: dict[int, list[ReviewTask]] = {}
    for task in tasks:
        per_unit.setdefault(task.org_unit_id, []).append(task)
    messages = []
    for unit_tasks in per_unit.values():
        unit = unit_tasks[0].org_unit
        due = min(t.due_date for t in unit_tasks)
        changes = [t for t in unit_tasks if t.kind == ReviewTask.Kind.REGISTRY_CHANGE]
        if changes:
            title = _(
                "%(n)s assistance enrolments in %(unit)s need a review now: the registry recorded a change."
            ) % {"n": len(unit_tasks), "unit": unit.name}
        else:
            title = _("%(n)s assistance reviews in %(unit)s fall due, the first on %(date)s.") % {
                "n": len(unit_tasks),
                "unit": unit.name,
                "date": due.isoformat(),
            }
        for user in review_staff(unit):
            messages.append((user, title, unit))

    def send():
        for user, title, unit in messages:
            notification_send(user=user, title=title, url="/assistance/reviews/", org_unit=unit)

    if messages:
        transaction.on_commit(send)


@transaction.atomic
def enrolment_registry_change(*, resident: Resident, change: str, actor=None) -> list[ReviewTask]:
    """A change in the registry (death, move-out, a new job, a car or a house) opens a review task at
    once on every open enrolment it touches. A death or move-out of the person paid for, or of a
    member of a household paid as a whole, suspends payment from the next month until reviewed."""
    if change not in CHANGE_KINDS:
        raise ApplicationError(_("Unknown kind of change."), code="invalid", field="change")
    today = _today()
    enrolments = (
        Enrolment.objects.select_for_update(of=("self",))
        .filter(
            Q(beneficiary=resident)
            | Q(household_id=resident.household_id, programme__target=Programme.Target.HOUSEHOLD)
        )
        .exclude(status=Enrolment.Status.EXITED)
        .select_related("programme", "org_unit")
    )
    tasks = []
    for enrolment in enrolments:
        if change in ("deceased", "moved_out") and enrolment.status != Enrolment.Status.SUSPENDED:
            enrolment.status = Enrolment.Status.SUSPENDED
            enrolment.suspended_from = calc.month_start(calc.add_months(today, 1))
            enrolment.save(update_fields=["status", "suspended_from"])
        task = ReviewTask.objects.create(
            enrolment=enrolment,
            org_unit=enrolment.org_unit,
            kind=ReviewTask.Kind.REGISTRY_CHANGE,
            reason=f"{change}: {resident.name}",
            due_date=today,
        )
        tasks.append(task)
        audit.record(
            actor=actor, action="enrolment.registry_change", obj=enrolment, detail={"change": change}
        )
    _notify_reviews(tasks)
    return tasks


@transaction.atomic
def reviews_open_due(*, actor=None, today: datetime.date | None = None) -> int:
    """Open a periodic review task for each enrolment whose review falls due within its reminder
    window and has none open. Run daily (`manage.py assistance_reviews`)."""
    today = today or _today()
    remind = ReviewInterval.objects.order_by("-remind_days").values_list("remind_days", flat=True).first()
    horizon = today + datetime.timedelta(days=30 if remind is None else remind)
    due = (
        Enrolment.objects.filter(next_review_due__lte=horizon)
        .exclude(status=Enrolment.Status.EXITED)
        .exclude(reviews__kind=ReviewTask.Kind.PERIODIC, reviews__done_at__isnull=True)
    )
    tasks = [
        ReviewTask.objects.create(
            enrolment=enrolment,
            org_unit=enrolment.org_unit,
            kind=ReviewTask.Kind.PERIODIC,
            reason="periodic",
            due_date=enrolment.next_review_due,
        )
        for enrolment in due.select_related("org_unit")
    ]
    n = len(tasks)
    _notify_reviews(tasks)
    if n:
        audit.record(
            actor=actor, action="review.open_due", object_type="assistance.reviewtask", detail={"opened": n}
        )
    return n


@transaction.atomic
def review_complete(
    *,
    actor,
    review: ReviewTask,
    outcome: str,
    note: str = "",
    phase_out_months: int | None = None,
    exit_reason: str = "",
    household_size: int | None = None,
    monthly_income: Decimal | None = None,
) -> ReviewTask:
    review = ReviewTask.objects.select_for_update(of=("self",)).get(pk=review.pk)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("programme")
        .get(pk=review.enrolment_id)
    )
    _require(actor, "assistance.prepare", enrolment)
    if review.done_at is not None:
        raise ConflictError(_("This review is already done."), code="done")
    today = _today()
    if outcome == ReviewTask.Outcome.CONTINUE:
        if enrolment.beneficiary and enrolment.beneficiary.status != Resident.Status.LIVING:
            raise ConflictError(_("The person is no longer living here; choose exit."), code="not_living")
        if household_size:
            enrolment.household_size = int(household_size)
        if monthly_income is not None:
            enrolment.monthly_income = calc.fen(monthly_income)
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.suspended_from = None
        months = review_interval_months(enrolment.household_class, enrolment.programme.area)
        enrolment.next_review_due = calc.add_months(today, months)
    elif outcome == ReviewTask.Outcome.PHASE_OUT:
        if phase_out_months is None or not 1 <= int(phase_out_months) <= 12:
            raise ApplicationError(
                _("A phase-out lasts 1 to 12 months."), code="invalid", field="phase_out_months"
            )
        enrolment.status = Enrolment.Status.PHASE_OUT
        enrolment.suspended_from = None
        enrolment.phase_out_until = calc.month_end(calc.add_months(today, int(phase_out_months)))
        enrolment.end_date = enrolment.phase_out_until
    elif outcome == ReviewTask.Outcome.EXIT:
        if not exit_reason.strip():
            raise ApplicationError(_("Give the reason for the exit."), code="required", field="exit_reason")
        enrolment.status = Enrolment.Status.EXITED
        enrolment.exit_reason = exit_reason.strip()
        end = calc.month_end(today)
        if enrolment.suspended_from:
            end = min(end, enrolment.suspended_from - datetime.timedelta(days=1))
        enrolment.end_date = max(end, enrolment.start_date)
    else:
        raise ApplicationError(_("Unknown outcome."), code="invalid", field="outcome")
    enrolment.save()
    review.outcome = outcome
    review.note = note
    review.done_at = timezone.now()
    review.done_by = actor if getattr(actor, "is_authenticated", False) else None
    review.save()
    audit.record(actor=actor, action=f"review.{outcome}", obj=enrolment, detail={"review": review.pk})
    return review


# ---------------------------------------------------------------- disbursement


def payable_enrolments(*, programme: Programme, community: OrgUnit, month: datetime.date):
    start, end = calc.month_start(month), calc.month_end(month)
    return (
        Enrolment.objects.filter(
            programme=programme,
            org_unit__path__startswith=community.path,
            start_date__lte=end,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .filter(
            Q(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.PHASE_OUT])
            | Q(status=Enrolment.Status.SUSPENDED, suspended_from__gt=start)
            | Q(status=Enrolment.Status.EXITED, end_date__gte=start)
        )
        .select_related("programme", "org_unit", "beneficiary", "household")
        .order_by("id")
    )


def _record_batch_event(batch, *, actor, from_state, to_state, note=""):
    BatchEvent.objects.create(
        batch=batch,
        org_unit_id=batch.org_unit_id,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
    )


@transaction.atomic
def batch_create(*, actor, programme: Programme, community: OrgUnit, month: datetime.date) -> Batch:
    """A draft batch for a programme, community and month, computed from the enrolments and the
    standards valid that month. Beneficiaries already in another batch of the month (unless their
    line failed) are left out, so two batches of the same month never pay anyone twice."""
    _require(actor, "assistance.manage_batches", community)
    if community.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("Batches are made per community."), code="invalid", field="community")
    month = calc.month_start(month)
    batch = Batch.objects.create(
        org_unit=community,
        programme=programme,
        month=month,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _record_batch_event(batch, actor=actor, from_state="", to_state=batch.state)
    batch_compute(actor=actor, batch=batch)
    batch.refresh_from_db()
    if batch.line_count == 0:
        raise ConflictError(
            _("Nobody is left to pay for this programme and month: everyone due is already in a batch."),
            code="nothing_to_pay",
        )
    audit.record(
        actor=actor, action="batch.create", obj=batch, detail={"month": str(month), "lines": batch.line_count}
    )
    return batch


@transaction.atomic
def batch_compute(*, actor, batch: Batch) -> Batch:
    """(Re)compute a draft batch: adds a line for each beneficiary due and not yet held by a line of
    the month. Idempotent: running it again adds nothing."""
    # The programme row serialises batch computation of a programme (PostgreSQL); the unique
    # constraint on lines is the last word everywhere.
    Programme.objects.select_for_update(of=("self",)).filter(pk=batch.programme_id).first()
    batch = (
        Batch.objects.select_for_update(of=("self",)).select_related("programme", "org_unit").get(pk=batch.pk)
    )
    if batch.state != Batch.State.DRAFT:
        raise ConflictError(_("Only a draft batch can be computed."), code="wrong_state")
    book = StandardBook(batch.programme)
    held = set(
        PaymentLine.objects.filter(programme=batch.programme, month=batch.month)
        .exclude(status=PaymentLine.Status.FAILED)
        .values_list("beneficiary_key", flat=True)
    )
    new_lines = []
    for enrolment in payable_enrolments(
        programme=batch.programme, community=batch.org_unit, month=batch.month
    ):
        if enrolment.beneficiary_key in held:
            continue
        if (
            enrolment.beneficiary_id
            and enrolment.beneficiary.status != Resident.Status.LIVING
            and not enrolment.suspended_from
        ):
            continue
        result = compute_amount(enrolment, batch.month, book)
        if result is None or result.amount <= 0:
            continue
        new_lines.append(
            PaymentLine(
                batch=batch,
                org_unit=enrolment.org_unit,
                programme=batch.programme,
                enrolment=enrolment,
                household=enrolment.household,
                beneficiary_key=enrolment.beneficiary_key,
                month=batch.month,
                persons=result.persons,
                amount=result.amount,
                computation=result.computation,
                payee_name=enrolment.payee_name,
                account_last4=enrolment.account_last4,
            )
        )
        held.add(enrolment.beneficiary_key)
    try:
        with transaction.atomic():
            PaymentLine.objects.bulk_create(new_lines)
    except IntegrityError as exc:
        raise ConflictError(
            _("Another batch of this month was computed at the same time; try again."), code="race"
        ) from exc
    _update_totals(batch)
    if new_lines:
        audit.record(actor=actor, action="batch.compute", obj=batch, detail={"added": len(new_lines)})
    return batch


def _update_totals(batch):
    from django.db.models import Count, Sum

    agg = batch.lines.exclude(status=PaymentLine.Status.FAILED).aggregate(n=Count("id"), total=Sum("amount"))
    Batch.objects.filter(pk=batch.pk).update(line_count=agg["n"] or 0, total=agg["total"] or 0)


BATCH_TRANSITIONS = {
    "check": (Batch.State.DRAFT, Batch.State.CHECKED, "assistance.manage_batches"),
    "approve": (Batch.State.CHECKED, Batch.State.APPROVED, "assistance.approve_batches"),
    "pay": (Batch.State.APPROVED, Batch.State.PAID, "assistance.approve_batches"),
}


@transaction.atomic
def batch_transition(*, actor, batch: Batch, action: str, note: str = "") -> Batch:
    """draft → checked (by someone other than its maker) → approved by the county (not the checker)
    → paid (the bank file is issued). Approval needs a checked batch, payment an approved one."""
    batch = Batch.objects.select_for_update(of=("self",)).get(pk=batch.pk)
    if action not in BATCH_TRANSITIONS:
        raise ApplicationError(_("Unknown step."), code="unknown_action", field="action")
    from_state, to_state, perm = BATCH_TRANSITIONS[action]
    _require(actor, perm, batch)
    if batch.state != from_state:
        messages = {
            "check": _("Only a draft batch can be checked."),
            "approve": _("A batch must be checked before it is approved."),
            "pay": _("A batch must be approved before it is paid."),
        }
        raise ConflictError(messages[action], code="wrong_state")
    if actor is not None and action in ("check", "approve"):
        earlier = set(batch.events.exclude(actor=None).values_list("actor_id", flat=True))
        if actor.pk in earlier:
            raise ConflictError(
                _("You made or checked this batch, so someone else must do this step."), code="maker_checker"
            )
    batch.state = to_state
    batch.save(update_fields=["state"])
    _record_batch_event(batch, actor=actor, from_state=from_state, to_state=to_state, note=note)
    audit.record(actor=actor, action=f"batch.{action}", obj=batch, detail={"total": str(batch.total)})
    return batch


@transaction.atomic
def batch_reconcile(*, actor, batch: Batch, results: dict) -> Batch:
    """Apply the bank's returned file: {line_id: ("paid"|"failed", reason)} covering every line.
    Failed lines stay failed: they are paid only when a new batch retries them."""
    batch = Batch.objects.select_for_update(of=("self",)).get(pk=batch.pk)
    _require(actor, "assistance.approve_batches", batch)
    if batch.state != Batch.State.PAID:
        raise ConflictError(_("Only a batch sent to the bank can be reconciled."), code="wrong_state")
    lines = {line.pk: line for line in batch.lines.select_for_update(of=("self",))}
    unknown = set(results) - set(lines)
    if unknown:
        raise ApplicationError(
            _("The bank file names lines that are not in this batch: %(ids)s.")
            % {"ids": ", ".join(map(str, sorted(unknown)))},
            code="unknown_lines",
            field="file",
        )
    missing = set(lines) - set(results)
    if missing:
        raise ApplicationError(
            _("The bank file leaves out %(n)s lines of this batch.") % {"n": len(missing)},
            code="incomplete",
            field="file",
        )
    failed = 0
    for pk, (status, reason) in results.items():
        if status not in (PaymentLine.Status.PAID, PaymentLine.Status.FAILED):
            raise ApplicationError(_("A line's result must be paid or failed."), code="invalid", field="file")
        line = lines[pk]
        line.status = status
        line.failure_reason = (reason or "")[:255] if status == PaymentLine.Status.FAILED else ""
        failed += status == PaymentLine.Status.FAILED
    PaymentLine.objects.bulk_update(lines.values(), ["status", "failure_reason"])
    batch.state = Batch.State.RECONCILED
    batch.save(update_fields=["state"])
    _update_totals(batch)
    _record_batch_event(
        batch, actor=actor, from_state=Batch.State.PAID, to_state=batch.state, note=f"failed={failed}"
    )
    audit.record(actor=actor, action="batch.reconcile", obj=batch, detail={"failed": failed})
    return batch
