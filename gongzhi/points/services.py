"""Every write of the points bank. Each service is atomic and audited.

Concurrency: a cached number (balance, lifetime, stock) changes only through a conditional
UPDATE with F() whose row count decides (`balance >= cost`, `stock >= quantity`), which holds on
SQLite as well as PostgreSQL. On PostgreSQL every service first takes the lock of its community's
audit chain (the audit entry it writes at the end needs it anyway): taking it first means no
transaction ever holds a points row while waiting for the chain, so no deadlock, and communities
do not wait for each other; the account row is then locked with SELECT ... FOR NO KEY UPDATE
before caps and limits are checked."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit, rawsql
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import OrgUnit
from gongzhi.registry.models import Resident

from .models import (
    AwardRequest,
    PointAccount,
    PointEntry,
    PointPolicy,
    PointRule,
    RankingPeriod,
    RankingRow,
    Redemption,
    RedemptionLine,
    Reward,
    StockMovement,
)

MAX_KEY = 100


@dataclass(frozen=True)
class AwardResult:
    entry: PointEntry
    created: bool


@dataclass(frozen=True)
class RedemptionResult:
    redemption: Redemption
    created: bool
    # For a redemption just made: its lines (with their rewards) and the account's new balance, so
    # that the answer needs no second read of what this transaction wrote.
    lines: tuple = ()
    balance: int | None = None


# --- helpers -------------------------------------------------------------------------------------


def _serialise(org_unit: OrgUnit | None) -> None:
    """Take the lock of the audit chain of `org_unit`'s community (None: the system chain)."""
    audit.lock_chain(org_unit)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def home_community(resident: Resident) -> OrgUnit:
    unit = resident.org_unit
    return unit.parent if unit.kind == OrgUnit.Kind.GRID else unit


def policy_for(org_unit: OrgUnit) -> PointPolicy:
    policy = PointPolicy.objects.filter(org_unit=org_unit).first()
    return policy or PointPolicy(org_unit=org_unit)


def _day_bounds(day: datetime.date):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def month_bounds(day: datetime.date):
    start = timezone.make_aware(datetime.datetime(day.year, day.month, 1))
    nxt = datetime.datetime(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return start, timezone.make_aware(nxt)


def period_bounds(year: int, quarter: int = 0):
    if quarter:
        first = 3 * (quarter - 1) + 1
        start = datetime.datetime(year, first, 1)
        end = datetime.datetime(year + (quarter == 4), (first + 2) % 12 + 1, 1)
    else:
        start, end = datetime.datetime(year, 1, 1), datetime.datetime(year + 1, 1, 1)
    return timezone.make_aware(start), timezone.make_aware(end)


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    local = timezone.localtime(moment)
    index = local.year * 12 + local.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    day = min(local.day, [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1])
    return local.replace(year=year, month=month, day=day)


def _check_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY:
        raise ApplicationError(
            _("An idempotency key of 1 to 100 characters is required."),
            code="invalid",
            field="idempotency_key",
        )
    return key


def _key_lookups(key: str) -> dict:
    """The idempotency key among the account's entries and pending award requests, read in the
    query that locks the account. Its snapshot is taken after the community's audit chain was
    locked (every points write of the community takes that lock first), so it sees every award
    that committed before: the lock and the lookup cost one round trip instead of two."""
    return {
        "existing_entry_id": Subquery(
            PointEntry.objects.filter(account=OuterRef("pk"), idempotency_key=key).values("pk")[:1]
        ),
        "pending_request_id": Subquery(
            AwardRequest.objects.filter(account=OuterRef("pk"), idempotency_key=key).values("pk")[:1]
        ),
    }


# The award's hot queries, written once instead of compiled by the ORM on every request: an award
# through the API spent more of its time compiling its queries than running them (the CPU profile
# in docs/performance.md). Raw querysets still convert the values per backend.
_LOCK_ACCOUNT_WITH_KEY_SQL = (
    "SELECT a.*,"
    " (SELECT e.id FROM points_pointentry e WHERE e.account_id = a.id AND e.idempotency_key = %s) AS existing_entry_id,"
    " (SELECT r.id FROM points_awardrequest r WHERE r.account_id = a.id AND r.idempotency_key = %s)"
    " AS pending_request_id"
    " FROM points_pointaccount a WHERE a.resident_id = %s AND a.org_unit_id = %s"
)
_RULE_WITH_THRESHOLD_SQL = (
    "SELECT r.*, (SELECT p.approval_threshold FROM points_pointpolicy p WHERE p.org_unit_id = r.org_unit_id)"
    " AS policy_threshold FROM points_pointrule r WHERE r.org_unit_id = %s AND r.code = %s"
)


def _for_no_key_update(sql: str) -> str:
    """SQLite has no row locks (its IMMEDIATE transactions serialise writers)."""
    return sql + " FOR NO KEY UPDATE OF a" if connection.features.has_select_for_no_key_update else sql


def _lock_existing(
    resident: Resident, org_unit: OrgUnit | None, key: str | None = None
) -> PointAccount | None:
    unit = org_unit or home_community(resident)
    if key is None:
        return (
            PointAccount.objects.select_related("org_unit")
            .select_for_update(no_key=True, of=("self",))
            .filter(resident=resident, org_unit=unit)
            .first()
        )
    # A key is unique per account among entries and among requests (pointentry_unique_key,
    # awardrequest_unique_key): each subquery finds at most one row.
    sql = _for_no_key_update(_LOCK_ACCOUNT_WITH_KEY_SQL)
    account = rawsql.fetch_first(PointAccount, sql, [key, key, resident.pk, unit.pk])
    if account is not None:
        account.org_unit = unit  # known: no query when the service reads it
    return account


def _lock_account(account: PointAccount, key: str | None = None) -> PointAccount:
    # With its community in the same query (locking only the account row): the award and redemption
    # paths read it next, while the audit chain's lock is held.
    qs = PointAccount.objects.select_related("org_unit").select_for_update(no_key=True, of=("self",))
    return (qs.annotate(**_key_lookups(key)) if key is not None else qs).get(pk=account.pk)


# --- policy and rules ----------------------------------------------------------------------------


@transaction.atomic
def policy_save(
    *, actor, org_unit: OrgUnit, approval_threshold: int, expiry_months: int | None
) -> PointPolicy:
    if org_unit.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("A points policy belongs to a community."), field="org_unit")
    if expiry_months is not None and expiry_months < 1:
        raise ApplicationError(_("Expiry must be at least one month."), field="expiry_months")
    policy, _created = PointPolicy.objects.update_or_create(
        org_unit=org_unit,
        defaults={"approval_threshold": approval_threshold, "expiry_months": expiry_months},
    )
    audit.record(
        actor=actor,
        action="pointpolicy.save",
        obj=policy,
        detail={"approval_threshold": approval_threshold, "expiry_months": expiry_months},
    )
    return policy


