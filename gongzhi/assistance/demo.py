"""Demo social assistance for 纳金社区: the programmes, 2026 standards for 城关区 (illustrative figures,
not official ones), applications in every state, enrolments, and twelve monthly batches
(December 2025 – November 2026) checked, approved, paid and reconciled — one failed line retried in
a new batch — ending with the county report in the source's format."""

import datetime
from decimal import Decimal

from gongzhi.core.models import OrgUnit
from gongzhi.registry.models import Resident

from . import calc, selectors, services
from .models import Application, Programme, ReviewInterval

D = Decimal
FIRST = datetime.date(2025, 12, 1)
MONTHS = [calc.add_months(FIRST, i) for i in range(12)]

PROGRAMMES = [
    # code, name, kind, target, formula, group, area, care_mode, eligibility, text
    (
        "dibao-urban",
        "城市最低生活保障（低保）",
        "dibao",
        "household",
        "gap",
        "subsistence",
        "urban",
        "",
        {"income_below_standard": True},
        "家庭人均收入低于当地城市低保标准且财产符合规定的城市户籍家庭。",
    ),
    (
        "dibao-rural",
        "农村最低生活保障（低保）",
        "dibao",
        "household",
        "gap",
        "subsistence",
        "rural",
        "",
        {"income_below_standard": True},
        "家庭人均收入低于当地农村低保标准的农村户籍家庭。",
    ),
    (
        "tekun-dispersed",
        "特困人员供养（分散供养）",
        "tekun",
        "individual",
        "per_person",
        "subsistence",
        "",
        "dispersed",
        {},
        "无劳动能力、无生活来源、无法定赡养抚养扶养义务人的老年人、残疾人和未成年人，居家分散供养。",
    ),
    (
        "tekun-institutional",
        "特困人员供养（集中供养）",
        "tekun",
        "individual",
        "per_person",
        "subsistence",
        "",
        "institutional",
        {},
        "同上，在供养机构集中供养。",
    ),
    (
        "temporary",
        "临时救助",
        "temporary",
        "household",
        "one_off",
        "subsistence",
        "",
        "",
        {},
        "因火灾、交通事故、重大疾病等导致基本生活暂时出现严重困难的家庭；同一户12个月内原则上一次。",
    ),
    (
        "disability-living",
        "困难残疾人生活补贴",
        "disability_living",
        "individual",
        "per_person",
        "disability",
        "",
        "",
        {},
        "低保家庭中的残疾人。",
    ),
    (
        "disability-nursing",
        "重度残疾人护理补贴",
        "disability_nursing",
        "individual",
        "per_grade",
        "disability",
        "",
        "",
        {"disability_grades": [1, 2]},
        "残疾等级为一级、二级且需要长期照护的重度残疾人。",
    ),
    (
        "elderly",
        "高龄津贴（幸福养老金）",
        "elderly",
        "individual",
        "age_band",
        "elderly",
        "",
        "",
        {"min_age": 80},
        "年满80周岁的户籍老年人，按年龄段发放。",
    ),
]


def _standards(county, actor):
    p = {x.code: x for x in Programme.objects.all()}
    jan = datetime.date(2025, 1, 1)
    jul = datetime.date(2026, 7, 1)
    rows = [
        # Urban 低保 1,100 yuan/person/month, raised to 1,150 from July 2026 (illustrative).
        (p["dibao-urban"], jan, D("1100"), "", None, None, D("60"), D("10"), D("15"), D("20")),
        (p["dibao-urban"], jul, D("1150"), "", None, None, D("60"), D("10"), D("15"), D("20")),
        (p["dibao-rural"], jan, D("520"), "", None, None, D("30"), D("10"), D("15"), D("20")),
        (p["tekun-dispersed"], jan, D("1430"), "", None, None, 0, 0, 0, 0),
        (p["tekun-dispersed"], jul, D("1495"), "", None, None, 0, 0, 0, 0),
        (p["tekun-institutional"], jan, D("1650"), "", None, None, 0, 0, 0, 0),
        (p["disability-living"], jan, D("100"), "", None, None, 0, 0, 0, 0),
        (p["disability-nursing"], jan, D("150"), "grade1", None, None, 0, 0, 0, 0),
        (p["disability-nursing"], jan, D("100"), "grade2", None, None, 0, 0, 0, 0),
        (p["elderly"], jan, D("100"), "80-89", 80, 89, 0, 0, 0, 0),
        (p["elderly"], jan, D("200"), "90-99", 90, 99, 0, 0, 0, 0),
        (p["elderly"], jan, D("500"), "100+", 100, None, 0, 0, 0, 0),
    ]
    for programme, day, amount, band, lo, hi, minimum, eld, dis, ill in rows:
        services.standard_create(
            actor=actor,
            programme=programme,
            org_unit=county,
            valid_from=day,
            amount=amount,
            band=band,
            age_min=lo,
            age_max=hi,
            minimum=minimum,
            supplement_elderly_pct=eld,
            supplement_disabled_pct=dis,
            supplement_ill_pct=ill,
        )
    return p


