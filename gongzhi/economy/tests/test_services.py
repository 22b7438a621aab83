import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Notification
from gongzhi.economy import selectors, services
from gongzhi.economy.codes import make_uscc, uscc_check_character, uscc_is_valid
from gongzhi.economy.models import Invoice, Lease, Payment, ShopUnit, Tenant

from . import factories as f

D = Decimal
d = datetime.date


@pytest.fixture
def street(tree):
    project = f.project(tree.community_a)
    return project


def _2026(lease):
    return {i.period_start: i.amount for i in lease.invoices.filter(period_start__year=2026)}


# --- Identifiers -----------------------------------------------------------------------------


def test_uscc_check_character_follows_gb32100():
    # The example printed in many official guides.
    assert uscc_is_valid("91350100M000100Y43")
    assert uscc_check_character("91350100M000100Y4") == "3"
    assert not uscc_is_valid("91350100M000100Y44")  # wrong check character
    assert not uscc_is_valid("91350100M000100Y4")  # too short
    assert not uscc_is_valid("91350100I000100Y43")  # I is not in the character set
    assert uscc_is_valid(" 91350100m000100y43 ".strip().upper())


@pytest.mark.parametrize(
    ("kind", "field", "value", "code"),
    [
        ("enterprise", "credit_code", "91350100M000100Y44", "invalid_credit_code"),
        ("enterprise", "credit_code", "", "invalid_credit_code"),
        ("individual", "id_number", "540102198503020011", "invalid_id_number"),
        ("individual", "id_number", "54010219850302001", "invalid_id_number"),
    ],
)
def test_tenant_with_a_bad_identifier_is_refused(tree, kind, field, value, code):
    with pytest.raises(ApplicationError) as exc:
        services.tenant_create(actor=None, org_unit=tree.community_a, kind=kind, name="x", **{field: value})
    assert exc.value.code == code
    assert Tenant.objects.count() == 0


def test_individual_id_number_is_encrypted_and_unique(tree):
    t = f.individual(tree.community_a)
    assert t.id_number.startswith("540102")
    with connection.cursor() as c:
        c.execute("SELECT id_number FROM economy_tenant WHERE id = %s", [t.pk])
        raw = c.fetchone()[0]
    assert "540102" not in raw
    assert t.masked_id_number.endswith(t.id_number[-4:]) and "*" in t.masked_id_number
    with pytest.raises(ApplicationError) as exc:
        services.tenant_create(
            actor=None, org_unit=tree.community_a, kind="individual", name="y", id_number=t.id_number
        )
    assert exc.value.status == 409


def test_duplicate_credit_code_refused(tree):
    code = make_uscc("92540102MA6T12345")
    f.enterprise(tree.community_a, credit_code=code)
    with pytest.raises(ApplicationError):
        f.enterprise(tree.community_a, name="other", credit_code=code)
    # Another community may register the same enterprise.
    assert f.enterprise(tree.community_b, credit_code=code).pk


# --- Rent arithmetic -------------------------------------------------------------------------


def test_a_year_of_invoices_with_rent_free_months_and_a_mid_year_increase(street):
    unit = f.unit(street, area="50.00")  # 60 yuan/m²/month → 3,000 yuan a month
    tenant = f.enterprise(street.org_unit)
    lease = f.lease(
        unit, tenant, d(2025, 11, 1), d(2028, 10, 31), rent_free_months=3, yearly_increase_pct=D("5")
    )
    services.invoices_generate(actor=None, as_of=d(2026, 12, 31))
    amounts = _2026(lease)
    # January is the third rent-free month; February to October at 3,000; from November (the
    # second lease year) 5 % more.
    assert d(2026, 1, 1) not in amounts
    assert [amounts[d(2026, m, 1)] for m in range(2, 11)] == [D("3000.00")] * 9
    assert amounts[d(2026, 11, 1)] == amounts[d(2026, 12, 1)] == D("3150.00")
    assert sum(amounts.values()) == D("33300.00")
    assert lease.invoices.count() == 11  # Nov, Dec 2025 and Jan 2026 free
    inv = lease.invoices.get(period_start=d(2026, 2, 1))
    assert inv.period_end == d(2026, 2, 28) and inv.due_date == d(2026, 2, 16)