RULE_FIELDS = (
    "name",
    "category",
    "unit",
    "points",
    "daily_cap",
    "yearly_cap",
    "needs_confirmation",
    "valid_from",
    "valid_until",
    "is_active",
)


def _check_rule(rule: PointRule) -> None:
    if rule.points is None or rule.points < 1:
        raise ApplicationError(_("A rule gives at least one point."), field="points")
    if rule.valid_from and rule.valid_until and rule.valid_from > rule.valid_until:
        raise ApplicationError(_("The validity ends before it starts."), field="valid_until")
    for cap in ("daily_cap", "yearly_cap"):
        if getattr(rule, cap) is not None and getattr(rule, cap) < 1:
            raise ApplicationError(_("A cap must be at least one point."), field=cap)
    if rule.daily_cap and rule.yearly_cap and rule.daily_cap > rule.yearly_cap:
        raise ApplicationError(_("The daily cap cannot exceed the yearly cap."), field="daily_cap")


@transaction.atomic
def rule_create(
    *, actor, org_unit: OrgUnit, code: str, name: str, category: str, points: int, **fields
) -> PointRule:
    if org_unit.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("Point rules belong to a community."), field="org_unit")
    code = (code or "").strip().lower()
    if PointRule.objects.filter(org_unit=org_unit, code=code).exists():
        raise ConflictError(_("A rule with this code already exists."), code="duplicate", field="code")
    rule = PointRule(org_unit=org_unit, code=code, name=name.strip(), category=category, points=points)
    for key, value in fields.items():
        if key not in RULE_FIELDS:
            raise TypeError(key)
        setattr(rule, key, value)
    _check_rule(rule)
    rule.save()
    audit.record(actor=actor, action="pointrule.create", obj=rule, detail={"code": code, "points": points})
    return rule


@transaction.atomic
def rule_update(*, actor, rule: PointRule, **fields) -> PointRule:
    for key, value in fields.items():
        if key not in RULE_FIELDS:
            raise TypeError(key)
        setattr(rule, key, value)
    _check_rule(rule)
    rule.save()
    audit.record(actor=actor, action="pointrule.update", obj=rule, detail={"fields": sorted(fields)})
    return rule


# --- accounts and awards -------------------------------------------------------------------------


