"""Demo care data for 纳金社区: everyone with a care tag on the roster with a risk level, visits over
the last months (some overdue), GB/T 42195 assessments with a year of history, the volunteer team,
service orders in every state and a standing meal order, health records from a free clinic, and
monitored left-behind children. A health worker account `doctor` sees the health records."""

import datetime
from decimal import Decimal

from django.utils import timezone

from gongzhi.accounts import services as account_services
from gongzhi.accounts.roles import Role
from gongzhi.registry.models import Resident

from . import gbt42195, services
from .models import ServiceType

SITUATIONS = [
    "老人精神状态良好，家中整洁，冰箱有菜。",
    "电话问候，老人说腿疼，已提醒按时吃药。",
    "家中取暖正常，煤气已检查。",
    "老人独自在家，情绪有些低落，陪聊半小时。",
    "子女本周回来过，生活照料到位。",
]
REASONS = {
    "high": ["独居，近三个月跌倒两次", "高龄独居，患高血压和糖尿病", "失能，需要每日照护"],
    "medium": ["空巢，子女在外地", "行动不便，需定期探访"],
    "low": ["身体健康，子女同住附近"],
}


def _answers(rng, capability: float) -> dict:
    """Answers for a person whose capability is about `capability` (0..1) of the maximum."""
    return {
        code: max(0, min(item.max_score, round(item.max_score * capability + rng.choice((-1, 0, 0, 1)))))
        for code, item in gbt42195.ITEMS.items()
    }


