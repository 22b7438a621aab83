"""Reads of the points bank, scoped with scope_q and with fixed query counts."""

import re

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES, Role
from gongzhi.accounts.scoping import communities_of, scope_paths, scope_q
from gongzhi.core import crypto, rawsql
from gongzhi.core.crypto import mask_name
from gongzhi.core.models import OrgUnit
from gongzhi.registry.models import Resident
from gongzhi.registry.selectors import card_resolve

from .models import (
    AwardRequest,
    PointAccount,
    PointEntry,
    PointRule,
    RankingPeriod,
    Redemption,
    RedemptionLine,
    Reward,
    StockMovement,
)
from .services import month_bounds, period_bounds

COUNTER_ROLES = WORKER_ROLES
NOTICE_ROLES = READER_ROLES | {Role.RESIDENT, Role.PARTNER_STAFF}


def account_for(resident, org_unit) -> PointAccount | None:
    """The resident's account in `org_unit`, or None when none was opened yet."""
    return (
        PointAccount.objects.select_related("org_unit").filter(resident=resident, org_unit=org_unit).first()
    )


def accounts_of_resident(resident) -> QuerySet:
    return (
        PointAccount.objects.select_related("org_unit").filter(resident=resident).order_by("org_unit__path")
    )


def communities_for(user, roles) -> QuerySet:
    return communities_of(user, roles).order_by("path")


def resident_of(user):
    if not user.is_authenticated:
        return None
    return Resident.objects.select_related("org_unit", "org_unit__parent").filter(user=user).first()


def resident_visible(*, user, resident_id: int) -> bool:
    return (
        Resident.objects.filter(scope_q(user, READER_ROLES), pk=resident_id).exists()
        or PointAccount.objects.filter(scope_q(user, READER_ROLES), resident_id=resident_id).exists()
    )


def account_for_in_scope(*, user, resident_id: int, org_unit) -> PointAccount | None:
    return (
        PointAccount.objects.filter(scope_q(user, READER_ROLES), resident_id=resident_id, org_unit=org_unit)
        .select_related("org_unit")
        .first()
    )


def redemption_with_lines(pk: int) -> Redemption:
    return (
        Redemption.objects.select_related(
            "account", "account__resident", "org_unit", "created_by", "cancelled_by"
        )
        .prefetch_related("lines__reward")
        .get(pk=pk)
    )


def resident_by_code(*, user, community, code: str):
    """The resident behind a scanned card token, or a typed phone number, whom this counter may
    serve: registered in the user's scope or holding an account in the community; a party member
    from elsewhere who shows their card too (双报到: the card is their consent)."""
    allowed = Q(scope_q(user, WORKER_ROLES)) | Q(point_accounts__org_unit=community)
    resident = card_resolve(code)
    if resident is not None:
        # A party member showing their card may register at a workplace's community (双报到).
        return Resident.objects.filter(allowed | Q(is_party_member=True), pk=resident.pk).first()
    phone = crypto.normalize_phone(code) if re.fullmatch(r"[+\d\s-]{7,20}", code.strip()) else ""
    if phone:
        index = crypto.blind_index(phone, purpose="phone")
        return (
            Resident.objects.filter(allowed, phone_index=index, status=Resident.Status.LIVING)
            .order_by("pk")
            .first()
        )
    return None


def residents_by_name(*, user, community, name: str, limit: int = 20) -> list:
    """Living residents whose name contains `name`, among those this counter may serve."""
    name = name.strip()
    if not name:
        return []
    return list(
        Resident.objects.filter(
            Q(scope_q(user, WORKER_ROLES)) | Q(point_accounts__org_unit=community),
            Q(name__icontains=name) | Q(name_bo__icontains=name),
            status=Resident.Status.LIVING,
        )
        .select_related("org_unit", "household")
        .distinct()
        .order_by("name", "pk")[:limit]
    )


def community_stats(org_unit) -> dict:
    agg = PointAccount.objects.filter(org_unit=org_unit).aggregate(
        accounts=Count("id"), balance=Sum("balance"), lifetime=Sum("lifetime_earned")
    )
    start, end = month_bounds(timezone.localdate())
    month = Redemption.objects.filter(
        org_unit=org_unit, state=Redemption.State.COMPLETED, created_at__gte=start, created_at__lt=end
    ).aggregate(n=Count("id"), points=Sum("total_points"))
    return {
        "accounts": agg["accounts"] or 0,
        "balance": agg["balance"] or 0,
        "lifetime": agg["lifetime"] or 0,
        "redemptions_month": month["n"] or 0,
        "redeemed_points_month": month["points"] or 0,
    }


def period_choices() -> list[str]:
    today = timezone.localdate()
    out = []
    for year in (today.year, today.year - 1):
        out.append(str(year))
        last_q = (today.month - 1) // 3 + 1 if year == today.year else 4
        out.extend(f"{year}-Q{q}" for q in range(last_q, 0, -1))
    return out


def counter_communities(user) -> QuerySet:
    return communities_of(user, COUNTER_ROLES).order_by("path")


