import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from conftest import SignInClient
from gongzhi.points import selectors, services
from gongzhi.points.models import PointAccount, PointEntry, Redemption, Reward

from .conftest import Bank, make_resident

pytestmark = pytest.mark.django_db

URL = "/api/v1/points"


@pytest.fixture
def login():
    """A fresh client per user (the shared `client` would switch users under earlier references)."""

    def _login(user):
        c = SignInClient()
        c.force_login(user)
        return c

    return _login


def post(client, path, body):
    return client.post(f"{URL}{path}", body, content_type="application/json")


def test_the_same_award_posted_twice_with_one_key_makes_one_entry(bank, login):
    client = login(bank.staff)
    body = {
        "resident_id": bank.alice.pk,
        "rule_code": "volunteer",
        "quantity": 3,
        "idempotency_key": "evt-1",
        "note": "扫雪",
    }
    first = post(client, "/awards", body)
    assert first.status_code == 201, first.content
    assert first.json()["balance"] == 3 and first.json()["entry"]["points"] == 3
    second = post(client, "/awards", body)
    assert second.status_code == 200
    assert second.json()["entry"]["id"] == first.json()["entry"]["id"] and second.json()["balance"] == 3
    assert PointEntry.objects.count() == 1


def test_award_refusals_answer_with_a_code(bank, login):
    client = login(bank.staff)
    base = {"resident_id": bank.alice.pk, "rule_code": "volunteer", "quantity": 1, "idempotency_key": "k"}
    assert post(client, "/awards", {**base, "rule_code": "nope"}).json()["code"] == "unknown_rule"
    assert post(client, "/awards", {**base, "quantity": 0}).status_code == 400
    assert post(client, "/awards", {**base, "quantity": "lots"}).status_code == 400
    assert post(client, "/awards", {**base, "idempotency_key": ""}).status_code == 400
    over = post(client, "/awards", {**base, "quantity": 9})
    assert over.status_code == 409 and over.json()["code"] == "cap_exceeded"
    pending = post(client, "/awards", {**base, "rule_code": "mediation", "quantity": 3})
    assert pending.status_code == 202 and pending.json()["points"] == 60
    assert PointAccount.objects.get(resident=bank.alice).balance == 0


def test_another_communitys_resident_is_not_found(bank, login):
    client = login(bank.staff)
    r = post(
        client, "/awards", {"resident_id": bank.carol.pk, "rule_code": "cleanup", "idempotency_key": "x"}
    )
    assert r.status_code == 404
    assert client.get(f"{URL}/accounts/{bank.carol.pk}").status_code == 404
    # Community B's staff cannot award with A's rules in A.
    r = post(
        login(bank.staff_b),
        "/awards",
        {
            "resident_id": bank.alice.pk,
            "rule_code": "cleanup",
            "idempotency_key": "y",
            "community_id": bank.community.pk,
        },
    )
    assert r.status_code == 404


def test_a_resident_cannot_award(bank, login, make_user):
    user = make_user("resident", bank.community)
    r = post(
        login(user), "/awards", {"resident_id": bank.alice.pk, "rule_code": "cleanup", "idempotency_key": "z"}
    )
    assert r.status_code == 404
    assert PointEntry.objects.count() == 0


def test_account_balance_and_lifetime(bank, login):
    bank.fund(bank.alice, 50)
    reward = bank.reward(price=20)
    services.redemption_create(
        actor=bank.staff,
        account=services.account_open(actor=None, resident=bank.alice),
        items=[(reward, 1)],
        idempotency_key="r",
    )
    body = login(bank.staff).get(f"{URL}/accounts/{bank.alice.pk}").json()
    assert (body["balance"], body["lifetime_earned"], body["community_id"]) == (30, 50, bank.community.pk)


