import json
import logging
import threading

import pytest
from django.db import connection, connections, transaction

from gongzhi.core import services
from gongzhi.core.logging import JsonFormatter
from gongzhi.core.models import PartnerUnit


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db
def test_postgresql_sessions_get_the_dashboards_work_mem(settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == settings.DATABASE_WORK_MEM == "16MB"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_wait_for_each_other_instead_of_failing(tree):
    """Eight threads write at once; with IMMEDIATE transactions and a busy timeout (SQLite) or row
    locks (PostgreSQL) every write lands and none fails with 'database is locked'."""
    errors = []
    barrier = threading.Barrier(8)

    def write(i):
        try:
            barrier.wait()
            with transaction.atomic():
                services.partnerunit_save(
                    actor=None, org_unit=tree.community_a, kind="school", name=f"并发{i}"
                )
        except Exception as exc:  # noqa: BLE001 - the assertion below reports it
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert PartnerUnit.objects.filter(name__startswith="并发").count() == 8


@pytest.mark.django_db
def test_one_json_log_line_per_request_without_query_string(login, caplog, tree, make_user, roles):
    user = make_user(roles.GRID_WORKER, tree.grid_a1)
    client = login(user)
    with caplog.at_level(logging.INFO, logger="gongzhi.request"):
        client.get("/org/?q=13908910001")
    records = [r for r in caplog.records if r.name == "gongzhi.request"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["path"] == "/org/" and line["status"] == 200 and line["user"] == user.pk
    assert isinstance(line["duration_ms"], float)
    assert "13908910001" not in json.dumps(line)
