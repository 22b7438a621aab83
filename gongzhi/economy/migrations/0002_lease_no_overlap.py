"""One lease per shop unit at any time, enforced by PostgreSQL itself: an exclusion constraint over
the inclusive date range of each lease (btree_gist lets the unit id share the GiST index). SQLite
has no such constraint; there `lease_create` checks inside its IMMEDIATE transaction, which
serialises writers."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE economy_lease ADD CONSTRAINT economy_lease_no_overlap
    EXCLUDE USING gist (unit_id WITH =, daterange(start_date, end_date, '[]') WITH &&);
"""
DROP = "ALTER TABLE economy_lease DROP CONSTRAINT IF EXISTS economy_lease_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("economy", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
