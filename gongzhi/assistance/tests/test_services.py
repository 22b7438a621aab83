import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from gongzhi.accounts import services as account_services
from gongzhi.core.errors import ApplicationError, ConflictError

from .. import calc, services
from ..models import Application, Batch, Enrolment, PaymentLine, ReviewTask
from . import factories as f

D = Decimal
JUNE, JULY = datetime.date(2026, 6, 1), datetime.date(2026, 7, 1)


@pytest.fixture
def people(tree, make_user, roles):
    return {
        "staff": make_user(roles.COMMUNITY_STAFF, tree.community_a),
        "secretary": make_user(roles.SECRETARY, tree.community_a),
        "street": make_user(roles.STREET_STAFF, tree.street),
        "county": make_user(roles.COUNTY_STAFF, tree.district),
        "county2": make_user(roles.COUNTY_STAFF, tree.district),
        "grid": make_user(roles.GRID_WORKER, tree.grid_a1),
        "staff_b": make_user(roles.COMMUNITY_STAFF, tree.community_b),
    }


@pytest.fixture
def progs(tree):
    return f.programmes(tree)


def _enrol(progs, people, key, hh, **kw):
    return f.enrol(
        programme=progs[key],
        hh=hh,
        staff=people["staff"],
        secretary=people["secretary"],
        street=people["street"],
        county=people["county"],
        **kw,
    )


def _pay(tree, people, programme, month):
    batch = services.batch_create(
        actor=people["staff"], programme=programme, community=tree.community_a, month=month
    )
    services.batch_transition(actor=people["secretary"], batch=batch, action="check")
    services.batch_transition(actor=people["county"], batch=batch, action="approve")
    services.batch_transition(actor=people["county"], batch=batch, action="pay")
    return batch


# ------------------------------------------------------------------ formula


@pytest.mark.parametrize(
    "size,income,elderly,disabled,ill,expected",
    [
        (1, "0", 0, 0, 0, "1100.00"),  # nothing earned: the whole standard
        (3, "1200", 0, 0, 0, "2100.00"),  # (1100 − 400) × 3
        (3, "1000", 0, 0, 0, "2300.01"),  # per-capita 333.33 → (766.67) × 3 = 2300.01
        (4, "2000", 1, 1, 0, "2675.00"),  # (1100 − 500) × 4 = 2400; +110 +165
        (2, "2190", 0, 0, 1, "230.00"),  # (1100 − 1095) × 2 = 10; + 20% × 1100 = 220
        (2, "2196", 0, 0, 0, "50.00"),  # (1100 − 1098) × 2 = 4 → minimum 50
        (2, "2400", 1, 0, 0, None),  # income above the line: nothing due, no supplement
    ],
)
def test_gap_amounts_to_the_fen(size, income, elderly, disabled, ill, expected):
    result = calc.gap(
        standard=D("1100.00"),
        household_size=size,
        monthly_income=D(income),
        minimum=D("50.00"),
        supplements=(("elderly", D("10"), elderly), ("disabled", D("15"), disabled), ("ill", D("20"), ill)),
    )
    if expected is None:
        assert result.amount == 0
    else:
        assert result.amount == D(expected)
        assert result.computation.endswith(f"= {calc.yuan(D(expected))}")
        assert isinstance(result.amount, Decimal)


def test_payment_lines_show_how_amounts_were_computed(tree, people, progs):
    hh, _ = f.household(tree.grid_a1, members=((70, "head"), (40, "child"), (10, "grandchild")))
    _enrol(
        progs,
        people,
        "dibao",
        hh,
        check={"household_size": 3, "monthly_income": "1200", "elderly_members": 1},
    )
    batch = services.batch_create(
        actor=people["staff"], programme=progs["dibao"], community=tree.community_a, month=JUNE
    )
    line = batch.lines.get()
    assert line.amount == D("2210.00")  # (1100 − 400) × 3 + 10% × 1100
    assert line.persons == 3
    assert "(1,100.00 − 1,200.00 ÷ 3 = 400.00) × 3 = 2,100.00" in line.computation
    assert "elderly 10% × 1,100.00 × 1 = 110.00" in line.computation
    assert batch.total == D("2210.00")


