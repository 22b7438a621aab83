"""Test data built through the services."""

import datetime
from decimal import Decimal

from gongzhi.registry import services as registry_services

from .. import services
from ..models import Programme

D = Decimal


def programmes(tree):
    dibao = services.programme_create(
        actor=None,
        code="dibao-urban",
        name="城市低保",
        kind=Programme.Kind.DIBAO,
        target=Programme.Target.HOUSEHOLD,
        formula=Programme.Formula.GAP,
        report_group=Programme.ReportGroup.SUBSISTENCE,
        area=Programme.Area.URBAN,
    )
    services.standard_create(
        actor=None,
        programme=dibao,
        org_unit=tree.district,
        valid_from=datetime.date(2026, 1, 1),
        amount=D("1100.00"),
        minimum=D("50.00"),
        supplement_elderly_pct=D("10"),
        supplement_disabled_pct=D("15"),
        supplement_ill_pct=D("20"),
    )
    elderly = services.programme_create(
        actor=None,
        code="elderly",
        name="高龄津贴",
        kind=Programme.Kind.ELDERLY,
        target=Programme.Target.INDIVIDUAL,
        formula=Programme.Formula.AGE_BAND,
        report_group=Programme.ReportGroup.ELDERLY,
        eligibility={"min_age": 80},
    )
    for band, lo, hi, amount in (
        ("80-89", 80, 89, "100"),
        ("90-99", 90, 99, "200"),
        ("100+", 100, None, "500"),
    ):
        services.standard_create(
            actor=None,
            programme=elderly,
            org_unit=tree.district,
            valid_from=datetime.date(2026, 1, 1),
            amount=D(amount),
            band=band,
            age_min=lo,
            age_max=hi,
        )
    nursing = services.programme_create(
        actor=None,
        code="disability-nursing",
        name="重度残疾人护理补贴",
        kind=Programme.Kind.DISABILITY_NURSING,
        target=Programme.Target.INDIVIDUAL,
        formula=Programme.Formula.PER_GRADE,
        report_group=Programme.ReportGroup.DISABILITY,
        eligibility={"disability_grades": [1, 2]},
    )
    for grade, amount in ((1, "150"), (2, "100")):
        services.standard_create(
            actor=None,
            programme=nursing,
            org_unit=tree.district,
            valid_from=datetime.date(2026, 1, 1),
            amount=D(amount),
            band=f"grade{grade}",
        )
    temporary = services.programme_create(
        actor=None,
        code="temporary",
        name="临时救助",
        kind=Programme.Kind.TEMPORARY,
        target=Programme.Target.HOUSEHOLD,
        formula=Programme.Formula.ONE_OFF,
        report_group=Programme.ReportGroup.SUBSISTENCE,
    )
    return {"dibao": dibao, "elderly": elderly, "nursing": nursing, "temporary": temporary}


_seq = iter(range(1, 10_000))


def household(grid, *, members=((60, "head"),), today=datetime.date(2026, 6, 1)):
    n = next(_seq)
    hh = registry_services.household_create(actor=None, org_unit=grid, address=f"纳金路{n}号")
    people = []
    for i, (age, rel) in enumerate(members):
        people.append(
            registry_services.resident_create(
                actor=None,
                household=hh,
                name=f"居民{n}-{i}",
                gender="female",
                birth_date=today.replace(year=today.year - age) - datetime.timedelta(days=10),
                relationship_to_head=rel,
            )
        )
    return hh, people


def enrol(
    *,
    programme,
    hh,
    beneficiary=None,
    staff,
    secretary,
    street,
    county,
    check=None,
    enrol_from="2026-01-01",
    account="6222020200112233445",
    one_off_amount=None,
    override_reason="",
):
    """Walk an application through every step to enrolment, each step by the right role."""
    app = services.application_submit(
        actor=staff,
        household=hh,
        programme=programme,
        beneficiary=beneficiary,
        reason="困难",
        one_off_amount=one_off_amount,
        override_reason=override_reason,
    )
    data = {"household_size": 1, "monthly_income": "0"}
    data.update(check or {})
    services.application_transition(actor=staff, application=app, action="check", **data)
    services.application_transition(actor=staff, application=app, action="visit", note="入户核实属实")
    services.application_transition(
        actor=secretary, application=app, action="review", note="民主评议 9/9 同意"
    )
    services.application_transition(actor=secretary, application=app, action="publish", notice_days=7)
    app.refresh_from_db()
    type(app).objects.filter(pk=app.pk).update(
        notice_start=app.notice_start - datetime.timedelta(days=10),
        notice_end=app.notice_end - datetime.timedelta(days=10),
    )
    services.application_transition(actor=street, application=app, action="street_approve")
    app = services.application_transition(
        actor=county,
        application=app,
        action="county_approve",
        enrol_from=enrol_from,
        account_number=account,
        payee_name=hh.members.first().name,
    )
    return app.enrolment