def test_quarterly_invoices_sum_their_months(street):
    unit = f.unit(street, area="50.00")
    lease = f.lease(
        unit,
        f.enterprise(street.org_unit),
        d(2025, 11, 1),
        d(2027, 10, 31),
        rent_free_months=2,
        yearly_increase_pct=D("5"),
        payment_cycle="quarterly",
    )
    services.invoices_generate(actor=None, as_of=d(2027, 12, 31))
    amounts = [i.amount for i in lease.invoices.order_by("period_start")]
    # Nov-Jan (two free) 3000; Feb-Apr, May-Jul, Aug-Oct 9000; then 3 × 3150 twice, then Aug-Oct 2027.
    assert amounts == [
        D("3000.00"),
        D("9000.00"),
        D("9000.00"),
        D("9000.00"),
        D("9450.00"),
        D("9450.00"),
        D("9450.00"),
        D("9450.00"),
    ]


def test_amounts_round_half_up_to_the_fen(street):
    unit = f.unit(street, area="10.10")
    lease = f.lease(unit, f.enterprise(street.org_unit), d(2026, 1, 1), d(2026, 12, 31), rent_rate=D("20.05"))
    services.invoices_generate(actor=None, as_of=d(2026, 1, 1))
    # 20.05 × 10.10 = 202.505 → 202.51 (banker's rounding would give 202.50).
    assert lease.invoices.get().amount == D("202.51")


def test_a_short_last_month_is_charged_by_days(street):
    unit = f.unit(street, area="10.00")
    lease = f.lease(
        unit,
        f.enterprise(street.org_unit),
        d(2026, 1, 1),
        d(2026, 3, 10),
        rent_basis="fixed",
        rent_rate=D("3100.00"),
    )
    services.invoices_generate(actor=None, as_of=d(2026, 3, 31))
    assert lease.invoices.get(period_start=d(2026, 3, 1)).amount == D("1000.00")  # 10 of 31 days


def test_generating_twice_makes_no_duplicates(street):
    lease = f.lease(f.unit(street), f.enterprise(street.org_unit), d(2026, 1, 1), d(2026, 12, 31))
    first = services.invoices_generate(actor=None, as_of=d(2026, 6, 30))
    again = services.invoices_generate(actor=None, as_of=d(2026, 6, 30))
    assert len(first) == 6 and again == []
    assert lease.invoices.count() == 6
    later = services.invoices_generate(actor=None, as_of=d(2026, 7, 1))
    assert [i.period_start for i in later] == [d(2026, 7, 1)]


def test_database_refuses_a_second_invoice_for_a_period(street):
    lease = f.lease(f.unit(street), f.enterprise(street.org_unit), d(2026, 1, 1), d(2026, 12, 31))
    inv = services.invoices_generate(actor=None, as_of=d(2026, 1, 1))[0]
    dup = Invoice(
        org_unit=inv.org_unit,
        lease=lease,
        number="X",
        period_start=inv.period_start,
        period_end=inv.period_end,
        due_date=inv.due_date,
        amount=inv.amount,
    )
    with pytest.raises(ValidationError):
        dup.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        dup.save()


# --- Leases ----------------------------------------------------------------------------------


def test_overlapping_leases_are_refused(street):
    unit = f.unit(street)
    tenant = f.enterprise(street.org_unit)
    f.lease(unit, tenant, d(2026, 1, 1), d(2026, 12, 31))
    for start, end in [
        (d(2026, 12, 31), d(2027, 6, 30)),
        (d(2025, 6, 1), d(2026, 1, 1)),
        (d(2026, 3, 1), d(2026, 4, 1)),
    ]:
        with pytest.raises(ApplicationError) as exc:
            f.lease(unit, tenant, start, end)
        assert exc.value.code == "lease_overlap" and exc.value.status == 409
    # The day after the end is free; so is another unit.
    assert f.lease(unit, tenant, d(2027, 1, 1), d(2027, 12, 31)).pk
    assert f.lease(f.unit(street, "A102"), tenant, d(2026, 1, 1), d(2026, 12, 31)).pk
    assert Lease.objects.count() == 3