def _walk(app, users, *, to, check, enrol_from=FIRST, account=None):
    """Take an application through the procedure up to `to`, each step by its proper officer."""
    staff, secretary, street, county = users["staff"], users["secretary"], users["street"], users["county"]
    order = ["checked", "visited", "reviewed", "notice", "street_approved", "enrolled"]
    stop = order.index(to) if to in order else -1
    steps = [
        (staff, "check", "", check),
        (staff, "visit", "入户调查：住房、家电、收入情况与申报一致。", {}),
        (secretary, "review", "民主评议：参会9人，同意9人。", {}),
        (secretary, "publish", "", {"notice_days": 7}),
        (street, "street_approve", "街道审核：材料齐全，公示无异议。", {}),
        (
            county,
            "county_approve",
            "",
            {"enrol_from": enrol_from, "account_number": account, "bank_name": "西藏农行"},
        ),
    ]
    for actor, action, note, data in steps[: stop + 1]:
        if action == "street_approve":
            # Historic files: the notice of an application made a year ago has long ended.
            Application.objects.filter(pk=app.pk).update(
                notice_start=enrol_from - datetime.timedelta(days=20),
                notice_end=enrol_from - datetime.timedelta(days=14),
            )
        app = services.application_transition(actor=actor, application=app, action=action, note=note, **data)
    return app


