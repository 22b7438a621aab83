"""Second-factor secrets at rest (issue 3, item 2): the TOTP key is stored encrypted, recovery
codes only as keyed hashes; the demo key still yields the codes accounts_otp prints."""

import base64
import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django_otp import match_token
from django_otp.oath import totp

from gongzhi.accounts import services
from gongzhi.accounts.models import RecoveryCode, TOTPDevice, recovery_code_hash
from gongzhi.core import crypto

pytestmark = pytest.mark.django_db
DEMO_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, the public demo key


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _code(device):
    return f"{totp(device.bin_key, step=30, t0=0, digits=6):06d}"


def test_the_totp_key_column_holds_ciphertext_only(tree, make_user, roles):
    staff = make_user(roles.SECRETARY, tree.community_a)
    device = services.otp_device_install(actor=None, user=staff, key_hex=DEMO_KEY)
    [(stored,)] = _raw("SELECT key FROM accounts_totpdevice WHERE id = %s", [device.pk])
    assert DEMO_KEY not in stored and stored.startswith("v1:")
    assert crypto.decrypt(stored) == DEMO_KEY
    # The application still sees the hex key and accepts the current code.
    device = TOTPDevice.objects.get(pk=device.pk)
    assert device.key == DEMO_KEY
    assert match_token(staff, _code(device)) == device


def test_the_demo_key_gives_the_code_accounts_otp_prints(tree, make_user, roles):
    staff = make_user(roles.SECRETARY, tree.community_a)
    services.otp_device_install(actor=None, user=staff, key_hex=DEMO_KEY)
    out = io.StringIO()
    call_command("accounts_otp", stdout=out)
    assert match_token(staff, out.getvalue().strip()) is not None


def test_an_enrolment_key_is_stored_encrypted_from_the_start(tree, make_user, roles):
    staff = make_user(roles.SECRETARY, tree.community_a)
    device = services.otp_enrol_start(user=staff)
    [(stored,)] = _raw("SELECT key FROM accounts_totpdevice WHERE id = %s", [device.pk])
    assert device.key not in stored


def test_recovery_codes_are_stored_as_keyed_hashes_and_work_once(tree, make_user, roles):
    staff = make_user(roles.SECRETARY, tree.community_a)
    device = services.otp_enrol_start(user=staff)
    codes = services.otp_enrol_confirm(user=staff, device=device, token=_code(device))
    stored = [h for (h,) in _raw("SELECT code_hash FROM accounts_recoverycode", [])]
    assert len(stored) == 10
    assert not set(codes) & set(stored)
    assert not any(code in h for code in codes for h in stored)
    assert set(stored) == {recovery_code_hash(c) for c in codes}
    assert services.otp_check(user=staff, token=codes[3]) is not None
    assert services.otp_check(user=staff, token=codes[3]) is None
    assert RecoveryCode.objects.filter(device__user=staff).count() == 9


def test_key_rotation_re_encrypts_the_totp_key(tree, make_user, roles, settings):
    staff = make_user(roles.SECRETARY, tree.community_a)
    device = services.otp_device_install(actor=None, user=staff, key_hex=DEMO_KEY)
    old_key = crypto._data_keys()[0][1]
    new_text = crypto.new_key_text()
    settings.GONGZHI_DATA_KEY = ",".join([new_text, base64.urlsafe_b64encode(old_key).decode()])
    crypto.reset_key_cache()
    try:
        call_command("core_rotate_key", stdout=io.StringIO())
        [(stored,)] = _raw("SELECT key FROM accounts_totpdevice WHERE id = %s", [device.pk])
        assert crypto.ciphertext_key_id(stored) == crypto.current_key_id()
        settings.GONGZHI_DATA_KEY = new_text  # the old key is gone; the device still works
        crypto.reset_key_cache()
        device = TOTPDevice.objects.get(pk=device.pk)
        assert device.key == DEMO_KEY and match_token(staff, _code(device)) == device
    finally:
        settings.GONGZHI_DATA_KEY = ""
        crypto.reset_key_cache()


def test_the_migration_carries_plaintext_devices_over_encrypted_and_hashed(tree, make_user, roles):
    """A database from before this change has django-otp's plain tables: the data migration moves
    their rows into the encrypted / hashed devices and empties them."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("gongzhi.accounts.migrations.0006_move_plaintext_otp_devices")
    staff = make_user(roles.SECRETARY, tree.community_a)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE otp_totp_totpdevice (id integer PRIMARY KEY, user_id integer, name varchar(64),"
            " confirmed boolean, key varchar(80), step integer, t0 bigint, digits integer, tolerance integer,"
            " drift integer, last_t bigint)"
        )
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice VALUES (1, %s, 'phone', %s, %s, 30, 0, 6, 1, 0, -1)",
            [staff.pk, True, DEMO_KEY],
        )
        cursor.execute(
            "CREATE TABLE otp_static_staticdevice (id integer PRIMARY KEY, user_id integer, name varchar(64),"
            " confirmed boolean)"
        )
        cursor.execute(
            "CREATE TABLE otp_static_statictoken (id integer PRIMARY KEY, device_id integer, token varchar(16))"
        )
        cursor.execute("INSERT INTO otp_static_staticdevice VALUES (1, %s, 'backup', %s)", [staff.pk, True])
        cursor.execute("INSERT INTO otp_static_statictoken VALUES (1, 1, 'abcd2345'), (2, 1, 'efgh6789')")
    # The migration only reads schema_editor.connection (SQLite cannot open a schema editor
    # inside the test's transaction).
    migration.forwards(apps, SimpleNamespace(connection=connection))
    assert _raw("SELECT COUNT(*) FROM otp_totp_totpdevice", []) == [(0,)]
    assert _raw("SELECT COUNT(*) FROM otp_static_statictoken", []) == [(0,)]
    device = TOTPDevice.objects.get(user=staff)
    [(stored,)] = _raw("SELECT key FROM accounts_totpdevice WHERE id = %s", [device.pk])
    assert DEMO_KEY not in stored and device.key == DEMO_KEY
    assert services.otp_check(user=staff, token="abcd2345") is not None
    assert services.otp_check(user=staff, token="abcd2345") is None
    assert RecoveryCode.objects.filter(device__user=staff).count() == 1