def test_start_must_be_before_end(street):
    unit = f.unit(street)
    tenant = f.enterprise(street.org_unit)
    with pytest.raises(ApplicationError) as exc:
        f.lease(unit, tenant, d(2026, 5, 1), d(2026, 5, 1))
    assert exc.value.code == "invalid_dates"
    lease = f.lease(unit, tenant, d(2026, 1, 1), d(2026, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        Lease.objects.filter(pk=lease.pk).update(end_date=d(2025, 12, 1))


@pytest.mark.postgres
def test_the_database_refuses_overlapping_leases(street):
    unit = f.unit(street)
    lease = f.lease(unit, f.enterprise(street.org_unit), d(2026, 1, 1), d(2026, 12, 31))
    lease.pk = None
    lease.number = "copy"
    lease.start_date = d(2026, 6, 1)
    lease.end_date = d(2027, 5, 31)
    with pytest.raises(IntegrityError), transaction.atomic():
        lease.save()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_leasing_one_unit_at_once_make_one_lease(tree):
    project = f.project(tree.community_a)
    unit = f.unit(project)
    tenants = [f.enterprise(tree.community_a, name=f"t{i}") for i in range(4)]
    barrier = threading.Barrier(4)
    results = []

    def work(tenant):
        try:
            barrier.wait()
            f.lease(unit, tenant, d(2026, 1, 1), d(2026, 12, 31))
            results.append("ok")
        except ApplicationError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(t,)) for t in tenants]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["lease_overlap"] * 3 + ["ok"]
    assert Lease.objects.filter(unit=unit).count() == 1


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"rent_rate": D("-1")}, "rent_rate"),
        ({"rent_rate": D("10.001")}, "rent_rate"),
        ({"rent_rate": "abc"}, "rent_rate"),
        ({"rent_free_months": 12}, "rent_free_months"),
        ({"yearly_increase_pct": D("-3")}, "yearly_increase_pct"),
        ({"payment_cycle": "weekly"}, "payment_cycle"),
        ({"deposit": D("-5")}, "deposit"),
    ],
)
def test_bad_lease_terms_are_refused(street, kw, field):
    with pytest.raises(ApplicationError) as exc:
        f.lease(f.unit(street), f.enterprise(street.org_unit), d(2026, 1, 1), d(2026, 12, 31), **kw)
    assert exc.value.field == field
    assert Lease.objects.count() == 0


def test_tenant_of_another_community_cannot_lease(street, tree):
    with pytest.raises(ApplicationError):
        f.lease(f.unit(street), f.enterprise(tree.community_b), d(2026, 1, 1), d(2026, 12, 31))


def test_lease_makes_the_unit_let_and_the_daily_run_frees_it(street, monkeypatch):
    unit = f.unit(street)
    today = datetime.date.today()
    lease = f.lease(
        unit,
        f.enterprise(street.org_unit),
        today - datetime.timedelta(days=40),
        today + datetime.timedelta(days=10),
    )
    unit.refresh_from_db()
    assert unit.status == ShopUnit.Status.LET
    result = services.leases_daily(as_of=today + datetime.timedelta(days=11))
    unit.refresh_from_db()
    lease.refresh_from_db()
    assert unit.status == ShopUnit.Status.VACANT and lease.status == Lease.Status.EXPIRED
    assert result["expired"] == 1
    assert lease.transitions.get().to_status == "expired"


def test_renewal_starts_the_next_day_and_carries_the_deposit(street):
    lease = f.lease(
        f.unit(street), f.enterprise(street.org_unit), d(2025, 1, 1), d(2025, 12, 31), deposit=D("9000.00")
    )
    services.deposit_receive(actor=None, lease=lease, received_on=d(2025, 1, 1))
    new = services.lease_renew(actor=None, lease=lease, end_date=d(2027, 12, 31), rent_rate=D("63.00"))
    lease.refresh_from_db()
    assert new.start_date == d(2026, 1, 1) and new.previous == lease and new.rent_rate == D("63.00")
    assert lease.status == Lease.Status.RENEWED and new.status == Lease.Status.ACTIVE
    assert (
        new.deposit_status == Lease.DepositStatus.HELD
        and lease.deposit_status == Lease.DepositStatus.RETURNED
    )
    with pytest.raises(ApplicationError):
        services.lease_renew(actor=None, lease=lease, end_date=d(2028, 12, 31))


