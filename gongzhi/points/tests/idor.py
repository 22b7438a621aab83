"""IDOR cases of points (see core/tests/test_idor.py): an account, entry, redemption, award
request, rule or reward of community B, a staff member of community A, and A's object as control."""

import datetime
import itertools

from gongzhi.core.tests.test_idor import Case
from gongzhi.points import services
from gongzhi.registry import services as registry_services

_n = itertools.count(1)


class Community:
    """A community with a policy (awards above 20 points wait for approval), a rule and a reward,
    and one funded resident who has redeemed once."""

    def __init__(self, w, community, grid):
        self.staff = w.make_user(w.roles.COMMUNITY_STAFF, community)
        household = registry_services.household_create(
            actor=None, org_unit=grid, address=f"纳金路{next(_n)}号"
        )
        self.resident = registry_services.resident_create(
            actor=None,
            household=household,
            name="卓玛",
            gender="female",
            birth_date=datetime.date(1980, 1, 1),
            relationship_to_head="head",
        )
        services.policy_save(actor=None, org_unit=community, approval_threshold=20, expiry_months=None)
        self.rule = services.rule_create(
            actor=None, org_unit=community, code="cleanup", name="环境整治", category="environment", points=5
        )
        self.entry = services.award_submit(
            actor=self.staff, resident=self.resident, rule_code="cleanup", quantity=4, idempotency_key="a1"
        ).entry
        self.award_request = services.award_submit(
            actor=self.staff, resident=self.resident, rule_code="cleanup", quantity=5, idempotency_key="a2"
        )
        self.account = services.account_open(actor=None, resident=self.resident)
        self.reward = services.reward_create(
            actor=None, org_unit=community, name="大米 5kg", points_price=5, stock=10
        )
        self.redemption = services.redemption_create(
            actor=self.staff, account=self.account, items=[(self.reward, 1)], idempotency_key="r1"
        ).redemption


def _b(w):
    return Community(w, w.tree.community_b, w.tree.grid_b1)


def _a(w):
    return Community(w, w.tree.community_a, w.tree.grid_a1)


def _staff(w):
    return w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_a)


def of(attr, pick):
    return lambda w: getattr(pick(w), attr).pk


def _community_b(w):
    return w.tree.community_b.pk


def _community_a(w):
    return w.tree.community_a.pk


CASES = {
    "points:account_detail": Case(of("account", _b), _staff, own=of("account", _a)),
    "points:entry_reverse": Case(of("entry", _b), _staff, method="post", data={"reason": "录错了"}),
    "points:counter_resident": Case(of("resident", _b), _staff, own=of("resident", _a)),
    "points:counter_award": Case(
        of("resident", _b), _staff, method="post", data={"rule": "1", "quantity": "1"}
    ),
    "points:counter_redeem": Case(of("resident", _b), _staff, method="post", data={}),
    "points:receipt": Case(of("redemption", _b), _staff, own=of("redemption", _a)),
    "points:redemption_cancel": Case(of("redemption", _b), _staff, method="post", data={"reason": "退货"}),
    "points:approval_decide": Case(
        of("award_request", _b), _staff, method="post", data={"decision": "approve"}
    ),
    "points:rule_edit": Case(of("rule", _b), _staff, own=of("rule", _a)),
    "points:reward_detail": Case(of("reward", _b), _staff, own=of("reward", _a)),
    "points:reward_edit": Case(of("reward", _b), _staff, own=of("reward", _a)),
    # The public notice (公示) is public inside its community only.
    "points:notice": Case(_community_b, _staff, own=_community_a),
    "api:get_account": Case(of("resident", _b), _staff, own=of("resident", _a)),
    "api:restock_reward": Case(
        of("reward", _b), _staff, method="post", json={"quantity": 5, "reason": "补货"}, own=of("reward", _a)
    ),
}
