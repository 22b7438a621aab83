"""Web hardening, the audit page, retention, key rotation, backups and data at rest (issue 3)."""

import base64
import csv
import datetime
import io
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts import services as account_services
from gongzhi.core import audit, crypto, services
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEntry, DataProcessingBasis
from gongzhi.registry import services as registry_services
from gongzhi.registry.documents import make_id_number

ROOT = Path(__file__).resolve().parents[3]
PHONE = "13989012345"
ID_NUMBER = make_id_number("540102", datetime.date(1984, 3, 9), 27, "female")


def make_resident(tree, *, phone=PHONE, number=ID_NUMBER, name="央金"):
    household = registry_services.household_create(actor=None, org_unit=tree.grid_a1, address="纳金路1号")
    return registry_services.resident_create(
        actor=None,
        household=household,
        name=name,
        gender="female",
        birth_date=datetime.date(1984, 3, 9),
        relationship_to_head="head",
        document_number=number,
        phone=phone,
    )


# --- headers --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy_and_the_other_headers(client):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response  # plain HTTP in development
    csrf = response.cookies[django_settings.CSRF_COOKIE_NAME]
    assert csrf["samesite"] == "Lax"


@pytest.mark.django_db
def test_hsts_is_sent_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get(reverse("accounts:login"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
def test_the_session_cookie_is_httponly_and_samesite(tree, make_user, client, roles):
    make_user(roles.RESIDENT, tree.grid_a1, phone=PHONE)
    response = client.post(reverse("accounts:login"), {"username": PHONE, "password": "Correct-Horse-42"})
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=\"|\son[a-z]+=\"", re.I)


@pytest.mark.django_db
def test_pages_have_no_inline_script_style_or_handlers(tree, make_user, login, roles):
    admin = make_user(roles.AUDIT_ADMIN, tree.district)
    client = login(admin)
    for url in ("/", reverse("core:audit_list"), reverse("core:privacy"), reverse("accounts:profile")):
        html = client.get(url).content.decode()
        assert not INLINE.search(html), url
    staff = make_user(roles.SECRETARY, tree.community_a)
    fresh = Client()
    fresh.force_login(staff)
    html = fresh.get(reverse("accounts:otp_setup")).content.decode()
    assert "<svg" in html and not INLINE.search(html)


def test_check_deploy_passes_with_production_settings(tmp_path):
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    env = {
        **os.environ,
        "GONGZHI_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "gongzhi.example.cn",
        "GONGZHI_DATA_KEY": key,
        "GONGZHI_INDEX_KEY": key,
        "GONGZHI_AUDIT_KEY": key,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    env.pop("DEBUG", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Without the keys, production refuses to start.
    env.pop("GONGZHI_DATA_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "GONGZHI_DATA_KEY" in result.stderr


# --- API rate limit -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_answers_429_with_retry_after_per_token(tree, make_user, roles, settings, monkeypatch):
    from gongzhi.core import ratelimit

    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_800_000_010.0)
    settings.GONGZHI_API_RATE = (100, 3, 60)
    user = make_user(roles.GRID_WORKER, tree.grid_a1)
    _token, secret = account_services.token_create(actor=user, user=user, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    for _i in range(3):
        assert client.get("/api/v1/core/org-units").status_code == 200
    response = client.get("/api/v1/core/org-units")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited" and int(response["Retry-After"]) == 50
    # Another user is not affected.
    other = make_user(roles.GRID_WORKER, tree.grid_a1)
    _t, other_secret = account_services.token_create(actor=other, user=other, name="t")
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {other_secret}").get("/api/v1/core/org-units").status_code == 200
    )


@pytest.mark.django_db
def test_the_api_is_rate_limited_per_ip(settings, monkeypatch):
    from gongzhi.core import ratelimit

    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_800_000_010.0)
    settings.GONGZHI_API_RATE = (2, 100, 60)
    client = Client()
    assert client.get("/api/v1/core/org-units").status_code == 401
    assert client.get("/api/v1/core/org-units").status_code == 401
    assert client.get("/api/v1/core/org-units").status_code == 429


# --- the audit page -------------------------------------------------------------------------------


@pytest.fixture
def audit_admin(tree, make_user, roles):
    return make_user(roles.AUDIT_ADMIN, tree.district, username="shenji")


@pytest.mark.django_db
def test_only_the_audit_admin_reads_the_audit_log(tree, make_user, login, roles, audit_admin):
    for role, unit in (
        (roles.SYSTEM_ADMIN, tree.district),
        (roles.SECURITY_ADMIN, tree.district),
        (roles.SECRETARY, tree.community_a),
        (roles.AUDITOR, tree.district),
    ):
        client = login(make_user(role, unit))
        assert client.get(reverse("core:audit_list")).status_code == 403
        assert client.get(reverse("core:audit_export", args=["csv"])).status_code == 403
    assert login(audit_admin).get(reverse("core:audit_list")).status_code == 200


@pytest.mark.django_db
def test_the_audit_page_filters_by_actor_action_object_outcome_and_time(
    tree, make_user, login, roles, audit_admin
):
    worker = make_user(roles.GRID_WORKER, tree.grid_a1, username="gerang")
    audit.record(
        actor=worker, action="case.close", object_type="cases.case", object_id="7", org_unit=tree.grid_a1
    )
    audit.record(
        actor=worker,
        action="case.close",
        object_type="cases.case",
        object_id="8",
        outcome="denied",
        org_unit=tree.grid_a1,
    )
    old = audit.record(
        actor=worker, action="case.open", object_type="cases.case", object_id="9", org_unit=tree.grid_a1
    )
    client = login(audit_admin)

    def rows(**params):
        page = client.get(reverse("core:audit_list"), params)
        return [e.object_id for e in page.context["page"]]

    assert set(rows(actor="gerang", action="case.")) == {"7", "8", "9"}
    assert rows(actor="gerang", outcome="denied") == ["8"]
    assert rows(obj="cases.case:7") == ["7"]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert rows(actor="gerang", since=tomorrow) == []
    assert "9" in rows(actor="gerang", until=timezone.localdate().isoformat())
    assert old.pk


@pytest.mark.django_db
def test_the_audit_admin_sees_only_their_area(tree, make_user, login, roles, audit_admin):
    from conftest import make_unit

    elsewhere = make_unit("district", name="堆龙德庆区")
    audit.record(
        actor=None, action="case.close", object_type="cases.case", object_id="99", org_unit=elsewhere
    )
    page = login(audit_admin).get(reverse("core:audit_list"), {"obj": "cases.case:99"})
    assert list(page.context["page"]) == []


@pytest.mark.django_db
def test_csv_and_xlsx_exports_hold_the_rows_and_are_audited(tree, make_user, login, roles, audit_admin):
    from openpyxl import load_workbook

    worker = make_user(roles.GRID_WORKER, tree.grid_a1, username="gerang")
    audit.record(
        actor=worker, action="case.close", object_type="cases.case", object_id="7", org_unit=tree.grid_a1
    )
    audit.record(actor=worker, action="=HYPERLINK(1)", object_type="x", object_id="1", org_unit=tree.grid_a1)
    client = login(audit_admin)
    response = client.get(reverse("core:audit_export", args=["csv"]), {"actor": "gerang"})
    assert response["Content-Disposition"].startswith("attachment;")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(table) == 3 and any(r[6] == "case.close" and r[8] == "7" for r in table[1:])
    assert any(r[6] == "'=HYPERLINK(1)" for r in table[1:])  # no formula injection
    response = client.get(reverse("core:audit_export", args=["xlsx"]), {"actor": "gerang"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 3 and any(r[6] == "case.close" for r in values[1:])
    exports = AuditEntry.objects.filter(action="audit.export", kind="export", actor=audit_admin)
    assert sorted(exports.values_list("detail__format", flat=True)) == ["csv", "xlsx"]


# --- retention --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_younger_than_183_days_is_purged(tree):
    for _i in range(3):
        audit.record(actor=None, action="x.old")
    AuditEntry.objects.update(at=timezone.now() - datetime.timedelta(days=200))  # (test set-up)
    recent = audit.record(actor=None, action="x.recent")
    with pytest.raises(CommandError):
        call_command("core_audit_purge", "--days", "182")
    with pytest.raises(ApplicationError):
        services.audit_purge(actor=None, before=timezone.now() - datetime.timedelta(days=100))
    assert AuditEntry.objects.filter(action="x.old").count() == 3
    assert recent.pk


@pytest.mark.django_db
def test_a_purge_keeps_the_chain_verifiable(db, monkeypatch):
    past = timezone.now() - datetime.timedelta(days=200)
    monkeypatch.setattr(audit.timezone, "now", lambda: past)
    for _i in range(3):
        audit.record(actor=None, action="x.old")
    monkeypatch.undo()
    audit.record(actor=None, action="x.recent")
    count = AuditEntry.objects.count()
    call_command("core_audit_purge", "--days", "183")
    assert not AuditEntry.objects.filter(action="x.old").exists()
    assert AuditEntry.objects.filter(action="x.recent").exists()
    assert AuditEntry.objects.count() < count
    assert audit.verify_chain() is None
    # Deleting a recent entry behind the purge's back is still caught.
    AuditEntry.objects.filter(action="x.recent").delete()
    audit.record(actor=None, action="x.after")
    assert audit.verify_chain() is not None


def test_the_audit_table_revoke_script_is_shipped():
    sql = (ROOT / "deploy" / "postgres_audit_revoke.sql").read_text()
    assert "REVOKE UPDATE, DELETE, TRUNCATE ON TABLE core_auditentry" in sql


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_revoke_script_makes_the_audit_table_append_only_on_postgres(tree):
    with connection.cursor() as cursor:
        # Inside the test's transaction: the role and the grants roll back with it.
        cursor.execute("CREATE ROLE gz_test_app NOLOGIN")
        sql = (ROOT / "deploy" / "postgres_audit_revoke.sql").read_text()
        sql = sql.replace("\\set ON_ERROR_STOP on", "").replace(':"app_role"', "gz_test_app")
        cursor.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO gz_test_app")
        cursor.execute(sql)
        cursor.execute("SET ROLE gz_test_app")
        audit.record(actor=None, action="x.appended")  # the application can still append
        with pytest.raises(Exception, match="permission denied"):
            cursor.execute("UPDATE core_auditentry SET action = 'forged'")


# --- personal data at rest ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_holds_no_plaintext_id_or_phone_number(tree, make_user, client, roles):
    make_user(roles.RESIDENT, tree.grid_a1, phone="13908917777")
    make_resident(tree)
    # A failed sign-in with a mobile number: the lockout tables must not keep it either.
    client.post(reverse("accounts:login"), {"username": "13908917777", "password": "wrong"})
    secrets_ = ["13908917777", PHONE, ID_NUMBER, ID_NUMBER[-8:-1], "0891 7777"]
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                hits += [(table, s) for s in secrets_ if s in text]
    assert hits == []


@pytest.mark.django_db(transaction=True)
def test_the_sqlite_file_holds_no_plaintext_id_or_phone_number(tree, make_user, roles):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite file scan")
    make_user(roles.RESIDENT, tree.grid_a1, phone="13908917777")
    make_resident(tree)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(FULL)")
    name = Path(connection.settings_dict["NAME"])
    blob = b"".join(p.read_bytes() for p in (name, Path(f"{name}-wal")) if p.exists())
    for secret in ("13908917777", PHONE, ID_NUMBER):
        assert secret.encode() not in blob


@pytest.mark.django_db
def test_key_rotation_re_encrypts_every_encrypted_field(tree, make_user, roles, settings):
    from gongzhi.accounts.models import User
    from gongzhi.registry.models import Resident

    old_key = crypto._data_keys()[0][1]
    user = make_user(roles.RESIDENT, tree.grid_a1, phone="13908917777")
    resident = make_resident(tree)
    new_text = crypto.new_key_text()
    settings.GONGZHI_DATA_KEY = ",".join([new_text, base64.urlsafe_b64encode(old_key).decode()])
    crypto.reset_key_cache()
    try:
        new_id = crypto.current_key_id()
        call_command("core_rotate_key", stdout=io.StringIO())
        with connection.cursor() as cursor:
            cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
            assert crypto.ciphertext_key_id(cursor.fetchone()[0]) == new_id
            cursor.execute(
                "SELECT document_number, phone FROM registry_resident WHERE id = %s", [resident.pk]
            )
            assert {crypto.ciphertext_key_id(v) for v in cursor.fetchone()} == {new_id}
        # The old key can now go: everything still reads.
        settings.GONGZHI_DATA_KEY = new_text
        crypto.reset_key_cache()
        assert User.objects.get(pk=user.pk).phone == "13908917777"
        again = Resident.objects.get(pk=resident.pk)
        assert (again.document_number, again.phone) == (ID_NUMBER, PHONE)
        assert AuditEntry.objects.filter(action="crypto.rotate").count() == 2
    finally:
        settings.GONGZHI_DATA_KEY = ""
        crypto.reset_key_cache()


# --- legal basis ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sensitive_data_records_its_legal_basis(tree, make_user, roles):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    resident = make_resident(tree)
    from gongzhi.core.selectors import processing_basis_for

    services.processing_basis_record(
        actor=staff,
        obj=resident,
        org_unit=tree.grid_a1,
        category="assistance",
        purpose="最低生活保障",
        basis="statutory",
        statute="社会救助暂行办法",
    )
    child_basis = services.processing_basis_record(
        actor=staff,
        obj=resident,
        org_unit=tree.grid_a1,
        category="child",
        purpose="儿童关爱",
        basis="consent",
        consent_given_on=timezone.localdate(),
        consent_by="次仁（母亲）",
        consent_relation="guardian",
    )
    assert {b.category for b in processing_basis_for(resident)} == {"assistance", "child"}
    services.processing_basis_withdraw(actor=staff, record=child_basis)
    assert {b.category for b in processing_basis_for(resident)} == {"assistance"}
    assert AuditEntry.objects.filter(action="processing_basis.record").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"basis": "statutory", "statute": ""}, "statute"),
        ({"basis": "consent", "consent_by": "", "consent_relation": "self"}, "consent_by"),
        (
            {"basis": "consent", "consent_by": "卓玛", "consent_relation": "self", "category": "child"},
            "consent_relation",
        ),
        (
            {"basis": "consent", "consent_by": "卓玛", "consent_relation": "self", "future": True},
            "consent_given_on",
        ),
    ],
)
def test_a_legal_basis_needs_a_statute_or_a_dated_consent(tree, kwargs, field):
    resident = make_resident(tree)
    kwargs = dict(kwargs)
    future = kwargs.pop("future", False)
    args = {
        "category": "health",
        "purpose": "慢病随访",
        "consent_given_on": timezone.localdate() + datetime.timedelta(days=3 if future else 0),
        **kwargs,
    }
    with pytest.raises(ApplicationError) as exc:
        services.processing_basis_record(actor=None, obj=resident, org_unit=tree.grid_a1, **args)
    assert exc.value.field == field


