"""Demo data of the points bank for the Najin community: a realistic rule set, a stocked love
supermarket, a few hundred awards, some redemptions and one award waiting for approval.
Deterministic (the seeded generator) and built only through the services."""

from django.db import transaction

from gongzhi.core.errors import ApplicationError
from gongzhi.registry.models import Resident

from . import services

RULES = [
    # code, name, category, unit, points, daily cap, yearly cap, organiser confirms
    ("volunteer-hour", "志愿服务（每小时）", "volunteer", "hour", 1, 8, 300, False),
    ("cleanup", "环境卫生整治", "environment", "occurrence", 5, 10, None, False),
    ("mediation", "矛盾纠纷调解", "mediation", "occurrence", 10, None, None, False),
    ("patrol-hour", "平安巡逻（每小时）", "patrol", "hour", 2, 8, None, False),
    ("civility", "文明行为（好人好事）", "civility", "occurrence", 3, 6, 60, False),
    ("activity", "参加社区活动（组织者确认）", "volunteer", "occurrence", 2, 4, None, True),
    ("garbage-sorting", "垃圾分类督导", "environment", "hour", 1, 4, 200, False),
]

REWARDS = [
    # name, price, stock, monthly limit
    ("大米 5公斤", 60, 40, 1),
    ("食用油 5升", 50, 30, 1),
    ("酥油 1斤", 40, 25, 2),
    ("砖茶", 30, 30, 2),
    ("洗衣液", 20, 50, 2),
    ("毛巾", 10, 80, 3),
    ("牙膏", 8, 80, 3),
    ("保温杯", 45, 12, 1),
]

NOTES = {
    "volunteer-hour": ["为独居老人代购生活用品", "社区书咖值班", "国家通用语言课堂助教", "夏令营志愿者"],
    "cleanup": ["纳金路北段环境整治", "楼道杂物清理", "拉萨河边捡拾垃圾"],
    "mediation": ["调解邻里噪音纠纷", "调解停车位纠纷"],
    "patrol-hour": ["夜间平安巡逻", "节日期间治安巡逻"],
    "civility": ["拾金不昧", "帮助走失老人回家"],
    "garbage-sorting": ["小区垃圾分类督导"],
}


@transaction.atomic
def build(context, rng, stdout):
    community = context["units"]["community"]
    staff = context["users"]["staff"]
    secretary = context["users"]["secretary"]
    services.policy_save(actor=staff, org_unit=community, approval_threshold=50, expiry_months=None)
    for code, name, category, unit, points, daily, yearly, confirm in RULES:
        services.rule_create(
            actor=staff,
            org_unit=community,
            code=code,
            name=name,
            category=category,
            unit=unit,
            points=points,
            daily_cap=daily,
            yearly_cap=yearly,
            needs_confirmation=confirm,
        )
    rewards = [
        services.reward_create(
            actor=staff,
            org_unit=community,
            name=name,
            points_price=price,
            stock=stock,
            per_person_monthly_limit=limit,
        )
        for name, price, stock, limit in REWARDS
    ]
    residents = list(
        Resident.objects.filter(org_unit__parent=community, status=Resident.Status.LIVING)
        .select_related("org_unit")
        .order_by("pk")
    )
    # Those who sign in, some party members and a few dozen other neighbours take part (kept
    # small so that the whole demo stays fast).
    others = [r for r in residents if not r.user_id]
    party = [r for r in others if r.is_party_member][:10]
    rest = [r for r in others if not r.is_party_member]
    earners = [r for r in residents if r.user_id] + party + rng.sample(rest, min(30, len(rest)))
    earners.sort(key=lambda r: r.pk)
    awards = 0
    codes = [c for c, *_rest, confirm in RULES if not confirm]
    for resident in earners:
        party_bonus = 2 if resident.is_party_member else 0
        for n in range(rng.randint(1, 4) + party_bonus):
            code = rng.choice(codes)
            unit = next(r[3] for r in RULES if r[0] == code)
            quantity = rng.choice([1, 2, 3, 4]) if unit == "hour" else 1
            try:
                services.award_create(
                    actor=staff if n % 2 else secretary,
                    resident=resident,
                    rule_code=code,
                    quantity=quantity,
                    idempotency_key=f"demo:{resident.pk}:{n}",
                    note=rng.choice(NOTES[code]),
                )
                awards += 1
            except ApplicationError:
                continue  # a cap reached: the demo shows what the counter would refuse
    redemptions = 0
    for i, resident in enumerate(earners):
        account = services.account_open(actor=staff, resident=resident)
        affordable = [r for r in rewards if r.points_price <= account.balance]
        if not affordable or rng.random() < 0.5:
            continue
        reward = rng.choice(affordable)
        try:
            services.redemption_create(
                actor=staff, account=account, items=[(reward, 1)], idempotency_key=f"demo-redeem:{i}"
            )
            redemptions += 1
        except ApplicationError:
            continue
    if earners:
        services.award_submit(
            actor=staff,
            resident=earners[0],
            rule_code="mediation",
            quantity=6,
            idempotency_key="demo:pending",
            note="连续六次调解楼栋漏水纠纷，附现场照片",
        )
    stdout.write(
        f"  points: {len(RULES)} rules, {len(rewards)} rewards, {awards} awards to {len(earners)} residents, "
        f"{redemptions} redemptions, 1 award waiting for approval"
    )