@transaction.atomic
def account_open(*, actor, resident: Resident, org_unit: OrgUnit | None = None) -> PointAccount:
    """The resident's account in `org_unit` (their home community by default), opened if needed.
    A party member's workplace unit opens a second account in its own community (双报到)."""
    org_unit = org_unit or home_community(resident)
    if org_unit.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("Point accounts are kept by a community."), field="org_unit")
    account = PointAccount.objects.filter(resident=resident, org_unit=org_unit).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            account = PointAccount.objects.create(resident=resident, org_unit=org_unit)
    except IntegrityError:
        return PointAccount.objects.get(resident=resident, org_unit=org_unit)
    audit.record(actor=actor, action="pointaccount.open", obj=account)
    return account


def _rule_for(org_unit: OrgUnit, rule_code: str) -> PointRule:
    """The rule, with its community's approval threshold (`threshold`) read in the same query."""
    # One policy per community (a one-to-one), one code per community (pointrule_unique_code).
    code = (rule_code or "").strip().lower()
    rule = rawsql.fetch_first(PointRule, _RULE_WITH_THRESHOLD_SQL, [org_unit.pk, code])
    if rule is not None:
        rule.org_unit = org_unit
    if rule is None:
        raise ApplicationError(
            _("There is no point rule with the code %(code)s.") % {"code": rule_code},
            code="unknown_rule",
            field="rule_code",
        )
    if not rule.is_valid_on(timezone.localdate()):
        raise ApplicationError(
            _("The rule %(name)s is not in force today.") % {"name": rule.name},
            code="rule_inactive",
            field="rule_code",
        )
    if rule.policy_threshold is None:  # no policy saved: the default's threshold
        rule.policy_threshold = PointPolicy(org_unit=org_unit).approval_threshold
    return rule


def rule_points(rule: PointRule, quantity) -> tuple[Decimal, int]:
    try:
        qty = Decimal(str(quantity))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("The quantity is not a number."), field="quantity") from exc
    if not qty.is_finite() or qty <= 0 or qty > 1000:
        raise ApplicationError(_("The quantity must be more than 0 and at most 1000."), field="quantity")
    if rule.unit == PointRule.Unit.OCCURRENCE and qty != qty.to_integral_value():
        raise ApplicationError(_("This rule counts whole occurrences."), field="quantity")
    qty = qty.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    points = int((qty * rule.points).to_integral_value(rounding=ROUND_HALF_UP))
    if points < 1:
        raise ApplicationError(_("This quantity earns no points."), field="quantity")
    return qty, points


def earned_with_rule(account: PointAccount, rule: PointRule, start, end) -> int:
    return (
        PointEntry.objects.filter(
            account=account,
            rule=rule,
            kind=PointEntry.Kind.AWARD,
            reversed_by__isnull=True,
            created_at__gte=start,
            created_at__lt=end,
        ).aggregate(n=Sum("points"))["n"]
        or 0
    )


def _check_caps(account: PointAccount, rule: PointRule, points: int) -> None:
    today = timezone.localdate()
    if rule.daily_cap is not None:
        already = earned_with_rule(account, rule, *_day_bounds(today))
        if already + points > rule.daily_cap:
            raise ConflictError(
                _(
                    "The daily cap of %(cap)s points for %(rule)s would be exceeded (%(already)s already earned today)."
                )
                % {"cap": rule.daily_cap, "rule": rule.name, "already": already},
                code="cap_exceeded",
                extra={"cap": rule.daily_cap, "already": already},
            )
    if rule.yearly_cap is not None:
        already = earned_with_rule(account, rule, *period_bounds(today.year))
        if already + points > rule.yearly_cap:
            raise ConflictError(
                _(
                    "The yearly cap of %(cap)s points for %(rule)s would be exceeded (%(already)s already earned this year)."
                )
                % {"cap": rule.yearly_cap, "rule": rule.name, "already": already},
                code="cap_exceeded",
                extra={"cap": rule.yearly_cap, "already": already},
            )


def _post_award(
    *, actor, account, rule, qty, points, idempotency_key, note, source, photo=None, approved_by=None
) -> AwardResult:
    """Insert the entry and raise the cached numbers. The caller holds the account's lock and has
    looked for the key under it, so no other transaction can insert the same key: no savepoint
    (two round trips) around the insert."""
    try:
        entry = PointEntry.objects.create(
            account=account,
            org_unit=account.org_unit,
            kind=PointEntry.Kind.AWARD,
            points=points,
            rule=rule,
            quantity=qty,
            note=note[:500],
            source=source[:100],
            photo=photo,
            idempotency_key=idempotency_key,
            approved_by=approved_by,
            created_by=_user(actor),
        )
    except IntegrityError as exc:  # unreachable under the account's lock; refused rather than a 500
        raise ConflictError(_("This award was already recorded."), code="duplicate") from exc
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE points_pointaccount SET balance = balance + %s, lifetime_earned = lifetime_earned + %s"
            " WHERE id = %s",
            [points, points, account.pk],
        )
    # The row is locked: the new numbers are known without reading them back (entry.account is
    # this object, which the API answers with).
    account.balance += points
    account.lifetime_earned += points
    audit.record(
        actor=actor,
        action="pointentry.award",
        obj=entry,
        detail={"account": account.pk, "rule": rule.code, "points": points, "source": source[:100]},
    )
    return AwardResult(entry, True)