def test_early_termination_settles_rent_refund_and_deposit(street):
    unit = f.unit(street, area="50.00")  # 3,000 a month
    lease = f.lease(
        unit,
        f.enterprise(street.org_unit),
        d(2026, 1, 1),
        d(2026, 12, 31),
        payment_cycle="quarterly",
        deposit=D("6000.00"),
    )
    services.deposit_receive(actor=None, lease=lease, received_on=d(2026, 1, 1))
    services.invoices_generate(actor=None, as_of=d(2026, 4, 30))
    q1, q2 = lease.invoices.order_by("period_start")
    services.payment_record(actor=None, invoice=q1, amount=D("9000.00"), paid_on=d(2026, 1, 10))
    services.payment_record(actor=None, invoice=q2, amount=D("9000.00"), paid_on=d(2026, 4, 10))
    # Leaves at the end of May: June's rent (3,000) was paid in advance and is refunded.
    s = services.lease_terminate(
        actor=None, lease=lease, termination_date=d(2026, 5, 31), reason="搬迁", penalty=D("1000.00")
    )
    q2.refresh_from_db()
    lease.refresh_from_db()
    assert q2.amount == D("6000.00") and q2.paid_amount == D("6000.00") and q2.status == "paid"
    assert s.credit == D("3000.00") and s.rent_outstanding == D("0.00")
    assert s.deposit_applied == D("1000.00") and s.deposit_refund == D("5000.00")
    assert s.net_due == D("0.00") and s.refund_due == D("8000.00")
    assert lease.status == Lease.Status.TERMINATED and lease.end_date == d(2026, 5, 31)
    assert lease.agreed_end_date == d(2026, 12, 31)
    assert Payment.objects.filter(amount__lt=0).get().amount == D("-3000.00")
    # Nothing more is invoiced after the termination.
    assert services.invoices_generate(actor=None, as_of=d(2026, 12, 31)) == []
    # The unit can be let again from June.
    assert f.lease(unit, f.enterprise(street.org_unit, name="新租户"), d(2026, 6, 1), d(2027, 5, 31)).pk


def test_termination_with_arrears_takes_them_from_the_deposit(street):
    lease = f.lease(
        f.unit(street, area="50.00"),
        f.enterprise(street.org_unit),
        d(2026, 1, 1),
        d(2026, 12, 31),
        deposit=D("5000.00"),
    )
    services.deposit_receive(actor=None, lease=lease, received_on=d(2026, 1, 1))
    s = services.lease_terminate(actor=None, lease=lease, termination_date=d(2026, 2, 14))
    # January 3,000 + half of February (14/28 × 3,000 = 1,500) unpaid; the deposit pays 4,500.
    assert s.rent_outstanding == D("4500.00") and s.deposit_applied == D("4500.00")
    assert s.deposit_refund == D("500.00") and s.net_due == D("0.00")
    assert set(lease.invoices.values_list("status", flat=True)) == {"paid"}


# --- Payments --------------------------------------------------------------------------------


def test_partial_payments_and_the_balance(street):
    f.lease(f.unit(street, area="50.00"), f.enterprise(street.org_unit), d(2026, 1, 1), d(2026, 12, 31))
    inv = services.invoices_generate(actor=None, as_of=d(2026, 1, 1))[0]
    p1 = services.payment_record(actor=None, invoice=inv, amount=D("1000.00"), paid_on=d(2026, 1, 5))
    inv.refresh_from_db()
    assert inv.status == "partial" and inv.balance == D("2000.00")
    assert p1.receipt_number.startswith("SJ2026-")
    with pytest.raises(ApplicationError) as exc:
        services.payment_record(actor=None, invoice=inv, amount=D("2000.01"), paid_on=d(2026, 1, 6))
    assert exc.value.code == "overpayment"
    for bad in (D("0"), D("-5"), D("1.005")):
        with pytest.raises(ApplicationError):
            services.payment_record(actor=None, invoice=inv, amount=bad, paid_on=d(2026, 1, 6))
    with pytest.raises(ApplicationError):
        services.payment_record(
            actor=None, invoice=inv, amount=D("1"), paid_on=datetime.date.today() + datetime.timedelta(days=2)
        )
    services.payment_record(actor=None, invoice=inv, amount=D("2000.00"), paid_on=d(2026, 1, 6))
    inv.refresh_from_db()
    assert inv.status == "paid" and inv.balance == 0
    with pytest.raises(ApplicationError) as exc:
        services.payment_record(actor=None, invoice=inv, amount=D("1"), paid_on=d(2026, 1, 6))
    assert exc.value.code == "already_paid"