def test_fixed_amounts_per_grade_and_age_band(tree, people, progs):
    hh, (old,) = f.household(tree.grid_a1, members=((91, "head"),))
    hh2, (young_old,) = f.household(tree.grid_a1, members=((82, "head"),))
    _enrol(progs, people, "elderly", hh, beneficiary=old)
    _enrol(progs, people, "elderly", hh2, beneficiary=young_old)
    hh3, (disabled,) = f.household(tree.grid_a2, members=((50, "head"),))
    _enrol(
        progs,
        people,
        "nursing",
        hh3,
        beneficiary=disabled,
        check={"household_size": 1, "monthly_income": "0", "disability_grade": 1},
    )
    batch = services.batch_create(
        actor=people["staff"], programme=progs["elderly"], community=tree.community_a, month=JUNE
    )
    assert sorted(batch.lines.values_list("amount", flat=True)) == [D("100.00"), D("200.00")]
    nursing = services.batch_create(
        actor=people["staff"], programme=progs["nursing"], community=tree.community_a, month=JUNE
    )
    assert nursing.lines.get().amount == D("150.00")


def test_grade_three_is_refused_for_the_nursing_subsidy(tree, people, progs):
    hh, (p,) = f.household(tree.grid_a1, members=((50, "head"),))
    app = services.application_submit(
        actor=people["staff"], household=hh, programme=progs["nursing"], beneficiary=p
    )
    with pytest.raises(ApplicationError) as exc:
        services.application_transition(
            actor=people["staff"],
            application=app,
            action="check",
            household_size=1,
            monthly_income="0",
            disability_grade=3,
        )
    assert exc.value.code == "not_eligible"


def test_too_young_for_the_elderly_pension(tree, people, progs):
    hh, (p,) = f.household(tree.grid_a1, members=((70, "head"),))
    with pytest.raises(ApplicationError) as exc:
        services.application_submit(
            actor=people["staff"], household=hh, programme=progs["elderly"], beneficiary=p
        )
    assert exc.value.code == "not_eligible"


def test_standard_change_mid_year_applies_from_its_date_only(tree, people, progs):
    hh, _ = f.household(tree.grid_a1, members=((45, "head"), (15, "child")))
    _enrol(progs, people, "dibao", hh, check={"household_size": 2, "monthly_income": "600"})
    june = _pay(tree, people, progs["dibao"], JUNE)
    services.standard_create(
        actor=people["county"],
        programme=progs["dibao"],
        org_unit=tree.district,
        valid_from=JULY,
        amount=D("1150.00"),
        minimum=D("50.00"),
    )
    july = services.batch_create(
        actor=people["staff"], programme=progs["dibao"], community=tree.community_a, month=JULY
    )
    assert june.lines.get().amount == D("1600.00")  # (1100 − 300) × 2, unchanged afterwards
    assert july.lines.get().amount == D("1700.00")  # (1150 − 300) × 2
    # A new standard may not rewrite a month already approved.
    with pytest.raises(ConflictError):
        services.standard_create(
            actor=people["county"],
            programme=progs["dibao"],
            org_unit=tree.district,
            valid_from=JUNE,
            amount=D("1200"),
        )


def test_a_community_standard_overrides_the_county(tree, people, progs):
    services.standard_create(
        actor=people["county"],
        programme=progs["dibao"],
        org_unit=tree.community_b,
        valid_from=JUNE,
        amount=D("1000"),
    )
    book = services.StandardBook(progs["dibao"])
    assert book.find(tree.grid_a1, JUNE).amount == D("1100.00")
    assert book.find(tree.grid_b1, JUNE).amount == D("1000.00")
    assert book.find(tree.grid_b1, datetime.date(2026, 5, 1)).amount == D("1100.00")


def test_standard_refuses_negative_amounts_and_non_county_staff(tree, people, progs):
    with pytest.raises(ApplicationError):
        services.standard_create(
            actor=people["county"],
            programme=progs["dibao"],
            org_unit=tree.district,
            valid_from=JULY,
            amount=D("-1"),
        )
    with pytest.raises(PermissionDenied):
        services.standard_create(
            actor=people["staff"],
            programme=progs["dibao"],
            org_unit=tree.district,
            valid_from=JULY,
            amount=D("1"),
        )