def test_rules_and_rewards_lists(bank, login):
    bank.reward("大米", price=30, stock=4)
    client = login(bank.staff)
    rules = client.get(f"{URL}/rules").json()
    assert rules["count"] == 4 and {r["code"] for r in rules["items"]} == {
        "volunteer",
        "cleanup",
        "mediation",
        "activity",
    }
    assert login(bank.staff_b).get(f"{URL}/rules").json()["count"] == 0
    created = post(
        client, "/rewards", {"name": "食用油", "points_price": 25, "stock": 6, "per_person_monthly_limit": 2}
    )
    assert created.status_code == 201 and created.json()["stock"] == 6
    restocked = post(
        client, f"/rewards/{created.json()['id']}/restock", {"quantity": 4, "reason": "爱心企业捐赠"}
    )
    assert restocked.json()["stock"] == 10
    assert post(client, f"/rewards/{created.json()['id']}/restock", {"quantity": -4}).status_code == 400
    assert (
        post(login(bank.staff_b), f"/rewards/{created.json()['id']}/restock", {"quantity": 4}).status_code
        == 404
    )
    assert client.get(f"{URL}/rewards").json()["count"] == 2
    assert post(client, "/rewards", {"name": "x", "points_price": 0}).status_code == 400


def test_redemption_and_its_refusals(bank, login):
    bank.fund(bank.alice, 60)
    rice = bank.reward("大米", price=30, stock=1, limit=1)
    client = login(bank.staff)
    body = {
        "resident_id": bank.alice.pk,
        "items": [{"reward_id": rice.pk, "quantity": 1}],
        "idempotency_key": "r1",
    }
    ok = post(client, "/redemptions", body)
    assert ok.status_code == 201 and ok.json()["balance"] == 30 and ok.json()["lines"][0]["name"] == "大米"
    replay = post(client, "/redemptions", body)
    # The first answer is built from what the transaction wrote; the replay reads it back.
    assert replay.status_code == 200 and replay.json() == ok.json()
    services.stock_restock(actor=bank.staff, reward=rice, quantity=5)
    limit = post(client, "/redemptions", {**body, "idempotency_key": "r2"})
    assert limit.status_code == 409 and limit.json()["code"] == "limit_exceeded"
    soap = bank.reward("肥皂", price=40, stock=1)
    poor = post(
        client,
        "/redemptions",
        {**body, "items": [{"reward_id": soap.pk, "quantity": 1}], "idempotency_key": "r3"},
    )
    assert poor.status_code == 409 and poor.json()["code"] == "insufficient_points"
    tea = bank.reward("茶", price=1, stock=0)
    empty = post(
        client,
        "/redemptions",
        {**body, "items": [{"reward_id": tea.pk, "quantity": 1}], "idempotency_key": "r4"},
    )
    assert empty.status_code == 409 and empty.json()["code"] == "out_of_stock"
    bad = post(
        client,
        "/redemptions",
        {**body, "items": [{"reward_id": 999999, "quantity": 1}], "idempotency_key": "r5"},
    )
    assert bad.status_code == 400
    assert post(client, "/redemptions", {**body, "items": [], "idempotency_key": "r6"}).status_code == 400
    assert Redemption.objects.count() == 1 and selectors.verify() == []


def test_rankings(bank, login):
    bank.fund(bank.alice, 20)
    bank.fund(bank.bob, 30)
    year = timezone.localdate().year
    client = login(bank.staff)
    body = client.get(f"{URL}/rankings", {"period": str(year)}).json()
    assert [(r["masked_name"], r["points"], r["flagged"]) for r in body["rows"]] == [
        ("扎*", 30, True),
        ("张*鑫", 20, False),
    ]
    assert client.get(
        f"{URL}/rankings", {"period": f"{year}-Q{(timezone.localdate().month - 1) // 3 + 1}"}
    ).json()["quarter"]
    assert client.get(f"{URL}/rankings", {"period": "last year"}).status_code == 400
    assert login(bank.staff_b).get(f"{URL}/rankings", {"period": str(year)}).json()["rows"] == []


def test_the_api_is_in_the_openapi_schema(bank, login):
    paths = login(bank.staff).get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "rules",
        "accounts/{resident_id}",
        "awards",
        "rewards",
        "rewards/{reward_id}/restock",
        "redemptions",
        "rankings",
    ]:
        assert f"/api/v1/points/{path}" in paths


