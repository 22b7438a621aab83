"""Concurrent counter requests on whichever database runs the suite (SQLite's IMMEDIATE transactions,
PostgreSQL's row locks): never a negative balance, never negative stock, never past the monthly limit.
The 50-client run on PostgreSQL is in test_api.py."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from conftest import SignInClient
from gongzhi.points.models import PointAccount, Redemption, Reward

from .conftest import Bank, make_resident

THREADS = 8


def _race(staff, bodies):
    clients = []
    for _ in bodies:
        c = SignInClient()
        c.force_login(staff)
        clients.append(c)
    barrier = threading.Barrier(len(bodies))
    results = []
    lock = threading.Lock()

    def worker(client, body):
        try:
            barrier.wait()
            r = client.post("/api/v1/points/redemptions", body, content_type="application/json")
            with lock:
                results.append(r.json()["code"] if r.status_code == 409 else r.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(c, b)) for c, b in zip(clients, bodies, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return sorted(results, key=str)


@pytest.mark.django_db(transaction=True)
def test_concurrent_clients_redeem_the_last_units_and_nothing_goes_negative(tree, make_user):
    bank = Bank(tree, make_user)
    reward = bank.reward("最后的面粉", price=10, stock=3)
    residents = [make_resident(tree.grid_a1, f"居民{i}") for i in range(THREADS)]
    for resident in residents:
        bank.fund(resident, 10)
    bodies = [
        {
            "resident_id": r.pk,
            "items": [{"reward_id": reward.pk, "quantity": 1}],
            "idempotency_key": f"k{r.pk}",
        }
        for r in residents
    ]
    results = _race(bank.staff, bodies)
    assert results.count(201) == 3 and results.count("out_of_stock") == THREADS - 3, results
    assert Reward.objects.get(pk=reward.pk).stock == 0
    assert Redemption.objects.count() == 3
    assert not PointAccount.objects.filter(balance__lt=0).exists()
    call_command("points_verify")


@pytest.mark.django_db(transaction=True)
def test_one_resident_at_several_counters_at_once_cannot_overspend_or_pass_the_limit(tree, make_user):
    bank = Bank(tree, make_user)
    cheap = bank.reward("肥皂", price=10, stock=50, limit=2)
    dear = bank.reward("大米", price=10, stock=50)
    resident = make_resident(tree.grid_a1, "多窗口")
    bank.fund(resident, 25)
    # Four counters try the limited item at once: at most two a month.
    limited = _race(
        bank.staff,
        [
            {
                "resident_id": resident.pk,
                "items": [{"reward_id": cheap.pk, "quantity": 1}],
                "idempotency_key": f"a{i}",
            }
            for i in range(4)
        ],
    )
    assert limited.count(201) == 2 and limited.count("limit_exceeded") == 2, limited
    # Five more points left: four counters at once cannot spend them on a 10-point item.
    broke = _race(
        bank.staff,
        [
            {
                "resident_id": resident.pk,
                "items": [{"reward_id": dear.pk, "quantity": 1}],
                "idempotency_key": f"b{i}",
            }
            for i in range(4)
        ],
    )
    assert broke == ["insufficient_points"] * 4, broke
    account = PointAccount.objects.get(resident=resident)
    assert account.balance == 5 and account.lifetime_earned == 25
    assert Reward.objects.get(pk=cheap.pk).stock == 48 and Reward.objects.get(pk=dear.pk).stock == 50
    call_command("points_verify")