def build(context, rng, stdout):
    units = context["units"]
    county: OrgUnit = units["district"]
    community: OrgUnit = units["community"]
    users = context["users"]
    for cls, area, months in (("A", "", 12), ("B", "", 12), ("C", "urban", 3), ("C", "rural", 6)):
        ReviewInterval.objects.create(household_class=cls, area=area, months=months)
    for code, name, kind, target, formula, group, area, care, elig, text in PROGRAMMES:
        services.programme_create(
            actor=None,
            code=code,
            name=name,
            kind=kind,
            target=target,
            formula=formula,
            report_group=group,
            area=area,
            care_mode=care,
            eligibility=elig,
            eligibility_text=text,
        )
    p = _standards(county, users["county"])

    residents = list(
        Resident.objects.filter(org_unit__parent=community, status=Resident.Status.LIVING)
        .select_related("household")
        .order_by("id")
    )
    by_household: dict[int, list[Resident]] = {}
    for r in residents:
        by_household.setdefault(r.household_id, []).append(r)
    households = [
        members for members in by_household.values() if any(m.relationship_to_head == "head" for m in members)
    ]
    rng.shuffle(households)
    today = datetime.date(2026, 11, 29)
    acct = iter(range(10_000, 99_999))

    def account():
        return f"62284801{next(acct):05d}{rng.randint(100000, 999999)}"

    used_households: set[int] = set()
    enrolled = 0

    def submit(programme, members, beneficiary=None, **kw):
        # The household applies (its head may since have died: the members still share it).
        return services.application_submit(
            actor=users["staff"],
            household=members[0].household,
            programme=programme,
            beneficiary=beneficiary,
            reason=kw.pop("reason", "家庭生活困难，申请救助。"),
            documents="户口簿、身份证、收入证明",
            **kw,
        )

    # 低保: 20 urban households paid the gap; a few with elderly, disabled or ill members.
    for members in households[:20]:
        n = len(members)
        income = D(rng.choice([0, 300, 500, 800, 1000, 1200])) * n // 2
        app = submit(p["dibao-urban"], members)
        old = sum(1 for m in members if m.age_on(today) >= 60)
        _walk(
            app,
            users,
            to="enrolled",
            account=account(),
            check={
                "household_size": n,
                "monthly_income": income,
                "elderly_members": old,
                "disabled_members": 1 if rng.random() < 0.2 else 0,
                "ill_members": 1 if rng.random() < 0.15 else 0,
                "household_class": rng.choice("ABBC"),
                "assets_note": "无机动车，唯一住房。",
            },
        )
        used_households.add(members[0].household_id)
        enrolled += 1
    # 特困: four dispersed, one institutional.
    singles = [m for members in households[28:] for m in members if m.age_on(today) >= 60][:5]
    for i, person in enumerate(singles):
        programme = p["tekun-institutional"] if i == 0 else p["tekun-dispersed"]
        app = submit(programme, by_household[person.household_id], beneficiary=person)
        _walk(
            app,
            users,
            to="enrolled",
            account=account(),
            check={"household_size": 1, "monthly_income": 0, "household_class": "A"},
        )
        enrolled += 1
    # Disability: living subsidy for disabled members of 低保 households; nursing for grades 1-2.
    for members in households[:4]:
        person = members[-1]
        app = submit(p["disability-living"], members, beneficiary=person)
        _walk(
            app,
            users,
            to="enrolled",
            account=account(),
            check={"household_size": len(members), "monthly_income": 0},
        )
        enrolled += 1
    for i, members in enumerate(households[40:44]):
        person = members[0]
        app = submit(p["disability-nursing"], members, beneficiary=person)
        _walk(
            app,
            users,
            to="enrolled",
            account=account(),
            check={
                "household_size": len(members),
                "monthly_income": 800,
                "disability_grade": 1 + i % 2,
            },
        )
        enrolled += 1
    # Elderly pension: the oldest 25 residents aged 80+ (the others stay on the "possibly missed"
    # list, as in a real roll-out that is still catching up).
    elderly = sorted((r for r in residents if r.age_on(FIRST) >= 80), key=lambda r: (r.birth_date, r.pk))
    for person in elderly[:25]:
        app = submit(p["elderly"], by_household[person.household_id], beneficiary=person)
        _walk(app, users, to="enrolled", account=account(), check={"household_size": 1, "monthly_income": 0})
        enrolled += 1
    # Temporary assistance: one-off grants in different months.
    for i, members in enumerate(households[50:55]):
        month = MONTHS[2 + i * 2]
        app = submit(
            p["temporary"],
            members,
            one_off_amount=D(rng.choice([1500, 2000, 3000, 5000])),
            reason=rng.choice(["房屋失火", "家人突发重病住院", "交通事故致伤"]),
        )
        _walk(
            app,
            users,
            to="enrolled",
            account=account(),
            enrol_from=month,
            check={"household_size": len(members), "monthly_income": 600},
        )
        enrolled += 1
    # Applications in every other state, for the queues.
    states = ["submitted", "checked", "visited", "reviewed", "notice", "notice", "street_approved"]
    for members, to in zip(households[60:67], states, strict=True):
        app = submit(p["dibao-urban"], members)
        app = _walk(
            app,
            users,
            to=to,
            check={"household_size": len(members), "monthly_income": 500, "household_class": "B"},
        )
        if to == "notice":
            on_notice = app
    # A neighbour objects to the last one on notice: the street cannot approve it until it is resolved.
    services.application_transition(
        actor=users["staff"],
        application=on_notice,
        action="object",
        note="邻居反映该户有一辆营运面包车，需核实。",
    )
    refused = submit(p["dibao-urban"], households[67])
    _walk(refused, users, to="checked", check={"household_size": len(households[67]), "monthly_income": 9000})
    services.application_transition(
        actor=users["staff"],
        application=refused,
        action="refuse",
        reason="经收入核对，家庭人均月收入高于城市低保标准，不符合低保条件。",
    )

    # Twelve monthly batches per programme: checked by the secretary, approved and paid by the county.
    batches = failed = 0
    for month in MONTHS:
        for programme in Programme.objects.order_by("code"):
            if not services.payable_enrolments(
                programme=programme, community=community, month=month
            ).exists():
                continue
            try:
                batch = services.batch_create(
                    actor=users["staff"], programme=programme, community=community, month=month
                )
            except services.ConflictError:
                continue
            services.batch_transition(actor=users["secretary"], batch=batch, action="check")
            services.batch_transition(actor=users["county"], batch=batch, action="approve")
            services.batch_transition(actor=users["county"], batch=batch, action="pay")
            lines = list(batch.lines.order_by("id"))
            results = {line.pk: ("paid", "") for line in lines}
            if month == MONTHS[3] and programme.code == "elderly" and lines:
                results[lines[0].pk] = ("failed", "账户已冻结")  # retried below in a new batch
                failed += 1
            services.batch_reconcile(actor=users["county"], batch=batch, results=results)
            batches += 1
            if failed and month == MONTHS[3] and programme.code == "elderly":
                retry = services.batch_create(
                    actor=users["staff"], programme=programme, community=community, month=month
                )
                services.batch_transition(actor=users["secretary"], batch=retry, action="check")
                services.batch_transition(actor=users["county"], batch=retry, action="approve")
                services.batch_transition(actor=users["county"], batch=retry, action="pay")
                services.batch_reconcile(
                    actor=users["county"],
                    batch=retry,
                    results={line.pk: ("paid", "") for line in retry.lines.all()},
                )
                batches += 1
    # A change in the registry (a member of a 低保 household found a job) opens a review at once.
    services.enrolment_registry_change(resident=households[0][-1], change="job", actor=users["staff"])
    services.reviews_open_due(actor=None, today=today)

    report = selectors.care_report(
        user=users["county"], org_unit=county, date_from=MONTHS[0], date_to=MONTHS[-1]
    )
    context["assistance_report"] = report
    stdout.write(f"  assistance: {enrolled} enrolments, {batches} batches ({failed} failed line retried)")
    for row in report["groups"]:
        stdout.write(f"    {row['label']}: {row['text']}")
