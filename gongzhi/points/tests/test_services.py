import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.points import selectors, services
from gongzhi.points.models import (
    AppendOnlyError,
    AwardRequest,
    PointAccount,
    PointEntry,
    Redemption,
    Reward,
    StockMovement,
)

from .conftest import backdated_award, make_resident

pytestmark = pytest.mark.django_db


def account(resident):
    return services.account_open(actor=None, resident=resident)


# --- awards ---------------------------------------------------------------------------------------


def test_the_same_award_twice_with_one_key_makes_one_entry(bank):
    first = bank.award(bank.alice, "volunteer", 3, key="act-7:alice")
    second = bank.award(bank.alice, "volunteer", 3, key="act-7:alice")
    assert first.created and not second.created
    assert second.entry.pk == first.entry.pk
    acc = account(bank.alice)
    assert acc.balance == 3 and acc.lifetime_earned == 3
    assert PointEntry.objects.filter(account=acc).count() == 1


def test_the_idempotency_key_is_unique_per_account_in_the_database(bank):
    entry = bank.award(bank.alice, key="dup").entry
    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(
            account=entry.account, org_unit=entry.org_unit, kind="award", points=1, idempotency_key="dup"
        )
    # The same key on another account is a different award.
    assert bank.award(bank.bob, key="dup").created


def test_hours_times_points_per_hour(bank):
    assert bank.award(bank.alice, "volunteer", "2.5").entry.points == 3  # 2.5 h at 1/h, rounded half up
    assert account(bank.alice).balance == 3


@pytest.mark.parametrize(
    ("rule_code", "quantity", "code"),
    [
        ("nonsense", 1, "unknown_rule"),
        ("cleanup", 0, "invalid"),
        ("cleanup", -2, "invalid"),
        ("cleanup", "abc", "invalid"),
        ("cleanup", 1.5, "invalid"),  # occurrences are whole
        ("cleanup", 100000, "invalid"),
        ("activity", 1, "needs_confirmation"),
    ],
)
def test_bad_awards_are_refused_and_change_nothing(bank, rule_code, quantity, code):
    with pytest.raises(ApplicationError) as exc:
        bank.award(bank.alice, rule_code, quantity)
    assert exc.value.code == code
    assert PointEntry.objects.count() == 0


def test_an_empty_idempotency_key_is_refused(bank):
    with pytest.raises(ApplicationError) as exc:
        services.award_create(actor=bank.staff, resident=bank.alice, rule_code="cleanup", idempotency_key=" ")
    assert exc.value.field == "idempotency_key"


def test_a_rule_out_of_its_validity_is_refused(bank):
    today = timezone.localdate()
    services.rule_update(
        actor=bank.staff,
        rule=bank.cleanup,
        valid_from=today - datetime.timedelta(days=30),
        valid_until=today - datetime.timedelta(days=1),
    )
    with pytest.raises(ApplicationError) as exc:
        bank.award(bank.alice)
    assert exc.value.code == "rule_inactive"


def test_a_confirmed_activity_award_passes_with_its_source(bank):
    result = services.award_create(
        actor=bank.staff,
        resident=bank.alice,
        rule_code="activity",
        idempotency_key="a1",
        source="activities.attendance:1",
    )
    assert result.entry.points == 3 and result.entry.source == "activities.attendance:1"


def test_the_daily_cap(bank):
    bank.award(bank.alice, "volunteer", 6)
    with pytest.raises(ApplicationError) as exc:
        bank.award(bank.alice, "volunteer", 3)
    assert exc.value.code == "cap_exceeded"
    bank.award(bank.alice, "volunteer", 2)  # exactly up to the cap
    assert account(bank.alice).balance == 8
    # Another person has their own cap.
    bank.award(bank.bob, "volunteer", 8)


def test_the_yearly_cap_counts_earlier_days(bank):
    acc = account(bank.alice)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    if yesterday.year == timezone.now().year:
        backdated_award(acc, 195, yesterday, rule=bank.volunteer)
        with pytest.raises(ApplicationError) as exc:
            bank.award(bank.alice, "volunteer", 6)
        assert exc.value.code == "cap_exceeded"
        bank.award(bank.alice, "volunteer", 5)
        assert account(bank.alice).balance == 200


