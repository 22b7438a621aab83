"""Races on PostgreSQL with real threads: the database constraints decide, the service answers
with a refusal, never a 500."""

import datetime
import threading

import pytest
from django.db import connection

from gongzhi.core.errors import ApplicationError
from gongzhi.registry import services
from gongzhi.registry.documents import make_id_number
from gongzhi.registry.models import Resident

BIRTH = datetime.date(1980, 5, 1)


def _race(fn, n=4):
    barrier = threading.Barrier(n)
    results = []

    def run(i):
        try:
            barrier.wait()
            results.append(("ok", fn(i)))
        except ApplicationError as exc:
            results.append(("refused", exc.code))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
def test_the_same_document_registered_at_once_gives_one_resident(transactional_db, tree):
    household = services.household_create(actor=None, org_unit=tree.grid_a1, address="纳金路1号")
    number = make_id_number("540102", BIRTH, 11, "male")
    results = _race(
        lambda i: services.resident_create(
            actor=None, household=household, name=f"扎西{i}", gender="male", birth_date=BIRTH,
            relationship_to_head="child", document_number=number,
        ).pk
    )  # fmt: skip
    assert sorted(r[0] for r in results) == ["ok", "refused", "refused", "refused"]
    assert {r[1] for r in results if r[0] == "refused"} <= {"duplicate", "conflict"}
    assert Resident.objects.count() == 1


@pytest.mark.postgres
def test_two_heads_at_once_give_one_head(transactional_db, tree):
    household = services.household_create(actor=None, org_unit=tree.grid_a1, address="纳金路2号")
    results = _race(
        lambda i: services.resident_create(
            actor=None, household=household, name=f"卓玛{i}", gender="female", birth_date=BIRTH,
            relationship_to_head="head",
        ).pk
    )  # fmt: skip
    assert sorted(r[0] for r in results) == ["ok", "refused", "refused", "refused"]
    assert Resident.objects.filter(household=household, relationship_to_head="head").count() == 1