@pytest.mark.postgres
def test_fifty_concurrent_clients_redeem_the_last_ten_units(transactional_db, tree, make_user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    bank = Bank(tree, make_user)
    reward = bank.reward("最后的大米", price=10, stock=10)
    residents = [make_resident(tree.grid_a1, f"居民{i}") for i in range(50)]
    for resident in residents:
        bank.fund(resident, 20)
    clients = []
    for _ in residents:
        c = SignInClient()
        c.force_login(bank.staff)
        clients.append(c)
    barrier = threading.Barrier(len(residents))
    statuses, codes = [], []
    lock = threading.Lock()

    def redeem(client, resident):
        try:
            barrier.wait()
            r = post(
                client,
                "/redemptions",
                {
                    "resident_id": resident.pk,
                    "items": [{"reward_id": reward.pk, "quantity": 1}],
                    "idempotency_key": f"c{resident.pk}",
                },
            )
            with lock:
                statuses.append(r.status_code)
                if r.status_code == 409:
                    codes.append(r.json()["code"])
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=(c, r)) for c, r in zip(clients, residents)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] * 10 + [409] * 40
    assert set(codes) == {"out_of_stock"}
    assert Reward.objects.get(pk=reward.pk).stock == 0
    assert Redemption.objects.count() == 10
    assert not PointAccount.objects.filter(balance__lt=0).exists()
    assert (
        sorted(PointAccount.objects.filter(resident__in=residents).values_list("balance", flat=True))
        == [10] * 10 + [20] * 40
    )
    call_command("points_verify")


def test_a_resident_reads_their_own_account_only(bank, login):
    from gongzhi.accounts import services as account_services

    bank.fund(bank.alice, 15)
    user = account_services.user_create(actor=None, username="alice", password="Correct-Horse-42")
    account_services.role_assign(actor=None, user=user, role="resident", org_unit=bank.community)
    bank.alice.user = user
    bank.alice.save(update_fields=["user"])
    client = login(user)
    body = client.get(f"{URL}/accounts/{bank.alice.pk}").json()
    assert (body["balance"], body["lifetime_earned"]) == (15, 15)
    assert client.get(f"{URL}/accounts/{bank.bob.pk}").status_code == 404


def test_dual_registration_through_the_api(bank, login):
    """Community B's staff award Bob (party member of A) once he holds an account in B."""
    from gongzhi.points.models import PointRule

    PointRule.objects.create(
        org_unit=bank.tree.community_b, code="cleanup", name="清扫", category="environment", points=2
    )
    client = login(bank.staff_b)
    body = {"resident_id": bank.bob.pk, "rule_code": "cleanup", "idempotency_key": "b-1"}
    assert post(client, "/awards", body).status_code == 404  # not registered in B yet
    services.account_open(actor=bank.staff_b, resident=bank.bob, org_unit=bank.tree.community_b)
    r = post(client, "/awards", body)
    assert r.status_code == 201 and r.json()["balance"] == 2
    assert client.get(f"{URL}/accounts/{bank.bob.pk}").json()["balance"] == 2
    assert login(bank.staff).get(f"{URL}/accounts/{bank.bob.pk}").json()["balance"] == 0


@pytest.mark.django_db(transaction=True)  # committed fixtures: the award's transaction starts knowing nothing
def test_an_award_through_the_api_costs_a_fixed_number_of_statements(bank):
    """Token, roles, resident; then the chain's lock with its head, the account with the key
    lookup, the rule with the threshold, the entry, the balance and the audit entry
    (docs/performance.md counts them). The head is read once: the audit entry at the end reuses
    what the lock returned. (A rule with caps adds one sum per cap.)"""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gongzhi.accounts.services import token_create

    _token, secret = token_create(actor=bank.staff, user=bank.staff, name="counter")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {"community_id": bank.tree.community_a.pk, "resident_id": bank.alice.pk, "rule_code": "cleanup"}
    post(client, "/awards", {**body, "idempotency_key": "warm"})  # the account is opened once
    with CaptureQueriesContext(connection) as ctx:
        r = post(client, "/awards", {**body, "idempotency_key": "measured"})
    assert r.status_code == 201, r.content
    transaction_control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(transaction_control)]
    assert len(statements) == 9, statements
    assert sum("core_audit_lock_chain" in s or 'FROM "core_auditentry"' in s for s in statements) == 1