def test_a_reversed_award_no_longer_counts_against_the_cap(bank):
    entry = bank.award(bank.alice, "volunteer", 8).entry
    services.entry_reverse(actor=bank.staff, entry=entry, reason="录错了人")
    bank.award(bank.alice, "volunteer", 8)
    assert account(bank.alice).balance == 8


# --- maker-checker --------------------------------------------------------------------------------


def test_an_award_above_the_threshold_waits_for_a_second_staff_member(bank):
    result = services.award_submit(
        actor=bank.staff,
        resident=bank.alice,
        rule_code="mediation",
        quantity=3,
        idempotency_key="m1",
        note="调解邻里纠纷",
    )
    assert isinstance(result, AwardRequest) and result.points == 60
    assert account(bank.alice).balance == 0
    # award_create refuses it outright.
    with pytest.raises(ApplicationError) as exc:
        bank.award(bank.alice, "mediation", 3)
    assert exc.value.code == "needs_approval"
    # The maker cannot approve their own award.
    with pytest.raises(ApplicationError) as exc:
        services.award_request_approve(actor=bank.staff, award_request=result)
    assert exc.value.code == "own_award"
    entry = services.award_request_approve(actor=bank.staff2, award_request=result)
    assert entry.approved_by == bank.staff2 and entry.points == 60
    assert account(bank.alice).balance == 60
    # Submitting the same award again returns the entry, and deciding twice is refused.
    again = services.award_submit(
        actor=bank.staff, resident=bank.alice, rule_code="mediation", quantity=3, idempotency_key="m1"
    )
    assert again.entry.pk == entry.pk and not again.created
    with pytest.raises(ApplicationError) as exc:
        services.award_request_approve(actor=bank.staff2, award_request=result)
    assert exc.value.code == "invalid_state"


def test_a_rejected_award_gives_no_points(bank):
    req = services.award_submit(
        actor=bank.staff, resident=bank.alice, rule_code="mediation", quantity=3, idempotency_key="m2"
    )
    services.award_request_reject(actor=bank.staff2, award_request=req, reason="无记录")
    req.refresh_from_db()
    assert req.state == "rejected" and account(bank.alice).balance == 0