def _prepare_award(*, resident, rule_code, quantity, idempotency_key, org_unit, actor):
    """Lock the account and look for the key among its entries and pending requests (one query
    when the account exists, see `_key_lookups`)."""
    key = _check_key(idempotency_key)
    account = _lock_existing(resident, org_unit, key) or _lock_account(
        account_open(actor=actor, resident=resident, org_unit=org_unit), key
    )
    existing = PointEntry.objects.get(pk=account.existing_entry_id) if account.existing_entry_id else None
    pending = AwardRequest.objects.get(pk=account.pending_request_id) if account.pending_request_id else None
    return key, account, existing, pending


@transaction.atomic
def award_create(
    *,
    actor,
    resident: Resident,
    rule_code: str,
    quantity=1,
    idempotency_key: str,
    note: str = "",
    source: str = "",
    org_unit: OrgUnit | None = None,
    photo=None,
) -> AwardResult:
    """Award a rule's points to a resident's account (in `org_unit`, default their home community).

    The same idempotency key on the same account returns the first entry with created=False.
    Refusals: unknown_rule, rule_inactive, needs_confirmation (the rule wants an organiser's
    confirmation: pass `source`, e.g. "activities.attendance:12"), cap_exceeded, needs_approval
    (more points than the community's threshold: use `award_submit`, which queues it)."""
    _serialise(org_unit or home_community(resident))
    key, account, existing, pending = _prepare_award(
        resident=resident,
        rule_code=rule_code,
        quantity=quantity,
        idempotency_key=idempotency_key,
        org_unit=org_unit,
        actor=actor,
    )
    if existing is not None:
        return AwardResult(existing, False)
    rule = _rule_for(account.org_unit, rule_code)
    qty, points = rule_points(rule, quantity)
    if rule.needs_confirmation and not source:
        raise ConflictError(
            _("Points for %(rule)s are awarded when the organiser confirms the attendance list.")
            % {"rule": rule.name},
            code="needs_confirmation",
        )
    threshold = rule.policy_threshold
    if points > threshold:
        raise ConflictError(
            _("An award of %(points)s points is above the threshold of %(threshold)s and needs approval.")
            % {"points": points, "threshold": threshold},
            code="needs_approval",
            extra={"points": points, "threshold": threshold},
        )
    _check_caps(account, rule, points)
    return _post_award(
        actor=actor,
        account=account,
        rule=rule,
        qty=qty,
        points=points,
        idempotency_key=key,
        note=note,
        source=source,
        photo=photo,
    )


@transaction.atomic
def award_submit(
    *,
    actor,
    resident: Resident,
    rule_code: str,
    quantity=1,
    idempotency_key: str,
    note: str = "",
    photo=None,
    org_unit: OrgUnit | None = None,
    source: str = "manual",
) -> AwardResult | AwardRequest:
    """A staff member's manual award: posted at once up to the threshold, queued for a second staff
    member's approval above it (maker-checker). A rule the organiser must confirm is refused
    (needs_confirmation): its points come from the activity's confirmed attendance list."""
    _serialise(org_unit or home_community(resident))
    key, account, existing, pending = _prepare_award(
        resident=resident,
        rule_code=rule_code,
        quantity=quantity,
        idempotency_key=idempotency_key,
        org_unit=org_unit,
        actor=actor,
    )
    if existing is not None:
        return AwardResult(existing, False)
    if pending is not None:
        return pending
    rule = _rule_for(account.org_unit, rule_code)
    qty, points = rule_points(rule, quantity)
    if rule.needs_confirmation and source == "manual":
        raise ConflictError(
            _("Points for %(rule)s are awarded when the organiser confirms the attendance list.")
            % {"rule": rule.name},
            code="needs_confirmation",
        )
    threshold = rule.policy_threshold
    if points <= threshold:
        _check_caps(account, rule, points)
        return _post_award(
            actor=actor,
            account=account,
            rule=rule,
            qty=qty,
            points=points,
            idempotency_key=key,
            note=note,
            source=source,
            photo=photo,
        )
    _check_caps(account, rule, points)
    request = AwardRequest.objects.create(
        org_unit=account.org_unit,
        account=account,
        rule=rule,
        quantity=qty,
        points=points,
        note=note[:500],
        source=source[:100],
        photo=photo,
        idempotency_key=key,
        requested_by=actor,
    )
    audit.record(actor=actor, action="awardrequest.create", obj=request, detail={"points": points})
    return request