# ------------------------------------------------------------------ applications


def test_application_walks_every_step_with_a_timeline(tree, people, progs):
    hh, _ = f.household(tree.grid_a1, members=((45, "head"), (15, "child")))
    enrolment = _enrol(progs, people, "dibao", hh, check={"household_size": 2, "monthly_income": "600"})
    app = enrolment.application
    assert app.state == Application.State.ENROLLED
    assert app.proposed_amount == D("1600.00")
    assert [s.action for s in app.steps.all()] == [
        "submit",
        "check",
        "visit",
        "review",
        "publish",
        "street_approve",
        "county_approve",
    ]
    assert enrolment.start_date == datetime.date(2026, 1, 1)
    assert enrolment.masked_account == "****3445"
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_number FROM assistance_enrolment WHERE id = %s", [enrolment.pk])
        stored = cursor.fetchone()[0]
    assert "6222020200112233445" not in stored  # encrypted at rest


def test_maker_checker_and_notice_period(tree, people, progs, make_user, roles):
    hh, _ = f.household(tree.grid_a1)
    staff, secretary, street = people["staff"], people["secretary"], people["street"]
    app = services.application_submit(actor=staff, household=hh, programme=progs["dibao"])
    services.application_transition(
        actor=staff, application=app, action="check", household_size=1, monthly_income="0"
    )
    services.application_transition(actor=staff, application=app, action="visit", note="属实")
    services.application_transition(actor=staff, application=app, action="review", note="同意")
    services.application_transition(actor=staff, application=app, action="publish")
    app.refresh_from_db()
    assert app.notice_days == 7 and (app.notice_end - app.notice_start).days == 6
    with pytest.raises(ConflictError) as exc:
        services.application_transition(actor=street, application=app, action="street_approve")
    assert exc.value.code == "notice_running"
    Application.objects.filter(pk=app.pk).update(notice_end=datetime.date(2026, 1, 1))
    services.application_transition(actor=secretary, application=app, action="object", note="邻居称其有车")
    with pytest.raises(ConflictError) as exc:
        services.application_transition(actor=street, application=app, action="street_approve")
    assert exc.value.code == "objections_open"
    objection = app.objections.get()
    services.application_transition(
        actor=secretary, application=app, action="resolve", objection_id=objection.pk, note="核实：车辆已报废"
    )
    # A street officer who also prepared a step (here: resolved an objection) may not approve it.
    preparer = make_user(roles.STREET_STAFF, tree.street)
    account_services.role_assign(
        actor=None, user=preparer, role=roles.COMMUNITY_STAFF, org_unit=tree.community_a
    )
    services.application_transition(actor=secretary, application=app, action="object", note="收入未申报")
    second = app.objections.get(resolved_at__isnull=True)
    services.application_transition(
        actor=preparer, application=app, action="resolve", objection_id=second.pk, note="已核实工资单"
    )
    with pytest.raises(ConflictError) as exc:
        services.application_transition(actor=preparer, application=app, action="street_approve")
    assert exc.value.code == "maker_checker"
    services.application_transition(actor=street, application=app, action="street_approve")
    with pytest.raises(PermissionDenied):
        services.application_transition(actor=street, application=app, action="county_approve")


