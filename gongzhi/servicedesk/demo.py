"""The Najin service centre: a catalogue of 21 services, four counters, two years of service records
(business volume up about 90% year on year, as in the source), ratings with a few call-backs,
forwarded errands still open, proofs, today's queue and upcoming appointments. Deterministic."""

import datetime
from decimal import Decimal

from django.utils import timezone

from gongzhi.core import calendar
from gongzhi.registry.models import Resident

from . import services
from .models import Category, QueueTicket, ServiceItem, ServiceRecord

ON, FWD = ServiceItem.Handling.ON_THE_SPOT, ServiceItem.Handling.FORWARDED

# code, zh, bo, en, category, materials, handling, target ("street", "district" or a partner name), days, weight
ITEMS = [
    (
        "ZC01",
        "政策咨询（低保、医保、养老等）",
        "སྲིད་ཇུས་འདྲི་རྩད།",
        "Policy consultation",
        Category.POLICY,
        "",
        ON,
        None,
        0,
        14,
    ),
    (
        "ZM01",
        "居住证明",
        "སྡོད་གནས་ར་སྤྲོད་ལག་ཁྱེར།",
        "Proof of residence",
        Category.PROOFS,
        "居民身份证\n户口簿或租房合同",
        ON,
        None,
        0,
        12,
    ),
    (
        "ZM02",
        "亲属关系证明",
        "གཉེན་ཉེའི་འབྲེལ་བའི་ར་སྤྲོད།",
        "Proof of family relationship",
        Category.PROOFS,
        "双方居民身份证\n户口簿",
        ON,
        None,
        0,
        5,
    ),
    (
        "ZM03",
        "家庭经济状况证明",
        "ཁྱིམ་ཚང་གི་དཔལ་འབྱོར་གནས་སྟངས་ར་སྤྲོད།",
        "Proof of household income",
        Category.PROOFS,
        "居民身份证\n户口簿\n收入情况说明",
        ON,
        None,
        0,
        4,
    ),
    (
        "SB01",
        "城乡居民基本医疗保险参保登记",
        "སྡོད་དམངས་ཀྱི་སྨན་བཅོས་འགན་ལེན་ཐོ་འགོད།",
        "Medical insurance enrolment",
        Category.SOCIAL_SECURITY,
        "居民身份证\n户口簿",
        FWD,
        "street",
        5,
        9,
    ),
    (
        "SB02",
        "城乡居民养老保险参保登记",
        "སྡོད་དམངས་ཀྱི་རྒས་གསོ་འགན་ལེན་ཐོ་འགོད།",
        "Pension insurance enrolment",
        Category.SOCIAL_SECURITY,
        "居民身份证\n户口簿\n银行卡",
        FWD,
        "street",
        5,
        6,
    ),
    (
        "SB03",
        "异地就医备案",
        "ས་གནས་གཞན་དུ་སྨན་བཅོས་ཐོ་འགོད།",
        "Registration for treatment elsewhere",
        Category.SOCIAL_SECURITY,
        "居民身份证\n医保卡\n转诊证明",
        FWD,
        "district",
        3,
        4,
    ),
    (
        "SB04",
        "社会保障卡补办",
        "སྤྱི་ཚོགས་འགན་ལེན་བྱང་བུ་བསྐྱར་སྤྲོད།",
        "Social security card replacement",
        Category.SOCIAL_SECURITY,
        "居民身份证\n近期免冠照片",
        FWD,
        "district",
        10,
        4,
    ),
    (
        "HJ01",
        "户口迁移材料初审",
        "ཐེམ་ཐོ་སྤོ་འགྱུར་ལ་རོགས་རམ།",
        "Household registration transfer help",
        Category.HOUSEHOLD,
        "户口簿\n居民身份证\n迁入地准迁证明",
        FWD,
        "纳金派出所",
        7,
        4,
    ),
    (
        "HJ02",
        "居民身份证办理协助",
        "ཐོབ་ཐང་ལག་ཁྱེར་ཞུ་འབུལ་ལ་རོགས་རམ།",
        "ID card application help",
        Category.HOUSEHOLD,
        "户口簿",
        FWD,
        "纳金派出所",
        15,
        3,
    ),
    (
        "JZ01",
        "最低生活保障申请",
        "འཚོ་བའི་འགྲོ་གྲོན་དམའ་ཚད་འགན་ལེན་ཞུ་འབུལ།",
        "Minimum living allowance application",
        Category.ASSISTANCE,
        "户口簿\n家庭成员身份证\n收入证明\n银行卡",
        FWD,
        "district",
        20,
        4,
    ),
    (
        "JZ02",
        "临时救助申请",
        "གནས་སྐབས་ཀྱི་རོགས་སྐྱོར་ཞུ་འབུལ།",
        "Temporary assistance application",
        Category.ASSISTANCE,
        "居民身份证\n困难情况说明\n相关票据",
        FWD,
        "street",
        10,
        3,
    ),
    (
        "LN01",
        "高龄津贴申请",
        "རྒན་པ་ཚོའི་འཚོ་སྣོན་ཞུ་འབུལ།",
        "Old-age allowance application",
        Category.ELDERLY_DISABILITY,
        "居民身份证\n户口簿\n银行卡",
        FWD,
        "district",
        15,
        4,
    ),
    (
        "LN02",
        "老年人优待证办理",
        "རྒན་པའི་ཕན་ཐོགས་ལག་ཁྱེར།",
        "Senior citizen card",
        Category.ELDERLY_DISABILITY,
        "居民身份证\n一寸照片",
        ON,
        None,
        0,
        4,
    ),
    (
        "CJ01",
        "残疾人证办理协助",
        "དབང་པོ་སྐྱོན་ཅན་ལག་ཁྱེར་ལ་རོགས་རམ།",
        "Disability certificate help",
        Category.ELDERLY_DISABILITY,
        "居民身份证\n户口簿\n医院诊断证明",
        FWD,
        "district",
        20,
        2,
    ),
    (
        "LN03",
        "居家养老服务申请",
        "ཁྱིམ་དུ་རྒན་གསོ་ཞབས་ཞུ་ཞུ་འབུལ།",
        "Home care service application",
        Category.ELDERLY_DISABILITY,
        "居民身份证",
        FWD,
        "格桑花居家养老服务中心",
        5,
        3,
    ),
    (
        "JY01",
        "就业失业登记",
        "ལས་ཞུགས་ཐོ་འགོད།",
        "Employment and unemployment registration",
        Category.EMPLOYMENT,
        "居民身份证\n学历证明",
        FWD,
        "street",
        5,
        4,
    ),
    (
        "JY02",
        "创业担保贷款咨询",
        "ལས་གཞི་གསར་འཛུགས་བུ་བསྐྱིན་འདྲི་རྩད།",
        "Start-up loan advice",
        Category.EMPLOYMENT,
        "",
        ON,
        None,
        0,
        2,
    ),
    (
        "JY03",
        "职业技能培训报名",
        "ལས་རིགས་ལག་རྩལ་སྦྱོང་བརྡར་མིང་འགོད།",
        "Vocational training sign-up",
        Category.EMPLOYMENT,
        "居民身份证",
        FWD,
        "雪域烘焙职业培训学校",
        5,
        3,
    ),
    (
        "QT01",
        "生育登记",
        "སྐྱེས་ཐོ་འགོད།",
        "Birth registration",
        Category.OTHER,
        "夫妻双方身份证\n结婚证\n户口簿",
        ON,
        None,
        0,
        3,
    ),
    (
        "QT02",
        "党员组织关系接转",
        "ཏང་ཡོན་གྱི་རྩ་འཛུགས་འབྲེལ་བ་སྤོ་འགྱུར།",
        "Party membership transfer",
        Category.OTHER,
        "组织关系介绍信",
        FWD,
        "street",
        5,
        2,
    ),
]

