"""Proration of first and last months, review reminders that reach the responsible staff, care
reports that count a person once, and the care-tag path of the "possibly missed" list."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from gongzhi.core.models import Notification
from gongzhi.registry import services as registry_services

from .. import calc, selectors, services
from ..models import PaymentLine, Programme, ReviewTask
from . import factories as f
from .test_services import _enrol, _pay

D = Decimal
JUNE, JULY = datetime.date(2026, 6, 1), datetime.date(2026, 7, 1)


@pytest.fixture
def people(tree, make_user, roles):
    return {
        "staff": make_user(roles.COMMUNITY_STAFF, tree.community_a),
        "secretary": make_user(roles.SECRETARY, tree.community_a),
        "street": make_user(roles.STREET_STAFF, tree.street),
        "county": make_user(roles.COUNTY_STAFF, tree.district),
        "grid": make_user(roles.GRID_WORKER, tree.grid_a1),
        "staff_b": make_user(roles.COMMUNITY_STAFF, tree.community_b),
    }


@pytest.fixture
def progs(tree):
    return f.programmes(tree)


# ------------------------------------------------------------------ proration


@pytest.mark.parametrize(
    "amount,start,end,expected,days",
    [
        ("1100.00", datetime.date(2026, 6, 16), None, "550.00", "15/30"),  # from the 16th of June
        ("1100.00", datetime.date(2026, 6, 1), None, "1100.00", None),  # whole month unchanged
        ("1000.00", datetime.date(2026, 2, 10), None, "678.57", "19/28"),  # 1000 × 19 / 28 = 678.571…
        ("100.00", datetime.date(2026, 1, 1), datetime.date(2026, 7, 10), "32.26", "10/31"),  # last month
        ("333.33", datetime.date(2026, 7, 31), None, "10.75", "1/31"),  # 10.7525… half up
    ],
)
def test_prorate_by_days_of_the_month_to_the_fen(amount, start, end, expected, days):
    month = calc.month_start(end or start) if end else calc.month_start(start)
    whole = calc.Amount(D(amount), 1, f"{amount}")
    result = calc.prorate(whole, month=month, start=start, end=end)
    assert result.amount == D(expected) and isinstance(result.amount, Decimal)
    if days:
        assert f"× {days} days = {calc.yuan(D(expected))}" in result.computation
    else:
        assert result is whole


def test_first_month_is_prorated_and_the_next_is_whole(tree, people, progs):
    hh, _ = f.household(tree.grid_a1)
    _enrol(progs, people, "dibao", hh, enrol_from="2026-06-16")  # one person, no income: 1,100 a month
    june = services.batch_create(
        actor=people["staff"], programme=progs["dibao"], community=tree.community_a, month=JUNE
    )
    line = june.lines.get()
    assert line.amount == D("550.00")
    assert "2026-06-16–2026-06-30: 1,100.00 × 15/30 days = 550.00" in line.computation
    july = services.batch_create(
        actor=people["staff"], programme=progs["dibao"], community=tree.community_a, month=JULY
    )
    assert july.lines.get().amount == D("1100.00")


def test_last_month_after_an_exit_mid_month_is_prorated(tree, people, progs):
    hh, (old,) = f.household(tree.grid_a1, members=((85, "head"),))
    enrolment = _enrol(progs, people, "elderly", hh, beneficiary=old)  # 100 a month
    type(enrolment).objects.filter(pk=enrolment.pk).update(end_date=datetime.date(2026, 6, 9))
    june = services.batch_create(
        actor=people["staff"], programme=progs["elderly"], community=tree.community_a, month=JUNE
    )
    assert june.lines.get().amount == D("30.00")  # 100 × 9/30


def test_one_off_grants_are_never_prorated(tree, people, progs):
    hh, _ = f.household(tree.grid_a1)
    _enrol(progs, people, "temporary", hh, one_off_amount="3000", enrol_from="2026-06-20")
    batch = services.batch_create(
        actor=people["staff"], programme=progs["temporary"], community=tree.community_a, month=JUNE
    )
    assert batch.lines.get().amount == D("3000.00")


# ------------------------------------------------------------------ reminders


def _notified(users):
    return {u.username: list(Notification.objects.filter(user=u)) for u in users}


def test_review_reminders_reach_the_responsible_staff_only(
    tree, people, progs, django_capture_on_commit_callbacks
):
    hh, _ = f.household(tree.grid_a1)
    _enrol(
        progs, people, "dibao", hh, check={"household_size": 1, "monthly_income": "0", "household_class": "C"}
    )
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.reviews_open_due(today=datetime.date(2026, 3, 10)) == 1
    assert len(callbacks) == 1  # sent after the commit, not inside the transaction
    told = _notified(people.values())
    for who in ("staff", "secretary"):
        (note,) = told[people[who].username]
        assert note.url == "/assistance/reviews/" and "2026-04-01" in note.title
        assert "居民" not in note.title  # no beneficiary's name in a notification
    for who in ("grid", "street", "county", "staff_b"):
        assert told[people[who].username] == []
    # Running again opens nothing and tells nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reviews_open_due(today=datetime.date(2026, 3, 11)) == 0
    assert Notification.objects.filter(user=people["staff"]).count() == 1


def test_a_registry_change_tells_the_staff_at_once(tree, people, progs, django_capture_on_commit_callbacks):
    hh, (head,) = f.household(tree.grid_a1)
    _enrol(progs, people, "dibao", hh)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        tasks = services.enrolment_registry_change(resident=head, change="job", actor=None)
    assert len(tasks) == 1 and tasks[0].kind == ReviewTask.Kind.REGISTRY_CHANGE
    assert Notification.objects.filter(user=people["secretary"]).count() == 1
    assert not Notification.objects.filter(user=people["grid"]).exists()


def test_no_notification_when_the_transaction_rolls_back(
    tree, people, progs, django_capture_on_commit_callbacks
):
    hh, _ = f.household(tree.grid_a1)
    _enrol(
        progs, people, "dibao", hh, check={"household_size": 1, "monthly_income": "0", "household_class": "C"}
    )
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.reviews_open_due(today=datetime.date(2026, 3, 10))
    assert len(callbacks) == 1 and not Notification.objects.exists()


# ------------------------------------------------------------------ care report counts


def _tekun(tree):
    tekun = services.programme_create(
        actor=None,
        code="tekun-dispersed",
        name="特困供养",
        kind=Programme.Kind.TEKUN,
        target=Programme.Target.INDIVIDUAL,
        formula=Programme.Formula.PER_PERSON,
        report_group=Programme.ReportGroup.SUBSISTENCE,
    )
    services.standard_create(
        actor=None,
        programme=tekun,
        org_unit=tree.district,
        valid_from=datetime.date(2026, 1, 1),
        amount=D("800"),
    )
    return tekun


def test_group_totals_count_each_person_and_household_once(tree, people, progs):
    """A disabled woman in a 3-person 低保 household also gets 特困-style individual support; a
    second household gets two temporary grants. The subsistence group counts 2 households and
    4 people, not 3 + 1 + 1 + 1."""
    hh, (head, _, _) = f.household(tree.grid_a1, members=((50, "head"), (48, "spouse"), (20, "child")))
    _enrol(progs, people, "dibao", hh, check={"household_size": 3, "monthly_income": "0"})
    progs = {**progs, "tekun": _tekun(tree)}
    _enrol(progs, people, "tekun", hh, beneficiary=head)
    hh2, _ = f.household(tree.grid_a2)
    _enrol(progs, people, "temporary", hh2, one_off_amount="1000", enrol_from="2026-06-01")
    _enrol(
        progs,
        people,
        "temporary",
        hh2,
        one_off_amount="500",
        enrol_from="2026-06-01",
        override_reason="火灾后再次救助",
    )
    paid = []
    for key in ("dibao", "tekun", "temporary"):
        batch = _pay(tree, people, progs[key], JUNE)
        paid.append(batch)
    for batch in paid:
        services.batch_reconcile(
            actor=people["county"], batch=batch, results={line.pk: ("paid", "") for line in batch.lines.all()}
        )
    with translation.override("zh-hans"):
        label = str(progs["dibao"].get_report_group_display())
        report = selectors.care_report(
            user=people["county"], org_unit=tree.district, date_from=JUNE, date_to=datetime.date(2026, 6, 30)
        )
    (group,) = [g for g in report["groups"] if g["label"] == label]
    assert (group["households"], group["persons"]) == (2, 4)
    total = sum(PaymentLine.objects.filter(month=JUNE).values_list("amount", flat=True))
    assert group["amount"] == total
    rows = {r["label"]: r for r in report["programmes"]}
    assert (rows[progs["temporary"].name]["households"], rows[progs["temporary"].name]["persons"]) == (1, 1)
    assert (rows[progs["dibao"].name]["households"], rows[progs["dibao"].name]["persons"]) == (1, 3)
    assert group["text"].startswith("2户4人")  # the county's own wording


# ------------------------------------------------------------------ possibly missed: care tags


def _tagged(grid, age, tags):
    hh = registry_services.household_create(actor=None, org_unit=grid, address=f"纳金路{age}{len(tags)}号")
    resident = registry_services.resident_create(
        actor=None,
        household=hh,
        name=f"标签{age}",
        gender="male",
        birth_date=datetime.date(2026 - age, 3, 1),
        relationship_to_head="head",
        care_tags=tags,
    )
    return hh, resident


def test_care_tags_put_uncovered_residents_on_the_possibly_missed_list(tree, people, progs):
    _, disabled = _tagged(tree.grid_a1, 45, ["disabled"])
    _, child = _tagged(tree.grid_a2, 30, ["distressed_child"])
    _, ill = _tagged(tree.grid_a1, 52, ["chronic_disease"])
    _, veteran = _tagged(tree.grid_a1, 55, ["veteran"])  # not a tag that suggests assistance
    covered_hh, covered = _tagged(tree.grid_a1, 47, ["disabled"])
    _enrol(progs, people, "dibao", covered_hh)  # the household is paid as a whole
    applied_hh, applied = _tagged(tree.grid_a2, 49, ["living_alone"])
    services.application_submit(actor=people["staff"], household=applied_hh, programme=progs["dibao"])
    _, other = _tagged(tree.grid_b1, 46, ["disabled"])  # another community
    with translation.override("en"):
        rows = selectors.possibly_missed(user=people["staff"], today=datetime.date(2026, 6, 1))
    found = {row["resident"].pk: row["reasons"] for row in rows}
    assert set(found) == {disabled.pk, child.pk, ill.pk}
    assert found[disabled.pk] == ["Care tag in the registry: Disabled"]
    assert "Chronic disease" in found[ill.pk][0]
    for absent in (veteran, covered, applied, other):
        assert absent.pk not in found
    # The refused application no longer covers the resident.
    app = applied.household.assistance_applications.get()
    services.application_transition(
        actor=people["staff"], application=app, action="refuse", reason="收入超标"
    )
    rows = selectors.possibly_missed(user=people["staff"], today=datetime.date(2026, 6, 1))
    assert applied.pk in {row["resident"].pk for row in rows}


def test_possibly_missed_page_names_the_tag(tree, people, progs, login):
    _tagged(tree.grid_a1, 45, ["disabled"])
    html = login(people["staff"]).get("/assistance/missed/").content.decode()
    assert "标签45" in html and "Care tag in the registry: Disabled" in html