def test_refusal_needs_a_reason_and_ends_the_application(tree, people, progs):
    hh, _ = f.household(tree.grid_a1)
    app = services.application_submit(actor=people["staff"], household=hh, programme=progs["dibao"])
    with pytest.raises(ApplicationError):
        services.application_transition(actor=people["staff"], application=app, action="refuse", reason=" ")
    app = services.application_transition(
        actor=people["staff"], application=app, action="refuse", reason="家庭人均收入高于低保标准"
    )
    assert app.state == Application.State.REFUSED and app.refusal_reason == "家庭人均收入高于低保标准"
    with pytest.raises(ConflictError):
        services.application_transition(actor=people["staff"], application=app, action="visit", note="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=app.pk).update(refusal_reason="")


def test_income_above_the_line_is_stopped_at_review(tree, people, progs):
    hh, _ = f.household(tree.grid_a1)
    app = services.application_submit(actor=people["staff"], household=hh, programme=progs["dibao"])
    services.application_transition(
        actor=people["staff"], application=app, action="check", household_size=1, monthly_income="3000"
    )
    services.application_transition(actor=people["staff"], application=app, action="visit", note="属实")
    with pytest.raises(ConflictError) as exc:
        services.application_transition(actor=people["staff"], application=app, action="review", note="评议")
    assert exc.value.code == "nothing_due"


@pytest.mark.parametrize(
    "bad",
    [
        {"household_size": 0, "monthly_income": "0"},
        {"household_size": 2},
        {"household_size": 2, "monthly_income": "-5"},
        {"household_size": 2, "monthly_income": "0", "elderly_members": 3},
    ],
)
def test_household_check_refuses_bad_figures(tree, people, progs, bad):
    hh, _ = f.household(tree.grid_a1)
    app = services.application_submit(actor=people["staff"], household=hh, programme=progs["dibao"])
    with pytest.raises(ApplicationError):
        services.application_transition(actor=people["staff"], application=app, action="check", **bad)
    app.refresh_from_db()
    assert app.state == Application.State.SUBMITTED


def test_only_community_staff_of_the_unit_submit(tree, people, progs):
    hh, _ = f.household(tree.grid_a1)
    for who in ("grid", "staff_b"):
        with pytest.raises(PermissionDenied):
            services.application_submit(actor=people[who], household=hh, programme=progs["dibao"])


def test_duplicate_application_and_enrolment_refused(tree, people, progs):
    hh, _ = f.household(tree.grid_a1)
    services.application_submit(actor=people["staff"], household=hh, programme=progs["dibao"])
    with pytest.raises(ConflictError):
        services.application_submit(actor=people["staff"], household=hh, programme=progs["dibao"])


def test_temporary_assistance_once_per_twelve_months_unless_overridden(tree, people, progs):
    hh, _ = f.household(tree.grid_a1)
    first = _enrol(progs, people, "temporary", hh, one_off_amount=D("3000"), enrol_from="2026-10-01")
    assert first.end_date == datetime.date(2026, 10, 31)
    with pytest.raises(ConflictError) as exc:
        services.application_submit(
            actor=people["staff"], household=hh, programme=progs["temporary"], one_off_amount=D("500")
        )
    assert exc.value.code == "once_per_year"
    app = services.application_submit(
        actor=people["staff"],
        household=hh,
        programme=progs["temporary"],
        one_off_amount=D("500"),
        override_reason="房屋火灾，急难型救助",
    )
    assert app.override_reason == "房屋火灾，急难型救助"
    batch = services.batch_create(
        actor=people["staff"],
        programme=progs["temporary"],
        community=tree.community_a,
        month=datetime.date(2026, 10, 1),
    )
    assert batch.lines.get().amount == D("3000.00")
    with pytest.raises(ConflictError):
        services.batch_create(
            actor=people["staff"],
            programme=progs["temporary"],
            community=tree.community_a,
            month=datetime.date(2026, 11, 1),
        )


# ------------------------------------------------------------------ disbursement


def test_batch_run_twice_or_two_batches_pay_once(tree, people, progs):
    for age in (81, 85, 92):
        hh, (p,) = f.household(tree.grid_a1, members=((age, "head"),))
        _enrol(progs, people, "elderly", hh, beneficiary=p)
    batch = services.batch_create(
        actor=people["staff"], programme=progs["elderly"], community=tree.community_a, month=JUNE
    )
    services.batch_compute(actor=people["staff"], batch=batch)
    services.batch_compute(actor=people["staff"], batch=batch)
    batch.refresh_from_db()
    assert batch.line_count == 3 and batch.total == D("400.00")
    with pytest.raises(ConflictError) as exc:
        services.batch_create(
            actor=people["secretary"], programme=progs["elderly"], community=tree.community_a, month=JUNE
        )
    assert exc.value.code == "nothing_to_pay"
    assert PaymentLine.objects.filter(month=JUNE).count() == 3
    # The database refuses a second line even if a service forgot to check.
    line = batch.lines.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(
            batch=batch,
            org_unit=line.org_unit,
            programme=line.programme,
            enrolment=line.enrolment,
            household=line.household,
            beneficiary_key=line.beneficiary_key,
            month=JUNE,
            amount=D("1"),
            computation="x",
        )
    dup = PaymentLine(
        batch=batch,
        org_unit=line.org_unit,
        programme=line.programme,
        enrolment=line.enrolment,
        household=line.household,
        beneficiary_key=line.beneficiary_key,
        month=JUNE,
        amount=D("1"),
        computation="x",
    )
    with pytest.raises(ValidationError):
        dup.full_clean()


def test_batch_approval_needs_check_and_payment_needs_approval(tree, people, progs):
    hh, (p,) = f.household(tree.grid_a1, members=((85, "head"),))
    _enrol(progs, people, "elderly", hh, beneficiary=p)
    batch = services.batch_create(
        actor=people["staff"], programme=progs["elderly"], community=tree.community_a, month=JUNE
    )
    with pytest.raises(ConflictError):
        services.batch_transition(actor=people["county"], batch=batch, action="approve")
    with pytest.raises(ConflictError):
        services.batch_transition(actor=people["county"], batch=batch, action="pay")
    with pytest.raises(ConflictError) as exc:
        services.batch_transition(actor=people["staff"], batch=batch, action="check")
    assert exc.value.code == "maker_checker"
    with pytest.raises(PermissionDenied):
        services.batch_transition(actor=people["street"], batch=batch, action="check")
    services.batch_transition(actor=people["secretary"], batch=batch, action="check")
    with pytest.raises(PermissionDenied):
        services.batch_transition(actor=people["secretary"], batch=batch, action="approve")
    services.batch_transition(actor=people["county"], batch=batch, action="approve")
    batch = services.batch_transition(actor=people["county2"], batch=batch, action="pay")
    assert batch.state == Batch.State.PAID
    assert [e.to_state for e in batch.events.all()] == ["draft", "checked", "approved", "paid"]
    with pytest.raises(ConflictError):
        services.batch_compute(actor=people["staff"], batch=batch)


def test_failed_lines_are_paid_only_in_a_new_batch(tree, people, progs):
    people_ = []
    for age in (81, 85):
        hh, (p,) = f.household(tree.grid_a1, members=((age, "head"),))
        _enrol(progs, people, "elderly", hh, beneficiary=p)
        people_.append(p)
    batch = _pay(tree, people, progs["elderly"], JUNE)
    ok, bad = batch.lines.order_by("id")
    with pytest.raises(ApplicationError) as exc:
        services.batch_reconcile(actor=people["county"], batch=batch, results={ok.pk: ("paid", "")})
    assert exc.value.code == "incomplete"
    services.batch_reconcile(
        actor=people["county"], batch=batch, results={ok.pk: ("paid", ""), bad.pk: ("failed", "账户已销户")}
    )
    batch.refresh_from_db()
    assert batch.state == Batch.State.RECONCILED and batch.total == D("100.00")
    bad.refresh_from_db()
    assert bad.status == PaymentLine.Status.FAILED and bad.failure_reason == "账户已销户"
    with pytest.raises(ConflictError):
        services.batch_compute(actor=people["staff"], batch=batch)
    retry = services.batch_create(
        actor=people["staff"], programme=progs["elderly"], community=tree.community_a, month=JUNE
    )
    line = retry.lines.get()
    assert line.beneficiary_key == bad.beneficiary_key and line.amount == D("100.00")
    paid_june = PaymentLine.objects.filter(month=JUNE).exclude(status="failed")
    assert paid_june.count() == 2


def test_death_stops_next_months_payment_and_opens_a_review(
    tree, people, progs, django_capture_on_commit_callbacks
):
    hh, (old,) = f.household(tree.grid_a1, members=((88, "head"),))
    enrolment = _enrol(progs, people, "elderly", hh, beneficiary=old)
    today = services._today()
    this_month = calc.month_start(today)
    next_month = calc.month_start(calc.add_months(today, 1))
    # The death is recorded in the registry; its resident_status_changed signal opens the review.
    from gongzhi.registry import services as registry_services

    with django_capture_on_commit_callbacks(execute=True):
        registry_services.resident_record_death(actor=people["staff"], resident=old, on=today)
    tasks = list(ReviewTask.objects.filter(enrolment=enrolment))
    assert len(tasks) == 1 and tasks[0].kind == ReviewTask.Kind.REGISTRY_CHANGE and tasks[0].done_at is None
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.SUSPENDED and enrolment.suspended_from == next_month
    # This month is still paid (the person was alive at its start); the next is not.
    current = services.batch_create(
        actor=people["staff"], programme=progs["elderly"], community=tree.community_a, month=this_month
    )
    assert current.line_count == 1
    with pytest.raises(ConflictError):
        services.batch_create(
            actor=people["staff"], programme=progs["elderly"], community=tree.community_a, month=next_month
        )
    with pytest.raises(ConflictError):
        services.review_complete(actor=people["staff"], review=tasks[0], outcome="continue")
    services.review_complete(actor=people["staff"], review=tasks[0], outcome="exit", exit_reason="本人去世")
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.EXITED and enrolment.end_date == calc.month_end(today)


def test_registry_signal_receiver_opens_a_review(tree, people, progs):
    from ..receivers import on_resident_status_changed

    hh, (head, child) = f.household(tree.grid_a1, members=((45, "head"), (12, "child")))
    enrolment = _enrol(progs, people, "dibao", hh, check={"household_size": 2, "monthly_income": "0"})
    tasks = on_resident_status_changed(None, resident=child, old_status="living", new_status="moved_out")
    assert [t.enrolment_id for t in tasks] == [enrolment.pk]
    tasks = services.enrolment_registry_change(resident=head, change="vehicle", actor=None)
    assert len(tasks) == 1
    with pytest.raises(ApplicationError):
        services.enrolment_registry_change(resident=head, change="lottery", actor=None)


def test_phase_out_between_one_and_twelve_months(tree, people, progs):
    hh, _ = f.household(tree.grid_a1)
    enrolment = _enrol(progs, people, "dibao", hh)
    review = ReviewTask.objects.create(
        enrolment=enrolment, org_unit=enrolment.org_unit, kind="periodic", reason="periodic", due_date=JUNE
    )
    for bad in (0, 13, None):
        with pytest.raises(ApplicationError):
            services.review_complete(
                actor=people["staff"], review=review, outcome="phase_out", phase_out_months=bad
            )
    with pytest.raises(ApplicationError):
        services.review_complete(actor=people["staff"], review=review, outcome="exit", exit_reason="")
    services.review_complete(actor=people["staff"], review=review, outcome="phase_out", phase_out_months=3)
    enrolment.refresh_from_db()
    today = services._today()
    assert enrolment.status == Enrolment.Status.PHASE_OUT
    assert enrolment.phase_out_until == calc.month_end(calc.add_months(today, 3))
    after = calc.month_start(calc.add_months(today, 4))
    assert not services.payable_enrolments(
        programme=progs["dibao"], community=tree.community_a, month=after
    ).exists()


def test_periodic_reviews_open_before_they_are_due(tree, people, progs):
    hh, _ = f.household(tree.grid_a1)
    enrolment = _enrol(
        progs, people, "dibao", hh, check={"household_size": 1, "monthly_income": "0", "household_class": "C"}
    )
    assert enrolment.next_review_due == datetime.date(2026, 4, 1)  # class C urban: quarterly
    assert services.reviews_open_due(today=datetime.date(2026, 2, 1)) == 0
    assert services.reviews_open_due(today=datetime.date(2026, 3, 10)) == 1
    assert services.reviews_open_due(today=datetime.date(2026, 3, 11)) == 0  # one open review is enough


def test_one_open_enrolment_per_beneficiary_in_the_database(tree, people, progs):
    hh, _ = f.household(tree.grid_a1)
    enrolment = _enrol(progs, people, "dibao", hh)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            org_unit=enrolment.org_unit,
            programme=enrolment.programme,
            household=hh,
            beneficiary_key=enrolment.beneficiary_key,
            start_date=JUNE,
        )