def reader_communities(user) -> QuerySet:
    return communities_of(user, READER_ROLES).order_by("path")


def rule_list(*, user) -> QuerySet:
    return PointRule.objects.filter(scope_q(user, READER_ROLES)).select_related("org_unit")


def rules_of(org_unit) -> QuerySet:
    return PointRule.objects.filter(org_unit=org_unit).order_by("category", "code")


def account_list(*, user, q: str = "") -> QuerySet:
    qs = PointAccount.objects.filter(scope_q(user, READER_ROLES)).select_related("resident", "org_unit")
    if q:
        qs = qs.filter(resident__name__icontains=q)
    return qs.order_by("-balance", "resident__name", "pk")


def account_get(*, user, pk: int) -> PointAccount:
    return PointAccount.objects.select_related("resident", "org_unit").get(scope_q(user, READER_ROLES), pk=pk)


def entries_of(account) -> QuerySet:
    return (
        PointEntry.objects.filter(account=account)
        .select_related("rule", "created_by", "reverses", "redemption")
        .order_by("-created_at", "-id")
    )


def entry_get(*, user, pk: int) -> PointEntry:
    return PointEntry.objects.select_related("account", "account__resident", "rule").get(
        scope_q(user, WORKER_ROLES), pk=pk
    )


def award_requests_pending(*, user) -> QuerySet:
    return (
        AwardRequest.objects.filter(scope_q(user, WORKER_ROLES), state=AwardRequest.State.PENDING)
        .select_related("account__resident", "rule", "requested_by", "org_unit")
        .order_by("requested_at", "pk")
    )


def award_request_get(*, user, pk: int) -> AwardRequest:
    return AwardRequest.objects.select_related("account__resident", "rule").get(
        scope_q(user, WORKER_ROLES), pk=pk
    )


def reward_list(*, user, active_only: bool = False) -> QuerySet:
    qs = Reward.objects.filter(scope_q(user, READER_ROLES)).select_related("org_unit", "photo")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def reward_get(*, user, pk: int, roles=READER_ROLES) -> Reward:
    return Reward.objects.select_related("org_unit").get(scope_q(user, roles), pk=pk)


def catalogue(org_unit) -> QuerySet:
    return Reward.objects.filter(org_unit=org_unit, is_active=True).select_related("photo")


def movements_of(reward) -> QuerySet:
    return reward.movements.select_related("created_by", "redemption").order_by("-created_at", "-id")


def redemption_list(*, user) -> QuerySet:
    return (
        Redemption.objects.filter(scope_q(user, READER_ROLES))
        .select_related("account__resident", "created_by")
        .prefetch_related("lines__reward")
        .order_by("-created_at", "-id")
    )


def redemption_get(*, user, pk: int) -> Redemption:
    return (
        Redemption.objects.select_related("account__resident", "org_unit", "created_by", "cancelled_by")
        .prefetch_related("lines__reward")
        .get(scope_q(user, READER_ROLES), pk=pk)
    )


def monthly_taken(account, day=None) -> dict[int, int]:
    start, end = month_bounds(day or timezone.localdate())
    rows = (
        RedemptionLine.objects.filter(
            redemption__account=account,
            redemption__state=Redemption.State.COMPLETED,
            redemption__created_at__gte=start,
            redemption__created_at__lt=end,
        )
        .values("reward_id")
        .annotate(n=Sum("quantity"))
    )
    return {r["reward_id"]: r["n"] for r in rows}


def catalogue_for(account) -> list[dict]:
    """The community's catalogue, each item with whether this resident can take one now."""
    taken = monthly_taken(account)
    items = []
    for reward in catalogue(account.org_unit):
        left = None
        if reward.per_person_monthly_limit is not None:
            left = max(0, reward.per_person_monthly_limit - taken.get(reward.pk, 0))
        items.append(
            {
                "reward": reward,
                "affordable": reward.points_price <= account.balance,
                "in_stock": reward.stock > 0,
                "left_this_month": left,
                "can_take": reward.points_price <= account.balance
                and reward.stock > 0
                and (left is None or left > 0),
            }
        )
    return items


# --- rankings ------------------------------------------------------------------------------------