def build(context, rng, stdout):
    units = context["units"]
    community = units["community"]
    users = context["users"]
    today = timezone.localdate()
    doctor = account_services.user_create(
        actor=None, username="doctor", password=context["password"], display_name="社区卫生服务站 格桑医生"
    )
    account_services.role_assign(actor=None, user=doctor, role=Role.HEALTH_WORKER, org_unit=community)
    users["doctor"] = doctor

    grid_workers = {units[f"grid{i}"].pk: users[f"grid{i + 1}"] for i in range(len(context["grids"]))}
    tagged = list(
        Resident.objects.filter(
            org_unit__parent=community,
            status=Resident.Status.LIVING,
            care_tags__isnull=False,
            care_tags__is_derived=False,
        )
        .select_related("household", "org_unit")
        .prefetch_related("care_tags")
        .distinct()
        .order_by("id")
    )
    visits = assessments = 0
    elderly = []
    for r in tagged:
        worker = grid_workers.get(r.org_unit_id)
        if worker is None:
            continue
        level = rng.choices(["high", "medium", "low"], weights=[2, 5, 3])[0]
        services.profile_set_risk(actor=worker, resident=r, level=level, reason=rng.choice(REASONS[level]))
        # Most people were visited on time; some are overdue; a few never visited.
        if rng.random() < 0.9:
            every = services.frequency_days(level, r.org_unit)
            last = today - datetime.timedelta(days=min(85, rng.randint(0, int(every * 1.4))))
            for back in (2, 1):
                earlier = last - datetime.timedelta(days=every * back)
                if (today - earlier).days <= 85 and rng.random() < 0.6:
                    services.visit_record(
                        actor=worker,
                        resident=r,
                        visited_on=earlier,
                        situation=rng.choice(SITUATIONS),
                        today=today,
                    )
                    visits += 1
            services.visit_record(
                actor=worker,
                resident=r,
                visited_on=last,
                kind=rng.choice(["home", "home", "phone"]),
                situation=rng.choice(SITUATIONS),
                wellbeing=dict.fromkeys(rng.sample(list(services.WELLBEING_ITEMS), 4), True),
                today=today,
            )
            visits += 1
        codes = {t.code for t in r.care_tags.all()}
        if (
            codes & {"living_alone", "empty_nest", "left_behind_elderly", "disabled"}
            and r.birth_date.year < 1966
        ):
            elderly.append((r, worker))

    # Capability assessments: about 60% of the elderly, many with last year's assessment too.
    for r, worker in elderly:
        if rng.random() > 0.6:
            continue
        capability = rng.choice([1.0, 0.95, 0.85, 0.7, 0.55, 0.4])
        if rng.random() < 0.6:
            services.assessment_record(
                actor=worker,
                resident=r,
                assessed_on=today - datetime.timedelta(days=rng.randint(370, 430)),
                answers=_answers(rng, min(1.0, capability + 0.1)),
                today=today,
            )
            assessments += 1
        services.assessment_record(
            actor=worker,
            resident=r,
            assessed_on=today - datetime.timedelta(days=rng.randint(5, 300)),
            answers=_answers(rng, capability),
            dementia=capability < 0.6 and rng.random() < 0.3,
            risk_events_30d=rng.choice([0, 0, 0, 1, 2]),
            today=today,
        )
        assessments += 1

    # The party volunteer team and service orders.
    candidates = list(
        Resident.objects.filter(
            org_unit__parent=community,
            status=Resident.Status.LIVING,
            birth_date__lte=today - datetime.timedelta(days=365 * 20),
            birth_date__gte=today - datetime.timedelta(days=365 * 58),
        ).order_by("id")
    )
    helpers = rng.sample(candidates, min(12, len(candidates)))
    skills = ["做饭", "理发", "家电维修", "陪同就医", "打扫卫生", "代买代办", "藏汉双语翻译"]
    volunteers = [
        services.volunteer_create(
            actor=users["staff"],
            org_unit=community,
            name=h.name,
            resident=h,
            skills="、".join(rng.sample(skills, 2)),
            availability=rng.choice(["周末", "工作日晚上", "随叫随到"]),
            is_party_member=h.is_party_member or rng.random() < 0.6,
        )
        for h in helpers
    ]
    partners = context.get("partners") or []
    types = {t.code: t for t in ServiceType.objects.filter(org_unit__isnull=True)}
    orders = 0
    tz = timezone.get_current_timezone()
    for i, (r, worker) in enumerate(elderly[:40]):
        kind = rng.choice(["meal", "cleaning", "bathing", "medical", "errand", "emergency"])
        order = services.order_create(actor=worker, resident=r, service_type=types[kind], description="")
        orders += 1
        stage = i % 6
        if stage == 0:
            continue
        provider = (
            {"volunteer": rng.choice(volunteers)}
            if volunteers and (i % 2 or not partners)
            else {"partner": partners[0]}
        )
        order = services.order_transition(actor=worker, order=order, action="assign", **provider)
        if stage == 1:
            continue
        if stage == 5:
            services.order_transition(actor=worker, order=order, action="cancel", note="家属已自行安排")
            continue
        when = datetime.datetime.combine(
            today - datetime.timedelta(days=rng.randint(1, 150)), datetime.time(10), tzinfo=tz
        )
        order = services.order_transition(actor=worker, order=order, action="schedule", scheduled_for=when)
        if stage == 2:
            continue
        order = services.order_transition(
            actor=worker,
            order=order,
            action="complete",
            done_note="服务完成，老人满意。",
            confirmed_by=r.name,
            hours=Decimal(rng.choice(["1", "1.5", "2"])),
        )
        if stage == 4:
            services.order_transition(actor=worker, order=order, action="rate", rating=rng.choice([4, 5, 5]))
    if elderly and partners:
        r, worker = elderly[0]
        services.recurring_create(
            actor=worker,
            resident=r,
            service_type=types["meal"],
            weekdays=[0, 1, 2, 3, 4],
            time=datetime.time(11, 30),
            start_on=today,
            partner=partners[0],
            note="老年助餐：送午餐上门",
        )
        orders += services.recurring_generate(
            actor=worker, until=today + datetime.timedelta(days=13), today=today
        )

    # A free clinic: the elderly screened, each with a health record on their consent.
    clinic = services.clinic_create(
        actor=doctor,
        org_unit=community,
        name="“健康进社区”义诊",
        held_on=today - datetime.timedelta(days=20),
        place="纳金社区党群服务中心",
    )
    records = 0
    for r, _worker in elderly[:60]:
        values = {
            "systolic": str(rng.randint(110, 170)),
            "diastolic": str(rng.randint(65, 100)),
            "glucose_fasting": str(Decimal(rng.randint(45, 95)) / 10),
            "weight": str(rng.randint(45, 80)),
            "height": str(rng.randint(148, 178)),
        }
        if int(values["systolic"]) <= int(values["diastolic"]):
            values["systolic"] = str(int(values["diastolic"]) + 30)
        services.clinic_screen(actor=doctor, clinic=clinic, resident=r, values=values, consent_by=r.name)
        records += 1
        if rng.random() < 0.3:
            services.health_record_update(
                actor=doctor,
                record=r.health_record,
                chronic_conditions="高血压",
                medications="硝苯地平缓释片 每日一次",
                family_doctor="格桑医生",
            )

    # Children: the left-behind, floating and distressed children of the roster.
    children = 0
    kinds = {
        "left_behind_child": "left_behind",
        "floating_child": "floating",
        "distressed_child": "distressed",
    }
    for r in tagged:
        codes = {t.code for t in r.care_tags.all()} & set(kinds)
        if not codes or today.year - r.birth_date.year >= 18 or r.org_unit_id not in grid_workers:
            continue
        guardian = (
            Resident.objects.filter(household_id=r.household_id, status=Resident.Status.LIVING)
            .exclude(pk=r.pk)
            .order_by("birth_date")
            .first()
        )
        services.child_profile_create(
            actor=grid_workers[r.org_unit_id],
            resident=r,
            kind=kinds[sorted(codes)[0]],
            guardian=guardian,
            guardian_relation="祖父母" if guardian and guardian.birth_date.year < 1970 else "亲属",
            school="纳金小学",
            parents_whereabouts="父母在成都务工" if "left_behind_child" in codes else "",
            risk_factors="隔代照料，作业无人辅导",
            visit_plan="每月家访一次",
            help_plan="安排志愿者周末辅导作业；暑期参加社区夏令营",
            next_follow_up_on=today + datetime.timedelta(days=rng.randint(-5, 30)),
            today=today,
        )
        children += 1
    # Needy households: donations with receipts and start-up guidance.
    needy = list(
        Resident.objects.filter(
            org_unit__parent=community, status=Resident.Status.LIVING, care_tags__code__in=["dibao", "tekun"]
        )
        .distinct()
        .order_by("id")[:12]
    )
    staff = users["staff"]
    services.donation_record(
        actor=staff,
        org_unit=community,
        direction="in",
        kind="money",
        amount="20000",
        counterparty="辖区企业 爱心捐款",
        on=today - datetime.timedelta(days=60),
        today=today,
    )
    services.donation_record(
        actor=staff,
        org_unit=community,
        direction="in",
        kind="in_kind",
        items="棉被40床、米面油60份",
        counterparty="城关区慈善总会",
        on=today - datetime.timedelta(days=45),
        today=today,
    )
    for i, r in enumerate(needy):
        services.donation_record(
            actor=staff,
            org_unit=community,
            direction="out",
            kind="money" if i % 2 else "in_kind",
            amount="500" if i % 2 else None,
            items="" if i % 2 else "棉被1床、米面油1份",
            counterparty="",
            resident=r,
            on=today - datetime.timedelta(days=30 - i),
            today=today,
        )
        if i < 4 and today.year - r.birth_date.year < 55:
            services.guidance_record(
                actor=staff,
                resident=r,
                on=today - datetime.timedelta(days=10 + i),
                topic="开办甜茶馆：证照办理与小额贷款",
                mentor="街道就业服务站",
                outcome="已提交营业执照申请",
                today=today,
            )
    stdout.write(
        f"  care: {len(tagged)} on the roster, {visits} visits, {assessments} assessments, "
        f"{len(volunteers)} volunteers, {orders} service orders, {records} health records, {children} children"
    )
