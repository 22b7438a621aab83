"""The points bank API. Every object is looked up inside the caller's scope: outside it is a 404.

Endpoints that act for a community take an optional `community_id`; without it the first
community the caller works in is used (a community worker has exactly one)."""

import re
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES
from gongzhi.accounts.scoping import scope_q
from gongzhi.api.pagination import PagePagination
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import OrgUnit
from gongzhi.registry.models import Resident

from . import selectors, services
from .models import AwardRequest, Reward

router = Router(tags=["points"])
API_PREFIX = "/points/"


# --- schemas --------------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    community_id: int = Field(alias="org_unit_id")
    code: str
    name: str
    category: str
    unit: str
    points: int
    daily_cap: int | None
    yearly_cap: int | None
    needs_confirmation: bool
    valid_from: str | None = None
    valid_until: str | None = None
    is_active: bool

    @staticmethod
    def resolve_valid_from(obj):
        return obj.valid_from.isoformat() if obj.valid_from else None

    @staticmethod
    def resolve_valid_until(obj):
        return obj.valid_until.isoformat() if obj.valid_until else None


class AccountOut(Schema):
    account_id: int | None
    resident_id: int
    community_id: int
    community_name: str
    balance: int
    lifetime_earned: int


class EntryOut(Schema):
    id: int
    kind: str
    points: int
    rule_code: str | None
    quantity: Decimal
    note: str
    idempotency_key: str
    reverses_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_rule_code(obj):
        return obj.rule.code if obj.rule_id else None


class AwardIn(Schema):
    resident_id: int
    rule_code: str = Field(min_length=1, max_length=40)
    quantity: Decimal = Field(Decimal(1), gt=0, le=1000)
    idempotency_key: str = Field(min_length=1, max_length=100)
    note: str = Field("", max_length=500)
    community_id: int | None = None


class AwardOut(Schema):
    entry: EntryOut
    balance: int
    lifetime_earned: int
    created: bool


class PendingOut(Schema):
    status: str
    award_request_id: int
    points: int


class RewardIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    points_price: int = Field(ge=1, le=1_000_000)
    stock: int = Field(0, ge=0, le=100_000)
    per_person_monthly_limit: int | None = Field(None, ge=1, le=1000)
    description: str = Field("", max_length=300)
    community_id: int | None = None


class RewardOut(Schema):
    id: int
    community_id: int = Field(alias="org_unit_id")
    name: str
    description: str
    points_price: int
    stock: int
    per_person_monthly_limit: int | None
    is_active: bool


class RestockIn(Schema):
    quantity: int = Field(ge=1, le=100_000)
    reason: str = Field("", max_length=300)


class ItemIn(Schema):
    reward_id: int
    quantity: int = Field(ge=1, le=100)


class RedemptionIn(Schema):
    resident_id: int
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    idempotency_key: str = Field(min_length=1, max_length=100)
    community_id: int | None = None


class LineOut(Schema):
    reward_id: int
    name: str
    quantity: int
    unit_price: int


class RedemptionOut(Schema):
    id: int
    receipt_number: str
    state: str
    total_points: int
    balance: int
    created_at: datetime
    lines: list[LineOut]


class RankingRowOut(Schema):
    rank: int
    account_id: int
    name: str
    masked_name: str
    points: int
    reached_at: datetime | None
    is_party_member: bool
    flagged: bool


class RankingOut(Schema):
    community_id: int
    year: int
    quarter: int | None
    closed: bool
    rows: list[RankingRowOut]


# --- helpers --------------------------------------------------------------------------------------


def _community(request, community_id: int | None, roles) -> OrgUnit:
    # Counter staff name the community they hold a role in: it came with their roles, no query.
    for unit in request.user.units_for(roles) if community_id else ():
        if unit.pk == community_id and unit.kind == OrgUnit.Kind.COMMUNITY:
            return unit
    units = selectors.communities_for(request.user, roles)
    unit = units.filter(pk=community_id).first() if community_id else units.first()
    if unit is None:
        raise Http404
    return unit


def _resident_for(request, resident_id: int, community: OrgUnit) -> Resident:
    """A resident the caller may act for: registered in their scope, or holding an account in the
    community (a party member registered at their workplace, 双报到)."""
    resident = selectors.resident_to_act_for(
        user=request.user, resident_id=resident_id, community=community, roles=WORKER_ROLES
    )
    if resident is None:
        raise Http404
    return resident