@transaction.atomic
def award_request_approve(*, actor, award_request: AwardRequest) -> PointEntry:
    _serialise(award_request.org_unit)
    req = AwardRequest.objects.select_for_update().select_related("rule", "account").get(pk=award_request.pk)
    if req.state != AwardRequest.State.PENDING:
        raise ConflictError(_("This award has already been decided."), code="invalid_state")
    if req.requested_by_id == getattr(actor, "pk", None):
        raise ConflictError(
            _("A second staff member must approve: you cannot approve your own award."), code="own_award"
        )
    account = _lock_account(req.account)
    _check_caps(account, req.rule, req.points)
    result = _post_award(
        actor=actor,
        account=account,
        rule=req.rule,
        qty=req.quantity,
        points=req.points,
        idempotency_key=req.idempotency_key,
        note=req.note,
        source=req.source,
        photo=req.photo,
        approved_by=actor,
    )
    req.state = AwardRequest.State.APPROVED
    req.decided_by = actor
    req.decided_at = timezone.now()
    req.entry = result.entry
    req.save(update_fields=["state", "decided_by", "decided_at", "entry"])
    audit.record(actor=actor, action="awardrequest.approve", obj=req, detail={"points": req.points})
    return result.entry


@transaction.atomic
def award_request_reject(*, actor, award_request: AwardRequest, reason: str = "") -> AwardRequest:
    _serialise(award_request.org_unit)
    req = AwardRequest.objects.select_for_update().get(pk=award_request.pk)
    if req.state != AwardRequest.State.PENDING:
        raise ConflictError(_("This award has already been decided."), code="invalid_state")
    if req.requested_by_id == getattr(actor, "pk", None):
        raise ConflictError(_("A second staff member must decide on this award."), code="own_award")
    req.state = AwardRequest.State.REJECTED
    req.decided_by = actor
    req.decided_at = timezone.now()
    req.decision_note = reason[:500]
    req.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit.record(actor=actor, action="awardrequest.reject", obj=req)
    return req


@transaction.atomic
def entry_reverse(*, actor, entry: PointEntry, reason: str) -> PointEntry:
    """Correct a wrong award with a reversal entry linked to it (the award itself stays)."""
    _serialise(entry.org_unit)
    if entry.kind != PointEntry.Kind.AWARD:
        raise ApplicationError(_("Only awards can be reversed."), code="not_reversible")
    if not (reason or "").strip():
        raise ApplicationError(_("Give the reason for the correction."), field="reason")
    account = _lock_account(entry.account)
    if PointEntry.objects.filter(reverses=entry).exists():
        raise ConflictError(_("This award has already been reversed."), code="already_reversed")
    n = entry.points
    changed = PointAccount.objects.filter(pk=account.pk, balance__gte=n, lifetime_earned__gte=n).update(
        balance=F("balance") - n, lifetime_earned=F("lifetime_earned") - n
    )
    if not changed:
        raise ConflictError(
            _("The points of this award have already been spent; the balance cannot go below zero."),
            code="insufficient_points",
        )
    reversal = PointEntry.objects.create(
        account=account,
        org_unit=account.org_unit,
        kind=PointEntry.Kind.REVERSAL,
        points=-n,
        rule=entry.rule,
        quantity=entry.quantity,
        note=reason.strip()[:500],
        idempotency_key=f"reversal:{entry.pk}",
        reverses=entry,
        created_by=_user(actor),
    )
    audit.record(
        actor=actor, action="pointentry.reverse", obj=reversal, detail={"reverses": entry.pk, "points": -n}
    )
    return reversal


# --- the love supermarket ------------------------------------------------------------------------


def _move_stock(
    *, actor, reward: Reward, quantity: int, kind: str, reason: str = "", redemption=None
) -> None:
    if quantity < 0:
        changed = Reward.objects.filter(pk=reward.pk, stock__gte=-quantity).update(
            stock=F("stock") + quantity
        )
        if not changed:
            raise ConflictError(
                _("Not enough %(name)s in stock.") % {"name": reward.name},
                code="out_of_stock",
                extra={"reward_id": reward.pk},
            )
    else:
        Reward.objects.filter(pk=reward.pk).update(stock=F("stock") + quantity)
    StockMovement.objects.create(
        reward=reward,
        org_unit=reward.org_unit,
        kind=kind,
        quantity=quantity,
        reason=reason[:300],
        redemption=redemption,
        created_by=_user(actor),
    )


