"""Random sequences of awards, redemptions, cancellations, reversals and restocks. After every step:
each balance equals the sum of its entries and is >= 0, each stock equals the sum of its
movements and is >= 0, and both match a simple model of what should have happened (so a refusal
where success was due, or the reverse, fails too)."""

import itertools

import pytest
from django.db import transaction
from django.db.models import Q, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from gongzhi.core.errors import ApplicationError
from gongzhi.points import selectors, services
from gongzhi.points.models import PointAccount, PointEntry, Reward, StockMovement

pytestmark = pytest.mark.django_db

keys = itertools.count(1)


def test_the_ledger_and_the_stock_hold_under_random_operations(bank):
    residents = [bank.alice, bank.bob]
    rewards = [bank.reward("大米", price=30, stock=3, limit=4), bank.reward("肥皂", price=7, stock=1)]

    class Ledger(RuleBasedStateMachine):
        awards = Bundle("awards")
        redemptions = Bundle("redemptions")

        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.balance = {r.pk: 0 for r in residents}
            self.stock = {w.pk: w.stock for w in rewards}
            self.taken = {(r.pk, w.pk): 0 for r in residents for w in rewards}
            self.reversed = set()
            self.cancelled = set()

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def account(self, resident):
            return services.account_open(actor=None, resident=resident)

        @rule(target=awards, who=st.sampled_from(residents), n=st.integers(1, 10))
        def award(self, who, n):
            entry = bank.award(who, "cleanup", n, key=f"h{next(keys)}").entry
            self.balance[who.pk] += 5 * n
            return (who, entry)

        @rule(
            target=redemptions,
            who=st.sampled_from(residents),
            what=st.sampled_from(rewards),
            n=st.integers(1, 3),
        )
        def redeem(self, who, what, n):
            cost = what.points_price * n
            expected = (
                self.balance[who.pk] >= cost
                and self.stock[what.pk] >= n
                and (
                    what.per_person_monthly_limit is None
                    or self.taken[(who.pk, what.pk)] + n <= what.per_person_monthly_limit
                )
            )
            try:
                red = services.redemption_create(
                    actor=bank.staff,
                    account=self.account(who),
                    items=[(what, n)],
                    idempotency_key=f"h{next(keys)}",
                ).redemption
            except ApplicationError as exc:
                assert not expected, exc.code
                assert exc.code in {"insufficient_points", "out_of_stock", "limit_exceeded"}
                return None
            assert expected
            self.balance[who.pk] -= cost
            self.stock[what.pk] -= n
            self.taken[(who.pk, what.pk)] += n
            return (who, what, n, red)

        @rule(item=redemptions)
        def cancel(self, item):
            if item is None:
                return
            who, what, n, red = item
            try:
                services.redemption_cancel(actor=bank.staff, redemption=red)
            except ApplicationError as exc:
                assert red.pk in self.cancelled and exc.code == "invalid_state"
                return
            assert red.pk not in self.cancelled
            self.cancelled.add(red.pk)
            self.balance[who.pk] += what.points_price * n
            self.stock[what.pk] += n
            self.taken[(who.pk, what.pk)] -= n

        @rule(item=awards)
        def reverse(self, item):
            who, entry = item
            try:
                services.entry_reverse(actor=bank.staff, entry=entry, reason="更正")
            except ApplicationError as exc:
                assert entry.pk in self.reversed or self.balance[who.pk] < entry.points, exc.code
                return
            assert entry.pk not in self.reversed and self.balance[who.pk] >= entry.points
            self.reversed.add(entry.pk)
            self.balance[who.pk] -= entry.points

        @rule(what=st.sampled_from(rewards), n=st.integers(1, 5))
        def restock(self, what, n):
            services.stock_restock(actor=bank.staff, reward=what, quantity=n)
            self.stock[what.pk] += n

        @invariant()
        def balances_equal_their_entries(self):
            for resident in residents:
                acc = PointAccount.objects.filter(resident=resident).first()
                if acc is None:
                    assert self.balance[resident.pk] == 0
                    continue
                sums = PointEntry.objects.filter(account=acc).aggregate(
                    total=Sum("points"), earned=Sum("points", filter=Q(kind__in=PointEntry.EARNING_KINDS))
                )
                assert acc.balance == (sums["total"] or 0) == self.balance[resident.pk]
                assert acc.balance >= 0
                assert acc.lifetime_earned == (sums["earned"] or 0) >= acc.balance

        @invariant()
        def stock_equals_its_movements(self):
            for reward in rewards:
                stock = Reward.objects.get(pk=reward.pk).stock
                moved = StockMovement.objects.filter(reward=reward).aggregate(n=Sum("quantity"))["n"] or 0
                assert stock == moved == self.stock[reward.pk] >= 0

        @invariant()
        def verify_is_clean(self):
            assert selectors.verify() == []

    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=20,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
