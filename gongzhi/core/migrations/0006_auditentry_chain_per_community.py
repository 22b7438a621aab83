"""One audit chain per community (gongzhi.core.audit). The entries written before stay in chain 0,
the former single chain, whose HMACs did not cover a chain and still verify: the canonical form
adds the chain only when it is not 0. Adding a column with a constant default rewrites no row.

On PostgreSQL, `core_audit_lock_chain(lock_key, chain)` takes the chain's advisory lock and returns
its last HMAC in one round trip. The function is VOLATILE, so its query takes a fresh snapshot
after the lock is granted and sees the entry of the transaction it waited for."""

from django.conf import settings
from django.db import migrations, models

LOCK_FUNCTION = """
CREATE OR REPLACE FUNCTION core_audit_lock_chain(lock_key integer, chain_id bigint) RETURNS text AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key, chain_id::integer);
    RETURN (SELECT hmac FROM core_auditentry WHERE chain = chain_id ORDER BY id DESC LIMIT 1);
END;
$$ LANGUAGE plpgsql VOLATILE;
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LOCK_FUNCTION, params=None)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS core_audit_lock_chain(integer, bigint)", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_orgunit_boundary'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='chain',
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['chain', 'id'], name='audit_chain_idx'),
        ),
        migrations.RunPython(create_function, drop_function),
    ]