REWARD_FIELDS = ("name", "description", "points_price", "per_person_monthly_limit", "is_active", "photo")


def _check_reward(reward: Reward) -> None:
    if not reward.name.strip():
        raise ApplicationError(_("Give the reward a name."), field="name")
    if reward.points_price is None or reward.points_price < 1:
        raise ApplicationError(_("The price must be at least one point."), field="points_price")
    if reward.per_person_monthly_limit is not None and reward.per_person_monthly_limit < 1:
        raise ApplicationError(_("The monthly limit must be at least 1."), field="per_person_monthly_limit")


@transaction.atomic
def reward_create(
    *, actor, org_unit: OrgUnit, name: str, points_price: int, stock: int = 0, **fields
) -> Reward:
    _serialise(org_unit)
    if org_unit.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("Rewards belong to a community."), field="org_unit")
    if stock < 0:
        raise ApplicationError(_("Stock cannot be negative."), field="stock")
    reward = Reward(org_unit=org_unit, name=name.strip(), points_price=points_price)
    for key, value in fields.items():
        if key not in REWARD_FIELDS:
            raise TypeError(key)
        setattr(reward, key, value)
    _check_reward(reward)
    reward.save()
    if stock:
        _move_stock(
            actor=actor,
            reward=reward,
            quantity=stock,
            kind=StockMovement.Kind.RESTOCK,
            reason=_("Opening stock"),
        )
    reward.refresh_from_db(fields=["stock"])
    audit.record(
        actor=actor, action="reward.create", obj=reward, detail={"price": points_price, "stock": stock}
    )
    return reward


@transaction.atomic
def reward_update(*, actor, reward: Reward, **fields) -> Reward:
    reward = Reward.objects.get(pk=reward.pk)
    for key, value in fields.items():
        if key not in REWARD_FIELDS:
            raise TypeError(key)
        setattr(reward, key, value)
    _check_reward(reward)
    reward.save(update_fields=list(fields))
    audit.record(actor=actor, action="reward.update", obj=reward, detail={"fields": sorted(fields)})
    return reward


@transaction.atomic
def stock_restock(*, actor, reward: Reward, quantity: int, reason: str = "") -> Reward:
    _serialise(reward.org_unit)
    if not isinstance(quantity, int) or quantity < 1 or quantity > 100000:
        raise ApplicationError(_("Restock between 1 and 100000 units."), field="quantity")
    _move_stock(actor=actor, reward=reward, quantity=quantity, kind=StockMovement.Kind.RESTOCK, reason=reason)
    audit.record(actor=actor, action="reward.restock", obj=reward, detail={"quantity": quantity})
    return Reward.objects.get(pk=reward.pk)


@transaction.atomic
def stock_adjust(*, actor, reward: Reward, quantity: int, reason: str) -> Reward:
    """Correct the stock after a count (breakage, loss, found items): signed, with a reason."""
    _serialise(reward.org_unit)
    if not (reason or "").strip():
        raise ApplicationError(_("An adjustment needs a reason."), field="reason")
    if not isinstance(quantity, int) or quantity == 0 or abs(quantity) > 100000:
        raise ApplicationError(_("Adjust by a non-zero number of units."), field="quantity")
    _move_stock(
        actor=actor,
        reward=reward,
        quantity=quantity,
        kind=StockMovement.Kind.ADJUSTMENT,
        reason=reason.strip(),
    )
    audit.record(actor=actor, action="reward.adjust", obj=reward, detail={"quantity": quantity})
    return Reward.objects.get(pk=reward.pk)


def redeemed_this_month(account: PointAccount, reward_ids, day=None) -> dict[int, int]:
    start, end = month_bounds(day or timezone.localdate())
    rows = (
        RedemptionLine.objects.filter(
            redemption__account=account,
            redemption__state=Redemption.State.COMPLETED,
            redemption__created_at__gte=start,
            redemption__created_at__lt=end,
            reward_id__in=list(reward_ids),
        )
        .values("reward_id")
        .annotate(n=Sum("quantity"))
    )
    return {r["reward_id"]: r["n"] for r in rows}