def _require(request, perm: str, obj) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _redemption_body(redemption, *, lines=None, balance=None) -> dict:
    """The answer about a redemption: read back from the database, or, for one just made, from
    the lines and the balance its transaction wrote (services.RedemptionResult)."""
    if lines is None or balance is None:
        redemption = selectors.redemption_with_lines(redemption.pk)
        lines, balance = redemption.lines.all(), redemption.account.balance
    return {
        "id": redemption.pk,
        "receipt_number": redemption.receipt_number,
        "state": redemption.state,
        "total_points": redemption.total_points,
        "balance": balance,
        "created_at": redemption.created_at,
        "lines": [
            {
                "reward_id": line.reward_id,
                "name": line.reward.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
            for line in lines
        ],
    }


# --- endpoints ------------------------------------------------------------------------------------


@router.get("/rules", response=list[RuleOut], summary="Point rules of the communities in the caller's scope")
@paginate(PagePagination)
def list_rules(request, community_id: int | None = None):
    qs = selectors.rule_list(user=request.user)
    if community_id:
        qs = qs.filter(org_unit_id=community_id)
    return qs.order_by("org_unit__path", "category", "code")


@router.get(
    "/accounts/{resident_id}",
    response=AccountOut,
    summary="A resident's balance and lifetime points (a never-used account reads 0)",
)
def get_account(request, resident_id: int, community_id: int | None = None):
    own = selectors.resident_of(request.user)
    if own is not None and own.pk == resident_id:
        accounts = selectors.accounts_of_resident(own)
        account = accounts.filter(org_unit_id=community_id).first() if community_id else None
        unit = account.org_unit if account else services.home_community(own)
        account = account or selectors.account_for(own, unit)
    else:
        unit = _community(request, community_id, READER_ROLES)
        account = selectors.account_for_in_scope(user=request.user, resident_id=resident_id, org_unit=unit)
        if account is None and not selectors.resident_visible(user=request.user, resident_id=resident_id):
            raise Http404
    return {
        "account_id": account.pk if account else None,
        "resident_id": resident_id,
        "community_id": unit.pk,
        "community_name": unit.name,
        "balance": account.balance if account else 0,
        "lifetime_earned": account.lifetime_earned if account else 0,
    }


@router.post(
    "/awards",
    response={200: AwardOut, 201: AwardOut, 202: PendingOut},
    summary="Award a rule's points (201; 200 with the first entry when the key was seen; 202 when above the approval threshold)",
)
def create_award(request, payload: AwardIn):
    community = _community(request, payload.community_id, WORKER_ROLES)
    _require(request, "points.use_counter", community)
    resident = _resident_for(request, payload.resident_id, community)
    result = services.award_submit(
        actor=request.user,
        resident=resident,
        rule_code=payload.rule_code,
        quantity=payload.quantity,
        idempotency_key=payload.idempotency_key,
        note=payload.note,
        org_unit=community,
    )
    if isinstance(result, AwardRequest):
        return Status(
            202, {"status": "pending_approval", "award_request_id": result.pk, "points": result.points}
        )
    account = result.entry.account  # a new entry carries its locked account, balance already raised
    body = {
        "entry": result.entry,
        "balance": account.balance,
        "lifetime_earned": account.lifetime_earned,
        "created": result.created,
    }
    return Status(201 if result.created else 200, body)


@router.get("/rewards", response=list[RewardOut], summary="The love supermarket's rewards")
@paginate(PagePagination)
def list_rewards(request, community_id: int | None = None, active: bool | None = None):
    qs = selectors.reward_list(user=request.user)
    if community_id:
        qs = qs.filter(org_unit_id=community_id)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


@router.post("/rewards", response={201: RewardOut}, summary="Add a reward with its opening stock")
def create_reward(request, payload: RewardIn):
    community = _community(request, payload.community_id, WORKER_ROLES)
    _require(request, "points.manage_points", community)
    reward = services.reward_create(
        actor=request.user,
        org_unit=community,
        name=payload.name,
        points_price=payload.points_price,
        stock=payload.stock,
        per_person_monthly_limit=payload.per_person_monthly_limit,
        description=payload.description,
    )
    return Status(201, reward)


@router.post("/rewards/{reward_id}/restock", response=RewardOut, summary="Add stock (a restock movement)")
def restock_reward(request, reward_id: int, payload: RestockIn):
    reward = Reward.objects.filter(scope_q(request.user, READER_ROLES), pk=reward_id).first()
    if reward is None:
        raise Http404
    _require(request, "points.manage_points", reward)
    return services.stock_restock(
        actor=request.user, reward=reward, quantity=payload.quantity, reason=payload.reason
    )


@router.post(
    "/redemptions",
    response={200: RedemptionOut, 201: RedemptionOut},
    summary="Redeem points for rewards (409 insufficient_points | out_of_stock | limit_exceeded)",
)
def create_redemption(request, payload: RedemptionIn):
    community = _community(request, payload.community_id, WORKER_ROLES)
    _require(request, "points.use_counter", community)
    resident = _resident_for(request, payload.resident_id, community)
    rewards = {
        r.pk: r
        for r in Reward.objects.filter(org_unit=community, pk__in=[i.reward_id for i in payload.items])
    }
    missing = [i.reward_id for i in payload.items if i.reward_id not in rewards]
    if missing:
        raise ApplicationError(
            _("Reward %(id)s is not sold here.") % {"id": missing[0]}, code="unknown_reward", field="items"
        )
    account = services.account_open(actor=request.user, resident=resident, org_unit=community)
    result = services.redemption_create(
        actor=request.user,
        account=account,
        items=[(rewards[i.reward_id], i.quantity) for i in payload.items],
        idempotency_key=payload.idempotency_key,
    )
    if result.created:
        return Status(201, _redemption_body(result.redemption, lines=result.lines, balance=result.balance))
    return Status(200, _redemption_body(result.redemption))


PERIOD = re.compile(r"^(\d{4})(?:-?Q([1-4]))?$", re.I)


@router.get(
    "/rankings",
    response=RankingOut,
    summary="Ranking by points earned in a year (period=2026) or quarter (period=2026-Q1)",
)
def get_ranking(request, period: str, community_id: int | None = None):
    match = PERIOD.match(period.strip())
    if not match:
        raise ApplicationError(_("Give the period as 2026 or 2026-Q1."), field="period")
    year, quarter = int(match.group(1)), int(match.group(2) or 0)
    if not 2000 <= year <= 2100:
        raise ApplicationError(_("Give the period as 2026 or 2026-Q1."), field="period")
    community = _community(request, community_id, READER_ROLES)
    rows = selectors.public_notice(community, year, quarter, with_redemptions=False)
    return {
        "community_id": community.pk,
        "year": year,
        "quarter": quarter or None,
        "closed": rows["period"] is not None,
        "rows": rows["ranking"],
    }
