"""Races at a busy counter, with real threads on PostgreSQL."""

import datetime
import threading

import pytest
from django.db import connection

from gongzhi.core.errors import ApplicationError
from gongzhi.servicedesk import services
from gongzhi.servicedesk.models import Appointment, QueueTicket

from .conftest import MONDAY, MONDAY_10, TZ, Desk, make_resident


def _run(workers):
    barrier = threading.Barrier(len(workers))
    results = []

    def wrap(fn):
        def inner():
            try:
                barrier.wait()
                results.append(fn())
            except ApplicationError as exc:
                results.append(exc.code)
            finally:
                connection.close()

        return inner

    threads = [threading.Thread(target=wrap(w)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_last_place_in_a_slot_goes_to_one_resident(tree, make_user):
    desk = Desk(tree, make_user)
    services.counter_save(
        actor=None,
        org_unit=tree.community_a,
        number=2,
        name="社保窗口",
        slot_capacity=1,
        counter=desk.counter2,
        is_active=False,
    )
    residents = [make_resident(tree.grid_a1, f"居民{i}") for i in range(4)]
    now = datetime.datetime(2026, 6, 1, 8, tzinfo=TZ)
    results = _run(
        [
            (
                lambda r=r: services.appointment_book(
                    actor=None,
                    resident=r,
                    item=desk.proof_item,
                    date=MONDAY,
                    slot_start=datetime.time(10),
                    now=now,
                )
            )
            for r in residents
        ]
    )
    assert sorted(r if isinstance(r, str) else "ok" for r in results) == [
        "ok",
        "ok",
        "slot_full",
        "slot_full",
    ]
    assert Appointment.objects.filter(counter=desk.counter1).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_kiosks_at_the_same_moment_get_distinct_numbers_and_one_per_resident(tree, make_user):
    desk = Desk(tree, make_user)
    walk_ins = [
        (lambda: services.ticket_issue(actor=None, item=desk.proof_item, source="kiosk", now=MONDAY_10))
        for _ in range(4)
    ]
    same_resident = [
        (
            lambda: services.ticket_issue(
                actor=None, item=desk.forward_item, resident=desk.resident, now=MONDAY_10
            )
        )
        for _ in range(2)
    ]
    results = _run(walk_ins + same_resident)
    numbers = sorted(t.number for t in QueueTicket.objects.all())
    assert numbers == list(range(1, len(numbers) + 1))
    assert QueueTicket.objects.filter(resident=desk.resident).count() == 1
    assert results.count("duplicate_ticket") == 1