@transaction.atomic
def redemption_create(*, actor, account: PointAccount, items, idempotency_key: str) -> RedemptionResult:
    """Exchange points for goods at the counter: `items` is a list of (reward, quantity). In one
    transaction the points are debited, the stock lowered and the redemption recorded. Refusals
    (409): insufficient_points, out_of_stock, limit_exceeded; 400 for bad items."""
    _serialise(account.org_unit)
    key = _check_key(idempotency_key)
    existing = Redemption.objects.filter(account=account, idempotency_key=key).first()
    if existing is not None:
        return RedemptionResult(existing, False)
    wanted: dict[int, int] = {}
    rewards: dict[int, Reward] = {}
    for reward, quantity in items:
        if not isinstance(quantity, int) or quantity < 1 or quantity > 100:
            raise ApplicationError(_("Each quantity must be between 1 and 100."), field="items")
        wanted[reward.pk] = wanted.get(reward.pk, 0) + quantity
        rewards[reward.pk] = reward
    if not wanted:
        raise ApplicationError(_("Pick at least one item."), field="items")
    fresh = {r.pk: r for r in Reward.objects.filter(pk__in=wanted)}
    for pk in wanted:
        reward = fresh.get(pk)
        if reward is None or reward.org_unit_id != account.org_unit_id:
            raise ApplicationError(_("This item is not sold in this community's supermarket."), field="items")
        if not reward.is_active:
            raise ConflictError(
                _("%(name)s is no longer offered.") % {"name": reward.name},
                code="inactive_reward",
                extra={"reward_id": pk},
            )
    account = _lock_account(account)
    already = redeemed_this_month(account, wanted)
    for pk, quantity in wanted.items():
        limit = fresh[pk].per_person_monthly_limit
        if limit is not None and already.get(pk, 0) + quantity > limit:
            raise ConflictError(
                _(
                    "%(name)s is limited to %(limit)s per person per month; %(already)s already taken this month."
                )
                % {"name": fresh[pk].name, "limit": limit, "already": already.get(pk, 0)},
                code="limit_exceeded",
                extra={"reward_id": pk},
            )
    total = sum(fresh[pk].points_price * q for pk, q in wanted.items())
    if not PointAccount.objects.filter(pk=account.pk, balance__gte=total).update(
        balance=F("balance") - total
    ):
        raise ConflictError(
            _("Not enough points: %(total)s needed, %(balance)s available.")
            % {"total": total, "balance": PointAccount.objects.get(pk=account.pk).balance},
            code="insufficient_points",
        )
    try:
        with transaction.atomic():
            redemption = Redemption.objects.create(
                org_unit=account.org_unit,
                account=account,
                total_points=total,
                idempotency_key=key,
                created_by=_user(actor),
            )
    except IntegrityError as exc:  # same key raced in; the lock makes this unreachable on PG
        raise ConflictError(_("This redemption was already recorded."), code="duplicate") from exc
    lines = []
    for pk in sorted(wanted):
        line = RedemptionLine.objects.create(
            redemption=redemption,
            org_unit_id=redemption.org_unit_id,
            reward=fresh[pk],
            quantity=wanted[pk],
            unit_price=fresh[pk].points_price,
        )
        lines.append(line)
        _move_stock(
            actor=actor,
            reward=fresh[pk],
            quantity=-wanted[pk],
            kind=StockMovement.Kind.REDEMPTION,
            redemption=redemption,
        )
    PointEntry.objects.create(
        account=account,
        org_unit=account.org_unit,
        kind=PointEntry.Kind.REDEMPTION,
        points=-total,
        note=", ".join(f"{fresh[pk].name} × {wanted[pk]}" for pk in sorted(wanted))[:500],
        idempotency_key=f"redemption:{redemption.pk}",
        redemption=redemption,
        created_by=_user(actor),
    )
    audit.record(actor=actor, action="redemption.create", obj=redemption, detail={"points": total})
    # The account was read under its lock and only this update changed its balance since.
    return RedemptionResult(redemption, True, lines=tuple(lines), balance=account.balance - total)