@pytest.mark.django_db
def test_the_database_refuses_consent_without_a_guardian_for_a_child(tree):
    with pytest.raises(IntegrityError):
        DataProcessingBasis.objects.create(
            org_unit=tree.grid_a1,
            object_type="registry.resident",
            object_id="1",
            category="child",
            purpose="x",
            basis="consent",
            consent_given_on=timezone.localdate(),
            consent_by="x",
            consent_relation="self",
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lang, text", [("en", "Privacy notice"), ("zh-hans", "隐私告知"), ("bo", "སྒེར་གསང་བརྡ་ཐོ།")]
)
def test_residents_can_read_the_privacy_notice_in_three_languages(client, lang, text):
    client.cookies["django_language"] = lang
    response = client.get(reverse("core:privacy"))
    assert response.status_code == 200 and text in response.content.decode()


@pytest.mark.django_db
def test_unmasking_needs_the_permission_and_writes_an_access_entry(tree, make_user, roles):
    from django.core.exceptions import PermissionDenied

    from gongzhi.core.personal_data import reveal

    resident = make_resident(tree)
    assert resident.masked_document == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    worker = make_user(roles.GRID_WORKER, tree.grid_a1)
    assert reveal(actor=worker, obj=resident, field="document_number") == ID_NUMBER
    entry = AuditEntry.objects.get(kind="access", actor=worker)
    assert entry.action == "view:unmasked:document_number" and entry.object_id == str(resident.pk)
    assert ID_NUMBER not in str(entry.detail)
    for outsider in (
        make_user(roles.GRID_WORKER, tree.grid_b1),  # another grid
        make_user(roles.STREET_STAFF, tree.street),  # reads masked data only
        make_user(roles.AUDITOR, tree.district),
    ):
        with pytest.raises(PermissionDenied):
            reveal(actor=outsider, obj=resident, field="phone")
    assert AuditEntry.objects.filter(kind="access", action__startswith="view:unmasked").count() == 1