def test_the_checker_cannot_be_the_maker_in_the_database(bank):
    req = services.award_submit(
        actor=bank.staff, resident=bank.alice, rule_code="mediation", quantity=3, idempotency_key="m3"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardRequest.objects.filter(pk=req.pk).update(decided_by=bank.staff)


def test_an_award_up_to_the_threshold_posts_at_once(bank):
    result = services.award_submit(
        actor=bank.staff, resident=bank.alice, rule_code="cleanup", quantity=10, idempotency_key="c1"
    )
    assert result.created and account(bank.alice).balance == 50


# --- the ledger -----------------------------------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted_through_the_orm(bank):
    entry = bank.award(bank.alice).entry
    entry.points = 500
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        PointEntry.objects.filter(pk=entry.pk).update(points=500)
    with pytest.raises(AppendOnlyError):
        PointEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        StockMovement.objects.all().update(quantity=1)
    assert PointEntry.objects.get(pk=entry.pk).points == 5


@pytest.mark.postgres
def test_postgres_trigger_refuses_raw_update_and_delete(bank):
    entry = bank.award(bank.alice).entry
    for sql in (
        "UPDATE points_pointentry SET points = 999 WHERE id = %s",
        "DELETE FROM points_pointentry WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert PointEntry.objects.get(pk=entry.pk).points == 5


def test_balance_cannot_go_below_zero_in_the_database(bank):
    acc = bank.fund(bank.alice, 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointAccount.objects.filter(pk=acc.pk).update(balance=F("balance") - 11)


def test_a_reversal_is_linked_and_lowers_balance_and_lifetime(bank):
    entry = bank.award(bank.alice, "cleanup", 2).entry
    reversal = services.entry_reverse(actor=bank.staff, entry=entry, reason="重复登记")
    assert reversal.reverses == entry and reversal.points == -10
    acc = account(bank.alice)
    assert (acc.balance, acc.lifetime_earned) == (0, 0)
    with pytest.raises(ApplicationError) as exc:
        services.entry_reverse(actor=bank.staff, entry=entry, reason="again")
    assert exc.value.code == "already_reversed"
    with pytest.raises(ApplicationError):
        services.entry_reverse(actor=bank.staff, entry=reversal, reason="reverse the reversal")


def test_spent_points_cannot_be_reversed(bank):
    entry = bank.award(bank.alice, "cleanup", 6).entry
    reward = bank.reward(price=20)
    services.redemption_create(
        actor=bank.staff, account=account(bank.alice), items=[(reward, 1)], idempotency_key="r"
    )
    with pytest.raises(ApplicationError) as exc:
        services.entry_reverse(actor=bank.staff, entry=entry, reason="wrong")
    assert exc.value.code == "insufficient_points"
    assert account(bank.alice).balance == 10


def test_dual_registration_keeps_two_accounts(bank):
    """A party member registered at home (A) and at their workplace's community (B) (双报到)."""
    services.rule_create(
        actor=bank.staff_b,
        org_unit=bank.tree.community_b,
        code="cleanup",
        name="清扫",
        category="environment",
        points=2,
    )
    bank.award(bank.bob, "cleanup", 1)
    services.award_create(
        actor=bank.staff_b,
        resident=bank.bob,
        rule_code="cleanup",
        idempotency_key="b1",
        org_unit=bank.tree.community_b,
    )
    home = selectors.account_for(bank.bob, bank.community)
    work = selectors.account_for(bank.bob, bank.tree.community_b)
    assert (home.balance, work.balance) == (5, 2)
    year = timezone.localdate().year
    assert [r["points"] for r in selectors.ranking_compute(bank.tree.community_b, year)] == [2]
    # Each side sees only its own accounts.
    assert list(selectors.account_list(user=bank.staff_b)) == [work]


# --- the love supermarket ------------------------------------------------------------------------


def test_a_redemption_debits_points_lowers_stock_and_keeps_lifetime(bank):
    acc = bank.fund(bank.alice, 100)
    rice = bank.reward("大米 5kg", price=30, stock=5)
    oil = bank.reward("食用油", price=20, stock=3)
    result = services.redemption_create(
        actor=bank.staff, account=acc, items=[(rice, 2), (oil, 1)], idempotency_key="r1"
    )
    red = result.redemption
    assert result.created and red.total_points == 80
    acc.refresh_from_db()
    assert (acc.balance, acc.lifetime_earned) == (20, 100)
    assert Reward.objects.get(pk=rice.pk).stock == 3 and Reward.objects.get(pk=oil.pk).stock == 2
    assert red.receipt_number.startswith("R")
    # Same key: the same redemption, nothing debited twice.
    again = services.redemption_create(actor=bank.staff, account=acc, items=[(rice, 2)], idempotency_key="r1")
    assert not again.created and again.redemption.pk == red.pk
    assert PointAccount.objects.get(pk=acc.pk).balance == 20
    assert selectors.verify() == []


@pytest.mark.parametrize(
    ("points", "stock", "limit", "quantity", "code"),
    [
        (20, 10, None, 1, "insufficient_points"),
        (300, 2, None, 3, "out_of_stock"),
        (300, 10, 2, 3, "limit_exceeded"),
    ],
)
def test_redemption_refusals_change_nothing(bank, points, stock, limit, quantity, code):
    acc = bank.fund(bank.alice, points)
    reward = bank.reward(price=30, stock=stock, limit=limit)
    with pytest.raises(ApplicationError) as exc:
        services.redemption_create(
            actor=bank.staff, account=acc, items=[(reward, quantity)], idempotency_key="x"
        )
    assert exc.value.code == code and exc.value.status == 409
    assert PointAccount.objects.get(pk=acc.pk).balance == points
    assert Reward.objects.get(pk=reward.pk).stock == stock
    assert Redemption.objects.count() == 0


def test_the_monthly_limit_counts_earlier_redemptions_but_not_cancelled_ones(bank):
    acc = bank.fund(bank.alice, 200)
    reward = bank.reward(price=10, stock=10, limit=2)
    first = services.redemption_create(
        actor=bank.staff, account=acc, items=[(reward, 2)], idempotency_key="a"
    )
    with pytest.raises(ApplicationError) as exc:
        services.redemption_create(actor=bank.staff, account=acc, items=[(reward, 1)], idempotency_key="b")
    assert exc.value.code == "limit_exceeded"
    services.redemption_cancel(actor=bank.staff, redemption=first.redemption)
    services.redemption_create(actor=bank.staff, account=acc, items=[(reward, 1)], idempotency_key="c")


@pytest.mark.parametrize("items", [[], "bad-quantity", "other-community", "inactive"])
def test_bad_redemption_items_are_refused(bank, items):
    acc = bank.fund(bank.alice, 100)
    reward = bank.reward(price=10)
    if items == "bad-quantity":
        items = [(reward, 0)]
    elif items == "other-community":
        other = services.reward_create(
            actor=bank.staff_b, org_unit=bank.tree.community_b, name="茶", points_price=5, stock=3
        )
        items = [(other, 1)]
    elif items == "inactive":
        services.reward_update(actor=bank.staff, reward=reward, is_active=False)
        items = [(reward, 1)]
    with pytest.raises(ApplicationError):
        services.redemption_create(actor=bank.staff, account=acc, items=items, idempotency_key="bad")
    assert PointAccount.objects.get(pk=acc.pk).balance == 100


def test_same_day_cancellation_reverses_points_and_stock(bank):
    acc = bank.fund(bank.alice, 60)
    reward = bank.reward(price=30, stock=4)
    red = services.redemption_create(
        actor=bank.staff, account=acc, items=[(reward, 2)], idempotency_key="c"
    ).redemption
    services.redemption_cancel(actor=bank.staff, redemption=red, reason="拿错了")
    red.refresh_from_db()
    acc.refresh_from_db()
    assert red.state == "cancelled" and acc.balance == 60 and acc.lifetime_earned == 60
    assert Reward.objects.get(pk=reward.pk).stock == 4
    with pytest.raises(ApplicationError) as exc:
        services.redemption_cancel(actor=bank.staff, redemption=red)
    assert exc.value.code == "invalid_state"
    assert selectors.verify() == []


def test_a_redemption_of_an_earlier_day_cannot_be_cancelled(bank):
    acc = bank.fund(bank.alice, 60)
    reward = bank.reward(price=30, stock=4)
    red = services.redemption_create(
        actor=bank.staff, account=acc, items=[(reward, 1)], idempotency_key="c"
    ).redemption
    Redemption.objects.filter(pk=red.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))
    with pytest.raises(ApplicationError) as exc:
        services.redemption_cancel(actor=bank.staff, redemption=red)
    assert exc.value.code == "too_late"


def test_stock_moves_only_through_movements(bank):
    reward = bank.reward(stock=5)
    services.stock_restock(actor=bank.staff, reward=reward, quantity=10, reason="街道捐赠")
    services.stock_adjust(actor=bank.staff, reward=reward, quantity=-2, reason="破损")
    with pytest.raises(ApplicationError):
        services.stock_adjust(actor=bank.staff, reward=reward, quantity=-1, reason="")
    with pytest.raises(ApplicationError) as exc:
        services.stock_adjust(actor=bank.staff, reward=reward, quantity=-14, reason="盘点")
    assert exc.value.code == "out_of_stock"
    with pytest.raises(ApplicationError):
        services.stock_restock(actor=bank.staff, reward=reward, quantity=0)
    assert Reward.objects.get(pk=reward.pk).stock == 13
    assert sorted(StockMovement.objects.filter(reward=reward).values_list("quantity", flat=True)) == [
        -2,
        5,
        10,
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.filter(pk=reward.pk).update(stock=-1)


# --- expiry ---------------------------------------------------------------------------------------


def test_points_expire_oldest_first_after_n_months(bank):
    services.policy_save(actor=bank.staff, org_unit=bank.community, approval_threshold=50, expiry_months=12)
    acc = account(bank.alice)
    now = timezone.now()
    backdated_award(acc, 40, now - datetime.timedelta(days=500))
    backdated_award(acc, 25, now - datetime.timedelta(days=30))
    reward = bank.reward(price=10, stock=5)
    # 10 points spent: they came out of the old 40.
    services.redemption_create(actor=None, account=acc, items=[(reward, 1)], idempotency_key="r")
    assert services.expiry_run() == 30
    acc.refresh_from_db()
    assert (acc.balance, acc.lifetime_earned) == (25, 65)
    assert services.expiry_run() == 0  # nothing more is due
    # A year on, the recent 25 expire too.
    assert services.expiry_run(now=now + datetime.timedelta(days=400)) == 25
    assert PointAccount.objects.get(pk=acc.pk).balance == 0
    assert selectors.verify() == []


def test_points_never_expire_by_default(bank):
    acc = account(bank.alice)
    backdated_award(acc, 40, timezone.now() - datetime.timedelta(days=3000))
    call_command("points_expire")
    assert PointAccount.objects.get(pk=acc.pk).balance == 40


# --- rankings and the public notice ---------------------------------------------------------------


def test_ranking_by_points_earned_ties_to_whoever_reached_first(bank):
    year = timezone.localdate().year
    start = timezone.make_aware(datetime.datetime(year, 1, 1, 9))
    dave = make_resident(bank.tree.grid_a1, "李明", party=True)
    eve = make_resident(bank.tree.grid_a1, "王芳", party=True)
    frank = make_resident(bank.tree.grid_a1, "陈刚", party=True)
    backdated_award(account(bank.alice), 30, start + datetime.timedelta(hours=3))
    backdated_award(account(bank.bob), 30, start + datetime.timedelta(hours=1))  # same total, earlier
    backdated_award(account(dave), 50, start)
    backdated_award(account(eve), 10, start)
    backdated_award(account(frank), 5, start)
    backdated_award(account(frank), 100, start - datetime.timedelta(days=400))  # another year
    # Spending does not lower the ranking.
    reward = bank.reward(price=20, stock=5)
    services.redemption_create(actor=None, account=account(dave), items=[(reward, 2)], idempotency_key="d")
    rows = selectors.ranking_compute(bank.community, year)
    assert [(r["name"], r["points"]) for r in rows] == [
        ("李明", 50),
        ("扎西", 30),
        ("张晓鑫", 30),
        ("王芳", 10),
        ("陈刚", 5),
    ]
    assert [r["name"] for r in rows if r["flagged"]] == ["李明", "扎西", "王芳"]
    quarter = (timezone.localdate().month - 1) // 3 + 1
    q_rows = selectors.ranking_compute(bank.community, year, 1)
    assert not any(r["flagged"] for r in q_rows)
    assert quarter in (1, 2, 3, 4)


def test_closing_a_period_freezes_its_ranking(bank):
    year = timezone.localdate().year
    bank.award(bank.alice, "cleanup", 2)
    period = services.ranking_close(actor=bank.staff, org_unit=bank.community, year=year)
    bank.award(bank.bob, "cleanup", 5)
    rows, frozen = selectors.ranking(bank.community, year)
    assert frozen == period and [(r["name"], r["points"]) for r in rows] == [("张晓鑫", 10)]
    assert [row.org_unit for row in period.rows.all()] == [bank.community]
    with pytest.raises(ApplicationError) as exc:
        services.ranking_close(actor=bank.staff, org_unit=bank.community, year=year)
    assert exc.value.code == "already_closed"
    with pytest.raises(ApplicationError):
        services.ranking_close(actor=bank.staff, org_unit=bank.community, year=year + 1)


def test_the_public_notice_masks_names(bank):
    acc = bank.fund(bank.alice, 30)
    reward = bank.reward("洗衣液", price=10, stock=5)
    services.redemption_create(actor=None, account=acc, items=[(reward, 1)], idempotency_key="n")
    notice = selectors.public_notice(bank.community, timezone.localdate().year)
    assert [r["masked_name"] for r in notice["ranking"]] == ["张*鑫"]
    assert notice["redemptions"][0]["masked_name"] == "张*鑫"
    assert notice["redemptions"][0]["items"] == [("洗衣液", 1)]


# --- verification ---------------------------------------------------------------------------------


def test_points_verify_names_each_mismatch(bank, capsys):
    acc = bank.fund(bank.alice, 20)
    reward = bank.reward("毛巾", stock=3)
    call_command("points_verify")
    PointAccount.objects.filter(pk=acc.pk).update(balance=25)
    Reward.objects.filter(pk=reward.pk).update(stock=7)
    with pytest.raises(CommandError):
        call_command("points_verify")
    out = capsys.readouterr().out
    assert (
        "balance 25 but entries sum to 20" in out
        and "毛巾" in out
        and "stock 7 but movements sum to 3" in out
    )


def test_a_manual_award_cannot_use_a_rule_the_organiser_must_confirm(bank):
    with pytest.raises(ApplicationError) as exc:
        services.award_submit(
            actor=bank.staff, resident=bank.alice, rule_code="activity", idempotency_key="m"
        )
    assert exc.value.code == "needs_confirmation"
    assert PointEntry.objects.count() == 0