@transaction.atomic
def redemption_cancel(*, actor, redemption: Redemption, reason: str = "") -> Redemption:
    """Undo a redemption on the day it was made: the points and the stock come back."""
    _serialise(redemption.org_unit)
    redemption = Redemption.objects.select_for_update().get(pk=redemption.pk)
    if redemption.state != Redemption.State.COMPLETED:
        raise ConflictError(_("This redemption is already cancelled."), code="invalid_state")
    if timezone.localdate(redemption.created_at) != timezone.localdate():
        raise ConflictError(_("A redemption can be cancelled only on the day it was made."), code="too_late")
    account = _lock_account(redemption.account)
    Redemption.objects.filter(pk=redemption.pk).update(
        state=Redemption.State.CANCELLED,
        cancelled_at=timezone.now(),
        cancelled_by=_user(actor),
        cancel_reason=(reason or "")[:300],
    )
    PointAccount.objects.filter(pk=account.pk).update(balance=F("balance") + redemption.total_points)
    PointEntry.objects.create(
        account=account,
        org_unit=account.org_unit,
        kind=PointEntry.Kind.CANCELLATION,
        points=redemption.total_points,
        note=(reason or "")[:500],
        idempotency_key=f"cancellation:{redemption.pk}",
        redemption=redemption,
        created_by=_user(actor),
    )
    for line in redemption.lines.select_related("reward", "reward__org_unit").order_by("reward_id"):
        _move_stock(
            actor=actor,
            reward=line.reward,
            quantity=line.quantity,
            kind=StockMovement.Kind.CANCELLATION,
            redemption=redemption,
        )
    redemption.refresh_from_db()
    audit.record(
        actor=actor, action="redemption.cancel", obj=redemption, detail={"points": redemption.total_points}
    )
    return redemption


# --- expiry and rankings -------------------------------------------------------------------------


def expiry_due(account: PointAccount, cutoff) -> int:
    """Points earned before `cutoff` not yet used: spending (and earlier expiry) uses the oldest
    points first, so what is due is the old earnings minus everything spent so far."""
    earned_old = (
        PointEntry.objects.filter(
            account=account, kind=PointEntry.Kind.AWARD, reversed_by__isnull=True, created_at__lt=cutoff
        ).aggregate(n=Sum("points"))["n"]
        or 0
    )
    spent = -(
        PointEntry.objects.filter(
            account=account,
            kind__in=[PointEntry.Kind.REDEMPTION, PointEntry.Kind.CANCELLATION, PointEntry.Kind.EXPIRY],
        ).aggregate(n=Sum("points"))["n"]
        or 0
    )
    return max(0, earned_old - spent)


@transaction.atomic
def expiry_run(*, actor=None, now=None) -> int:
    """Expire points older than each community's `expiry_months`, oldest first. Returns the number
    of points expired. Run daily (`manage.py points_expire`); running twice a day changes nothing."""
    _serialise(None)  # its one audit entry, for all communities, is in the system chain
    now = now or timezone.now()
    total = 0
    for policy in PointPolicy.objects.filter(expiry_months__isnull=False).select_related("org_unit"):
        cutoff = months_before(now, policy.expiry_months)
        for account in PointAccount.objects.filter(org_unit=policy.org_unit, balance__gt=0).order_by("pk"):
            account = _lock_account(account)
            amount = min(expiry_due(account, cutoff), account.balance)
            if amount <= 0:
                continue
            if not PointAccount.objects.filter(pk=account.pk, balance__gte=amount).update(
                balance=F("balance") - amount
            ):
                continue
            PointEntry.objects.create(
                account=account,
                org_unit=account.org_unit,
                kind=PointEntry.Kind.EXPIRY,
                points=-amount,
                note=_("Points earned before %(date)s expired.") % {"date": timezone.localdate(cutoff)},
                idempotency_key=f"expiry:{timezone.localdate(now).isoformat()}",
                created_by=_user(actor),
                created_at=now,
            )
            total += amount
    if total:
        audit.record(
            actor=actor, action="pointentry.expire", object_type="points.pointentry", detail={"points": total}
        )
    return total


@transaction.atomic
def ranking_close(*, actor, org_unit: OrgUnit, year: int, quarter: int = 0) -> RankingPeriod:
    """Freeze a period's ranking: later corrections no longer change what was announced."""
    from .selectors import ranking_compute

    _serialise(org_unit)
    if quarter not in (0, 1, 2, 3, 4):
        raise ApplicationError(_("The quarter must be 1 to 4 (or none for the year)."), field="quarter")
    start, _end = period_bounds(year, quarter)
    if start > timezone.now():
        raise ApplicationError(_("This period has not started yet."), code="period_not_started")
    if RankingPeriod.objects.filter(org_unit=org_unit, year=year, quarter=quarter).exists():
        raise ConflictError(_("This period is already closed."), code="already_closed")
    period = RankingPeriod.objects.create(org_unit=org_unit, year=year, quarter=quarter, closed_by=actor)
    RankingRow.objects.bulk_create(
        RankingRow(
            period=period,
            org_unit_id=period.org_unit_id,
            rank=row["rank"],
            account_id=row["account_id"],
            name=row["name"],
            points=row["points"],
            reached_at=row["reached_at"],
            is_party_member=row["is_party_member"],
            flagged=row["flagged"],
        )
        for row in ranking_compute(org_unit, year, quarter)
    )
    audit.record(actor=actor, action="ranking.close", obj=period, detail={"year": year, "quarter": quarter})
    return period