def test_deposit_is_returned_only_after_the_lease(street):
    lease = f.lease(
        f.unit(street), f.enterprise(street.org_unit), d(2026, 1, 1), d(2026, 12, 31), deposit=D("6000.00")
    )
    with pytest.raises(ApplicationError):
        services.deposit_return(actor=None, lease=lease, amount=D("6000.00"), returned_on=d(2027, 1, 5))
    services.deposit_receive(actor=None, lease=lease, received_on=d(2026, 1, 1))
    with pytest.raises(ApplicationError):
        services.deposit_return(actor=None, lease=lease, amount=D("6000.00"), returned_on=d(2026, 6, 1))
    with pytest.raises(ApplicationError):
        services.deposit_return(actor=None, lease=lease, amount=D("6000.01"), returned_on=d(2027, 1, 5))
    services.deposit_return(
        actor=None, lease=lease, amount=D("5500.00"), returned_on=d(2027, 1, 5), note="门锁损坏"
    )
    lease.refresh_from_db()
    assert lease.deposit_status == "returned" and lease.deposit_returned == D("5500.00")


# --- Arrears ---------------------------------------------------------------------------------


def test_arrears_ageing_at_month_ends(street, tree, make_user):
    staff = make_user("finance_staff", tree.community_a)
    lease = f.lease(
        f.unit(street, area="50.00"),
        f.enterprise(street.org_unit, name="欠租商户"),
        d(2026, 1, 1),
        d(2026, 12, 31),
    )
    services.invoices_generate(actor=None, as_of=d(2026, 4, 30))
    jan = lease.invoices.get(period_start=d(2026, 1, 1))  # due 16 Jan
    services.payment_record(actor=None, invoice=jan, amount=D("1000.00"), paid_on=d(2026, 2, 10))

    def buckets(day):
        report = selectors.arrears(user=staff, as_of=day)
        return dict(report["totals"].items()), report

    b, report = buckets(d(2026, 1, 31))  # January 15 days late, nothing paid yet
    assert b == {"0_30": D("3000.00"), "31_90": 0, "90_plus": 0}
    assert report["rows"][0].tenant.name == "欠租商户"
    b, _ = buckets(d(2026, 2, 28))  # Jan 43 days (2,000 left), Feb 12 days
    assert b == {"0_30": D("3000.00"), "31_90": D("2000.00"), "90_plus": 0}
    b, _ = buckets(d(2026, 3, 31))  # Jan 74, Feb 43, Mar 15
    assert b == {"0_30": D("3000.00"), "31_90": D("5000.00"), "90_plus": 0}
    b, report = buckets(d(2026, 4, 30))  # Jan 104, Feb 73, Mar 45, Apr 14
    assert b == {"0_30": D("3000.00"), "31_90": D("6000.00"), "90_plus": D("2000.00")}
    assert report["total"] == D("11000.00")
    # Paying off January later does not change what the books showed at the end of April.
    services.payment_record(actor=None, invoice=jan, amount=D("2000.00"), paid_on=d(2026, 5, 3))
    assert buckets(d(2026, 4, 30))[0]["90_plus"] == D("2000.00")
    may = selectors.arrears(user=staff, as_of=d(2026, 5, 31))
    assert [i.period_start for i in may["rows"][0].invoices][0] == d(2026, 2, 1)  # January is settled
    assert may["totals"]["90_plus"] == D("3000.00")  # February, due 16 Feb, is now 104 days late
    # Another community's staff sees none of it.
    other = make_user("finance_staff", tree.community_b)
    assert selectors.arrears(user=other, as_of=d(2026, 4, 30))["rows"] == []


# --- Income, allocations, reminders ----------------------------------------------------------