COUNTERS = [(1, "综合服务窗口"), (2, "社保医保窗口"), (3, "民政救助窗口"), (4, "老龄残联窗口")]
COUNTER_OF = {
    Category.POLICY: 1,
    Category.PROOFS: 1,
    Category.OTHER: 1,
    Category.HOUSEHOLD: 1,
    Category.EMPLOYMENT: 2,
    Category.SOCIAL_SECURITY: 2,
    Category.ASSISTANCE: 3,
    Category.ELDERLY_DISABILITY: 4,
}

TEMPLATES = [
    (
        "JZ",
        "居住证明",
        "ZM01",
        "兹证明{name}，{gender}，{ethnicity}，{birth_date}出生，{document_type}号码{document_number}，"
        "现居住于{address}，系本社区居民。\n特此证明。\n用途：{purpose}",
    ),
    (
        "QS",
        "亲属关系证明",
        "ZM02",
        "兹证明{name}（{document_type}号码{document_number}）与户主{household_head}系{relationship}关系，"
        "共同居住于{address}。\n特此证明。\n用途：{purpose}",
    ),
    (
        "JJ",
        "家庭经济状况证明",
        "ZM03",
        "兹证明{name}（{document_type}号码{document_number}），住{address}，经入户了解，其家庭经济状况如申请所述。\n"
        "特此证明。\n用途：{purpose}",
    ),
]
PURPOSES = ["子女入学", "办理居住证", "银行开户", "申请公租房", "单位入职", "申请助学金"]
DISSATISFIED_REASONS = ["等候时间太长", "材料要求没有一次说清", "工作人员态度一般", "需要跑两趟"]
RESULTS = [
    "已办结，证件已寄回社区，请来领取",
    "审核通过，下月起发放",
    "已参保，待遇从次月起享受",
    "材料退回补充，请到窗口补交",
]

