"""Carry second factors over from django-otp's plain-text plugins (otp_totp, otp_static), which
are no longer installed: TOTP keys are re-written encrypted, recovery codes hashed, and the plain
rows deleted. Databases created after this change never had those tables; nothing to do there."""

from django.db import migrations


def forwards(apps, schema_editor):
    from gongzhi.accounts.models import recovery_code_hash

    connection = schema_editor.connection
    tables = set(connection.introspection.table_names())
    TOTPDevice = apps.get_model("accounts", "TOTPDevice")
    RecoveryCodeDevice = apps.get_model("accounts", "RecoveryCodeDevice")
    RecoveryCode = apps.get_model("accounts", "RecoveryCode")
    with connection.cursor() as cursor:
        if "otp_totp_totpdevice" in tables:
            cursor.execute(
                "SELECT user_id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t"
                " FROM otp_totp_totpdevice"
            )
            for user_id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t in cursor.fetchall():
                # The historical model keeps EncryptedTextField: the key is encrypted on save.
                TOTPDevice.objects.create(
                    user_id=user_id,
                    name=name,
                    confirmed=confirmed,
                    key=key,
                    step=step,
                    t0=t0,
                    digits=digits,
                    tolerance=tolerance,
                    drift=drift,
                    last_t=last_t,
                )
            cursor.execute("DELETE FROM otp_totp_totpdevice")
        if "otp_static_staticdevice" in tables and "otp_static_statictoken" in tables:
            cursor.execute(
                "SELECT d.id, d.user_id, d.name, d.confirmed, t.token FROM otp_static_staticdevice d"
                " LEFT JOIN otp_static_statictoken t ON t.device_id = d.id"
            )
            devices = {}
            for device_id, user_id, name, confirmed, token in cursor.fetchall():
                if device_id not in devices:
                    devices[device_id] = RecoveryCodeDevice.objects.create(
                        user_id=user_id, name=name, confirmed=confirmed
                    )
                if token:
                    RecoveryCode.objects.create(device=devices[device_id], code_hash=recovery_code_hash(token))
            cursor.execute("DELETE FROM otp_static_statictoken")
            cursor.execute("DELETE FROM otp_static_staticdevice")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_second_factor_encrypted")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
