"""The bench seeder at 1% scale on the test database (SQLite or PostgreSQL), and the bench-only views."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q, Sum

from gongzhi.activities.models import Attendance
from gongzhi.benchsupport import seed
from gongzhi.cases.models import Case, CaseTransition
from gongzhi.core.checks import no_bench_views_in_production
from gongzhi.core.models import AuditEntry
from gongzhi.points.models import PointAccount, PointEntry
from gongzhi.points.selectors import verify
from gongzhi.registry.models import Resident

pytestmark = pytest.mark.django_db


def test_community_scale_builds_one_percent_and_keeps_every_invariant(capsys):
    call_command("bench_seed", scale="community")
    scale = seed.SCALES["community"]
    assert seed.counts() == scale.expected()
    assert scale.expected()["residents"] * 100 == seed.SCALES["district"].expected()["residents"]
    assert seed.marker_of_database() == f"bench:community:{seed.VERSION}"
    # Balances and stock match their ledgers; nothing in the audit chain (a bench database).
    assert verify() == []
    assert AuditEntry.objects.count() == 0
    assert PointAccount.objects.count() == scale.residents
    assert (
        PointEntry.objects.aggregate(s=Sum("points"))["s"]
        == PointAccount.objects.aggregate(s=Sum("balance"))["s"]
    )
    # One living head per household; every 10th resident's ID number is stored encrypted and found by its index.
    heads = Resident.objects.filter(relationship_to_head="head").values("household").annotate(n=Count("id"))
    assert {row["n"] for row in heads} == {1}
    numbered = Resident.objects.exclude(document_index=None)
    assert numbered.count() == scale.residents // 10
    sample = numbered.first()
    assert len(sample.document_number) == 18 and sample.document_last4 == sample.document_number[-4:]
    # Every case has its history from "submit" to its status.
    assert CaseTransition.objects.values("case").distinct().count() == scale.cases
    closed = Case.objects.filter(status="closed").first()
    assert list(closed.transitions.order_by("at").values_list("to_status", flat=True)) == [
        "submitted", "accepted", "assigned", "in_progress", "resolved", "closed",
    ]  # fmt: skip
    assert not Case.objects.filter(Q(rating__isnull=False) & ~Q(close_reason="rated")).exists()
    assert Attendance.objects.count() == scale.activities * scale.attendances_per_activity
    # A seeded database is refused; its marker is what `make bench` reads to reuse it.
    with pytest.raises(CommandError):
        call_command("bench_seed", scale="community")
    call_command("bench_seed", marker=True)
    assert capsys.readouterr().out.strip().endswith(f"bench:community:{seed.VERSION}")


@pytest.mark.django_db
def test_bench_views_are_not_mounted_by_default(client):
    assert client.get("/bench/bare/").status_code == 404
    assert client.post("/bench/raw-award/?account=1").status_code == 404


def test_production_refuses_the_bench_setting(settings):
    settings.IS_PRODUCTION = True
    settings.GONGZHI_BENCH = True
    assert [e.id for e in no_bench_views_in_production(None)] == ["gongzhi.E003"]
    settings.GONGZHI_BENCH = False
    assert no_bench_views_in_production(None) == []


@pytest.mark.postgres
def test_the_raw_sql_ceiling_keeps_the_ledger_and_the_audit_chain(rf):
    from django.db import connection

    from gongzhi.benchsupport import views
    from gongzhi.core.audit import verify_chain

    call_command("bench_seed", scale="community")
    with connection.cursor() as cursor:
        cursor.execute(views.BENCH_AUDIT_TABLE_SQL)
    account = PointAccount.objects.order_by("id").first()
    for lock in ("1", "0"):
        url = f"/bench/raw-award/?account={account.pk}&community={account.org_unit_id}&lock={lock}"
        assert views.raw_award(rf.post(url)).status_code == 200
    # An account of another community is not found.
    other = f"/bench/raw-award/?account={account.pk}&community={account.org_unit_id + 1}"
    assert views.raw_award(rf.post(other)).status_code == 404
    account.refresh_from_db()
    assert account.balance == PointEntry.objects.filter(account=account).aggregate(s=Sum("points"))["s"]
    assert verify() == []
    # The unlocked variant writes to bench_auditentry; the other entry is in the community's chain.
    assert list(AuditEntry.objects.values_list("chain", flat=True)) == [account.org_unit_id]
    assert verify_chain() is None
    assert views.raw_award(rf.post("/bench/raw-award/?account=x")).status_code == 400