# Monthly volume before the rise (last year), with a summer and autumn peak; this year's volume, over
# the same period, is exactly 1.9 times last year's (the source's "up 90%").
BASE_MONTHLY = [22, 18, 26, 30, 32, 34, 30, 28, 36, 34, 30, 26]


def _working_days(community, year, month, until):
    day = datetime.date(year, month, 1)
    days = []
    while day.month == month and day <= until:
        if calendar.is_working_day(community, day):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def build(context, rng, stdout):
    units = context["units"]
    community, street, district = units["community"], units["street"], units["district"]
    users = context["users"]
    staff, secretary = users["staff"], users["secretary"]
    partners = {p.name: p for p in context["partners"]}
    tz = timezone.get_current_timezone()
    now = timezone.now()
    today = timezone.localdate(now)

    items = []
    weights = []
    for order, (code, zh, bo, en, cat, materials, handling, target, days, weight) in enumerate(ITEMS):
        forward = {}
        if handling == FWD:
            if target == "street":
                forward["forward_unit"] = street
            elif target == "district":
                forward["forward_unit"] = district
            else:
                forward["forward_partner"] = partners[target]
        items.append(
            services.item_save(
                actor=staff,
                org_unit=community,
                code=code,
                name=zh,
                name_bo=bo,
                name_en=en,
                category=cat,
                materials=materials,
                handling=handling,
                time_limit_days=days,
                fee=Decimal("0"),
                sort_order=(order + 1) * 10,
                **forward,
            )
        )
        weights.append(weight)
    counters = {
        n: services.counter_save(actor=staff, org_unit=community, number=n, name=name, slot_capacity=2)
        for n, name in COUNTERS
    }
    templates = [
        services.template_save(
            actor=staff,
            org_unit=community,
            code=code,
            title=title,
            body=body,
            item=next(i for i in items if i.code == item_code),
        )
        for code, title, item_code, body in TEMPLATES
    ]

    residents = list(
        Resident.objects.filter(org_unit__path__startswith=community.path, status=Resident.Status.LIVING)
        .select_related("household", "user")
        .order_by("pk")
    )
    adults = [r for r in residents if r.age_on(today) >= 18] or residents
    workers = [users[k] for k in ("staff", "grid1", "grid2", "grid3") if k in users]
    stations = context.get("stations", [])

    counts = {"records": 0, "ratings": 0}
    years = [today.year - 1, today.year]

    def make_record(year, day):
        item = rng.choices(items, weights=weights)[0]
        minute = rng.randint(0, 3 * 60 + 20)
        start = datetime.datetime.combine(day, datetime.time(9, 40), tzinfo=tz) + datetime.timedelta(
            minutes=minute if minute < 190 else minute + 150
        )
        handling = rng.choice([3, 5, 6, 8, 10, 12, 15, 20, 30]) + rng.randint(0, 4)
        channel_roll = rng.random()
        channel, station, worker = ServiceRecord.Channel.COUNTER, None, staff
        if channel_roll < 0.12 and stations:
            channel, station = ServiceRecord.Channel.GRID_STATION, rng.choice(stations)
            worker = rng.choice(workers)
        elif channel_roll < 0.18:
            channel = ServiceRecord.Channel.HOME
            worker = rng.choice(workers)
        visitor = rng.random() < 0.08 or not adults
        resident = None if visitor else rng.choice(adults)
        outcome_roll = rng.random()
        kwargs = {}
        if item.handling == FWD and outcome_roll < 0.8:
            outcome = ServiceRecord.Outcome.FORWARDED
        elif outcome_roll < 0.9:
            outcome = ServiceRecord.Outcome.DONE
        elif outcome_roll < 0.97:
            outcome = ServiceRecord.Outcome.MATERIALS_MISSING
            kwargs["missing_materials"] = rng.choice(item.materials.splitlines() or ["户口簿"])
        else:
            outcome = ServiceRecord.Outcome.REFUSED
            kwargs["refusal_reason"] = "不属于本社区办理范围，已告知到区政务服务中心办理"
        # Waiting was longer before the second counter for social security opened (2026).
        wait = None
        if channel == ServiceRecord.Channel.COUNTER:
            wait = int(rng.expovariate(1 / (11 if year == years[0] else 7)) * 60)
        record = services.record_create(
            actor=worker,
            item=item,
            channel=channel,
            started_at=start,
            ended_at=start + datetime.timedelta(minutes=handling),
            outcome=outcome,
            resident=resident,
            visitor_name="游客 王先生" if resident is None else "",
            station=station,
            counter=counters[COUNTER_OF[item.category]] if channel == ServiceRecord.Channel.COUNTER else None,
            waiting_seconds=wait,
            **kwargs,
        )
        counts["records"] += 1
        overdue_once = record.forward_status and record.forward_due_at < now - datetime.timedelta(days=2)
        if overdue_once and rng.random() < 0.99:
            services.record_forward_result(
                actor=staff,
                record=record,
                result=rng.choice(RESULTS),
                now=record.forward_due_at - datetime.timedelta(hours=rng.randint(2, 60)),
            )
        if rng.random() < (0.55 if year == years[0] else 0.7):
            satisfied = 0.86 if year == years[0] else 0.93
            roll = rng.random()
            level = (
                "satisfied" if roll < satisfied else "basic" if roll < satisfied + 0.05 else "dissatisfied"
            )
            rating = services.rating_submit(
                record=record,
                level=level,
                via=rng.choice(["tablet", "qr"]),
                reason=rng.choice(DISSATISFIED_REASONS) if level == "dissatisfied" else "",
            )
            counts["ratings"] += 1
            if level == "dissatisfied" and start.date() < today - datetime.timedelta(days=20):
                services.rating_callback(actor=secretary, rating=rating, note="已回访致歉，说明了改进措施")

    # Last year: the monthly volume before the rise, with some noise, the whole year.
    cutoff = (today.month, today.day)
    last_year_days = []
    for month in range(1, 13):
        days = _working_days(community, years[0], month, today - datetime.timedelta(days=1))
        if not days:
            continue
        for _ in range(round(BASE_MONTHLY[month - 1] * rng.uniform(0.93, 1.07))):
            day = rng.choice(days)
            last_year_days.append(day)
            make_record(years[0], day)
    # The statistics compare the same period (1 January to today's date). Pad last year's period to a
    # multiple of ten services so that this year's period can be exactly 1.9 times it: the page then
    # reads +90.0%, the source's figure.
    early = [d for d in _working_days(community, years[0], 1, today) if (d.month, d.day) <= cutoff]
    last_period = sum(1 for d in last_year_days if (d.month, d.day) <= cutoff)
    while last_period % 10 and early:
        make_record(years[0], rng.choice(early))
        last_period += 1
    # This year: 1.9 times last year's period, spread over the months so far like the base volume.
    this_period = last_period * 19 // 10
    month_days = {
        m: _working_days(community, years[1], m, today - datetime.timedelta(days=1)) for m in range(1, 13)
    }
    month_days = {m: d for m, d in month_days.items() if d}
    weights_by_month = {
        m: BASE_MONTHLY[m - 1]
        * len(d)
        / max(1, len(_working_days(community, years[1], m, datetime.date(years[1], 12, 31))))
        for m, d in month_days.items()
    }
    total_weight = sum(weights_by_month.values()) or 1
    shares = {m: this_period * w / total_weight for m, w in weights_by_month.items()}
    per_month = {m: int(v) for m, v in shares.items()}
    for m in sorted(shares, key=lambda m: shares[m] - per_month[m], reverse=True)[
        : this_period - sum(per_month.values())
    ]:
        per_month[m] += 1
    for month, n in sorted(per_month.items()):
        for _ in range(n):
            make_record(years[1], rng.choice(month_days[month]))
    n_records, n_ratings = counts["records"], counts["ratings"]

    # Proofs issued this year, one revoked.
    proofs = []
    for i, resident in enumerate(rng.sample(adults, min(14, len(adults)))):
        proofs.append(
            services.proof_issue(
                actor=staff,
                template=templates[i % len(templates)],
                resident=resident,
                purpose=rng.choice(PURPOSES),
                now=now - datetime.timedelta(days=rng.randint(1, 200)),
            )
        )
    if proofs:
        services.proof_revoke(actor=secretary, proof=proofs[0], reason="居住地址登记有误，已重新开具")

    # Upcoming appointments on the next working days, and today's queue when the centre is open.
    n_appointments = 0
    day = today
    booked_days = 0
    while booked_days < 3:
        day += datetime.timedelta(days=1)
        if not calendar.is_working_day(community, day):
            continue
        booked_days += 1
        for resident in rng.sample(adults, min(4, len(adults))):
            item = rng.choice(items)
            services.appointment_book(
                actor=resident.user or staff,
                resident=resident,
                item=item,
                date=day,
                slot_start=rng.choice([datetime.time(10, 0), datetime.time(11, 0), datetime.time(16, 0)]),
            )
            n_appointments += 1
    n_tickets = 0
    if calendar.is_working_day(community, today):
        for resident in rng.sample(adults, min(6, len(adults))):
            services.ticket_issue(
                actor=staff, item=rng.choice(items), resident=resident, source=QueueTicket.Source.STAFF
            )
            n_tickets += 1
        services.ticket_call_next(actor=staff, counter=counters[1])

    stdout.write(
        f"  servicedesk: {len(items)} services, {len(counters)} counters, {n_records} service records, "
        f"{n_ratings} ratings, {len(proofs)} proofs, {n_appointments} appointments, {n_tickets} queue numbers"
    )