def test_income_report_against_the_target(street, tree):
    u1 = f.unit(street, "A101", area="50.00")
    f.unit(street, "A102", area="50.00")
    lease = f.lease(u1, f.enterprise(street.org_unit), d(2026, 1, 1), d(2026, 12, 31), rent_free_months=1)
    services.invoices_generate(actor=None, as_of=d(2026, 3, 31))
    feb = lease.invoices.get(period_start=d(2026, 2, 1))
    services.payment_record(actor=None, invoice=feb, amount=D("3000.00"), paid_on=d(2026, 2, 20))
    report = selectors.income_report(project=street, year=2026)
    months = report["months"]
    assert months[0]["expected"] == 0 and months[1]["expected"] == D("3000.00")
    assert report["totals"]["expected"] == D("33000.00")
    assert report["totals"]["invoiced"] == D("6000.00")
    assert months[1]["collected"] == D("3000.00") and report["totals"]["collected"] == D("3000.00")
    assert months[0]["occupancy"] == D("50.0")
    assert report["target"] == D("4500000.00") and report["expected_pct"] == D("0.7")
    with pytest.raises(ApplicationError) as exc:
        services.allocation_create(
            actor=None,
            project=street,
            year=2026,
            category="maintenance",
            amount=D("3000.01"),
            decided_on=d(2026, 3, 1),
        )
    assert exc.value.code == "over_allocation"
    services.allocation_create(
        actor=None,
        project=street,
        year=2026,
        category="distribution",
        amount=D("2000.00"),
        decided_on=d(2026, 3, 1),
    )
    report = selectors.income_report(project=street, year=2026)
    assert report["allocated"] == D("2000.00") and report["unallocated"] == D("1000.00")


def test_expiry_reminders_90_60_30_days_ahead(street, tree, make_user, django_capture_on_commit_callbacks):
    staff = make_user("finance_staff", tree.community_a)
    secretary = make_user("secretary", tree.community_a)
    make_user("partner_staff", tree.community_a)
    make_user("finance_staff", tree.community_b)
    end = d(2026, 12, 31)
    f.lease(f.unit(street), f.enterprise(street.org_unit), d(2026, 1, 1), end)

    def run(day):
        with django_capture_on_commit_callbacks(execute=True):
            return services.reminders_send(as_of=day)

    assert run(end - datetime.timedelta(days=91)) == 0
    assert run(end - datetime.timedelta(days=90)) == 1
    assert run(end - datetime.timedelta(days=89)) == 0  # once per threshold
    assert run(end - datetime.timedelta(days=60)) == 1
    assert run(end - datetime.timedelta(days=30)) == 1
    assert run(end - datetime.timedelta(days=29)) == 0
    assert Notification.objects.filter(user=staff).count() == 3
    assert Notification.objects.filter(user=secretary).count() == 3
    assert Notification.objects.count() == 6
    assert "30 天后" in Notification.objects.filter(user=staff).first().title


def test_a_mistaken_payment_is_reversed_not_edited(street):
    f.lease(f.unit(street, area="50.00"), f.enterprise(street.org_unit), d(2026, 1, 1), d(2026, 12, 31))
    inv = services.invoices_generate(actor=None, as_of=d(2026, 1, 1))[0]
    wrong = services.payment_record(actor=None, invoice=inv, amount=D("3000.00"), paid_on=d(2026, 1, 5))
    with pytest.raises(ApplicationError):
        services.payment_reverse(actor=None, payment=wrong, reason="  ")
    reversal = services.payment_reverse(actor=None, payment=wrong, reason="记错了商户", on=d(2026, 1, 6))
    inv.refresh_from_db()
    assert reversal.amount == D("-3000.00") and reversal.reverses == wrong
    assert inv.status == "open" and inv.balance == D("3000.00")
    assert Payment.objects.filter(invoice=inv).count() == 2  # the original stays in the ledger
    with pytest.raises(ApplicationError) as exc:
        services.payment_reverse(actor=None, payment=wrong, reason="again")
    assert exc.value.code == "already_reversed"
    with pytest.raises(ApplicationError):
        services.payment_reverse(actor=None, payment=reversal, reason="undo")
    # The collected income of January nets to zero.
    assert selectors.income_report(project=street, year=2026)["months"][0]["collected"] == 0
