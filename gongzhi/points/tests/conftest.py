"""Fixtures of the points tests: residents of community A (and one of B), a staff pair, rules."""

import datetime
import itertools

import pytest
from django.db.models import F

from gongzhi.accounts.roles import Role
from gongzhi.points import services
from gongzhi.points.models import PointAccount, PointEntry
from gongzhi.registry import services as registry_services

_n = itertools.count(1)


def make_resident(grid, name=None, party=False, household=None):
    household = household or registry_services.household_create(
        actor=None, org_unit=grid, address=f"纳金路{next(_n)}号"
    )
    return registry_services.resident_create(
        actor=None,
        household=household,
        name=name or f"居民{next(_n)}",
        gender="female",
        birth_date=datetime.date(1980, 1, 1),
        relationship_to_head="head",
        is_party_member=party,
    )


def backdated_award(account, points, when, rule=None):
    """A ledger row as if written on `when` (only tests insert rows directly; rows are still
    append-only — this inserts, never updates an entry)."""
    entry = PointEntry.objects.create(
        account=account,
        org_unit=account.org_unit,
        kind=PointEntry.Kind.AWARD,
        points=points,
        rule=rule,
        idempotency_key=f"backdated:{next(_n)}",
        created_at=when,
    )
    PointAccount.objects.filter(pk=account.pk).update(
        balance=F("balance") + points, lifetime_earned=F("lifetime_earned") + points
    )
    return entry


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The staff users of every test need no slow password hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Bank:
    def __init__(self, tree, make_user):
        self.tree = tree
        self.community = tree.community_a
        self.staff = make_user(Role.COMMUNITY_STAFF, tree.community_a, username="staff_a")
        self.staff2 = make_user(Role.SECRETARY, tree.community_a, username="secretary_a")
        self.grid_worker = make_user(Role.GRID_WORKER, tree.grid_a1, username="grid_a1")
        self.staff_b = make_user(Role.COMMUNITY_STAFF, tree.community_b, username="staff_b")
        self.alice = make_resident(tree.grid_a1, "张晓鑫")
        self.bob = make_resident(tree.grid_a2, "扎西", party=True)
        self.carol = make_resident(tree.grid_b1, "卓玛")
        services.policy_save(
            actor=self.staff, org_unit=self.community, approval_threshold=50, expiry_months=None
        )
        self.volunteer = services.rule_create(
            actor=self.staff,
            org_unit=self.community,
            code="volunteer",
            name="志愿服务",
            category="volunteer",
            unit="hour",
            points=1,
            daily_cap=8,
            yearly_cap=200,
        )
        self.cleanup = services.rule_create(
            actor=self.staff,
            org_unit=self.community,
            code="cleanup",
            name="环境整治",
            category="environment",
            points=5,
        )
        self.mediation = services.rule_create(
            actor=self.staff,
            org_unit=self.community,
            code="mediation",
            name="矛盾调解",
            category="mediation",
            points=20,
        )
        self.activity = services.rule_create(
            actor=self.staff,
            org_unit=self.community,
            code="activity",
            name="活动签到",
            category="volunteer",
            points=3,
            needs_confirmation=True,
        )

    def award(self, resident, points_rule="cleanup", quantity=1, key=None):
        return services.award_create(
            actor=self.staff,
            resident=resident,
            rule_code=points_rule,
            quantity=quantity,
            idempotency_key=key or f"k{next(_n)}",
        )

    def fund(self, resident, points):
        """Give `points` (a multiple of 5 up to 50 per call) through the clean-up rule."""
        while points > 0:
            q = min(points, 50) // 5
            self.award(resident, "cleanup", q)
            points -= q * 5
        return services.account_open(actor=None, resident=resident)

    def reward(self, name="大米 5kg", price=30, stock=10, limit=None):
        return services.reward_create(
            actor=self.staff,
            org_unit=self.community,
            name=name,
            points_price=price,
            stock=stock,
            per_person_monthly_limit=limit,
        )


@pytest.fixture
def bank(tree, make_user):
    return Bank(tree, make_user)
