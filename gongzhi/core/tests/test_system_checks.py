"""System checks and database grants of issue 3: the bootstrap-only superuser warning, the
production key checks, and the PostgreSQL revoke script that makes the audit table append-only."""

from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.db import connection, transaction

from gongzhi.accounts.models import User
from gongzhi.core import audit
from gongzhi.core.checks import active_superuser, no_demo_keys_in_production, production_secrets

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_an_active_superuser_raises_a_warning_until_deactivated():
    assert active_superuser(None) == []
    root = User.objects.create_superuser("bootstrap", password="Bootstrap-2026!")
    [warning] = active_superuser(None)
    assert warning.id == "gongzhi.W001" and "bootstrap" in warning.msg
    assert "gongzhi.W001" in {m.id for m in run_checks(tags=["gongzhi"])}
    root.is_active = False
    root.save()
    assert active_superuser(None) == []


def test_production_needs_every_key_and_no_demo_key(settings, monkeypatch):
    settings.IS_PRODUCTION = True
    for name in ("GONGZHI_DATA_KEY", "GONGZHI_INDEX_KEY", "GONGZHI_AUDIT_KEY"):
        monkeypatch.setattr(settings, name, "", raising=False)
        monkeypatch.delenv(name, raising=False)
    ids = [e.id for e in production_secrets(None)]
    assert ids.count("gongzhi.E001") == 3
    settings.GONGZHI_DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
    assert [e.id for e in no_demo_keys_in_production(None)] == ["gongzhi.E002"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_revoke_script_refuses_update_delete_and_truncate_to_the_app_role(tree):
    sql = (ROOT / "deploy" / "postgres_audit_revoke.sql").read_text()
    sql = sql.replace("\\set ON_ERROR_STOP on", "").replace(':"app_role"', "gz_test_app2")
    with connection.cursor() as cursor:
        # Inside the test's transaction: the role and the grants roll back with it.
        cursor.execute("CREATE ROLE gz_test_app2 NOLOGIN")
        cursor.execute(
            "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO gz_test_app2"
        )
        cursor.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO gz_test_app2")
        cursor.execute(sql)
        cursor.execute("SET ROLE gz_test_app2")
        try:
            audit.record(actor=None, action="x.appended")  # appending still works
            for statement in (
                "UPDATE core_auditentry SET action = 'forged'",
                "DELETE FROM core_auditentry",
                "TRUNCATE core_auditentry",
            ):
                with pytest.raises(Exception, match="permission denied"), transaction.atomic():
                    cursor.execute(statement)
            # Other tables keep their grants: the revoke is aimed at the audit log only.
            cursor.execute("UPDATE core_orgunit SET name = name WHERE id = %s", [tree.community_a.pk])
        finally:
            cursor.execute("RESET ROLE")