def ranking_compute(org_unit: OrgUnit, year: int, quarter: int = 0) -> list[dict]:
    """Live ranking by points earned in the period (awards less their reversals); a tie goes to
    whoever reached the total first. The top 3 party members of a yearly ranking are flagged."""
    start, end = period_bounds(year, quarter)
    rows = (
        PointEntry.objects.filter(
            org_unit=org_unit,
            kind__in=PointEntry.EARNING_KINDS,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("account_id", "account__resident__name", "account__resident__is_party_member")
        .annotate(points=Sum("points"), reached_at=Max("created_at", filter=Q(kind=PointEntry.Kind.AWARD)))
        .filter(points__gt=0)
        .order_by("-points", "reached_at", "account_id")
    )
    result, party = [], 0
    for rank, row in enumerate(rows, start=1):
        is_party = row["account__resident__is_party_member"]
        flagged = quarter == 0 and is_party and party < 3
        party += int(is_party)
        result.append(
            {
                "rank": rank,
                "account_id": row["account_id"],
                "name": row["account__resident__name"],
                "points": row["points"],
                "reached_at": row["reached_at"],
                "is_party_member": is_party,
                "flagged": flagged,
            }
        )
    return result


def ranking(org_unit: OrgUnit, year: int, quarter: int = 0) -> tuple[list[dict], RankingPeriod | None]:
    """The frozen ranking of a closed period, else the live one."""
    period = RankingPeriod.objects.filter(org_unit=org_unit, year=year, quarter=quarter).first()
    if period is None:
        return ranking_compute(org_unit, year, quarter), None
    rows = [
        {
            "rank": r.rank,
            "account_id": r.account_id,
            "name": r.name,
            "points": r.points,
            "reached_at": r.reached_at,
            "is_party_member": r.is_party_member,
            "flagged": r.flagged,
        }
        for r in period.rows.all()
    ]
    return rows, period


def public_notice(org_unit: OrgUnit, year: int, quarter: int = 0, with_redemptions: bool = True) -> dict:
    rows, period = ranking(org_unit, year, quarter)
    start, end = period_bounds(year, quarter)
    redemptions = (
        Redemption.objects.filter(
            org_unit=org_unit, state=Redemption.State.COMPLETED, created_at__gte=start, created_at__lt=end
        )
        .select_related("account__resident")
        .prefetch_related("lines__reward")
        .order_by("created_at", "pk")
    )
    return {
        "ranking": [{**r, "masked_name": mask_name(r["name"])} for r in rows],
        "period": period,
        "redemptions": [
            {
                "at": r.created_at,
                "masked_name": mask_name(r.account.resident.name),
                "items": [(line.reward.name, line.quantity) for line in r.lines.all()],
                "points": r.total_points,
            }
            for r in (redemptions if with_redemptions else [])
        ],
    }


# --- verification --------------------------------------------------------------------------------


def verify() -> list[str]:
    """Recompute every balance, lifetime total and stock from the ledgers; name each mismatch."""
    problems = []
    sums = {
        row["account_id"]: row
        for row in PointEntry.objects.values("account_id").annotate(
            total=Sum("points"), earned=Sum("points", filter=Q(kind__in=PointEntry.EARNING_KINDS))
        )
    }
    for account in PointAccount.objects.select_related("resident", "org_unit").order_by("pk"):
        row = sums.get(account.pk, {})
        total, earned = row.get("total") or 0, row.get("earned") or 0
        if account.balance != total:
            problems.append(
                f"account {account.pk} ({account.resident.name}, {account.org_unit.name}): "
                f"balance {account.balance} but entries sum to {total}"
            )
        if account.lifetime_earned != earned:
            problems.append(
                f"account {account.pk} ({account.resident.name}, {account.org_unit.name}): "
                f"lifetime {account.lifetime_earned} but earnings sum to {earned}"
            )
        if total < 0:
            problems.append(f"account {account.pk}: entries sum below zero ({total})")
    stock = {
        row["reward_id"]: row["total"]
        for row in StockMovement.objects.values("reward_id").annotate(total=Sum("quantity"))
    }
    for reward in Reward.objects.select_related("org_unit").order_by("pk"):
        total = stock.get(reward.pk, 0)
        if reward.stock != total:
            problems.append(
                f"reward {reward.pk} ({reward.name}, {reward.org_unit.name}): "
                f"stock {reward.stock} but movements sum to {total}"
            )
    return problems


_RESIDENT_TO_ACT_FOR_SQL = (
    "SELECT r.* FROM registry_resident r JOIN core_orgunit u ON u.id = r.org_unit_id"
    " WHERE r.id = %s AND r.status = %s AND ({in_scope}"
    " OR EXISTS (SELECT 1 FROM points_pointaccount a WHERE a.resident_id = r.id AND a.org_unit_id = %s))"
)


def resident_to_act_for(*, user, resident_id: int, community: OrgUnit, roles) -> Resident | None:
    """A living resident `user` may act for at the counter: registered in their scope, or holding an
    account in `community` (a party member registered at their workplace, 双报到). Written as SQL:
    the award and redemption APIs run it on every request, and the ORM spent longer compiling the
    scope's OR-ed path filters than the database spent answering (docs/performance.md)."""
    if not -(2**63) <= resident_id < 2**63:  # no such key (the ORM answers "none" the same way)
        return None
    paths = scope_paths(user, roles)
    # substr(...) = prefix rather than LIKE: no wildcard escaping; one row is read by its key anyway.
    in_scope = " OR ".join("substr(u.path, 1, %s) = %s" for _ in paths) or "1 = 0"
    sql = _RESIDENT_TO_ACT_FOR_SQL.format(in_scope=in_scope)  # only placeholders are joined in
    params = [resident_id, Resident.Status.LIVING.value]
    for path in paths:
        params += [len(path), path]
    params.append(community.pk)
    return rawsql.fetch_first(Resident, sql, params)
