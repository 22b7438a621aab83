"""Pending and confirmed bookings of one room never overlap: on PostgreSQL an exclusion constraint
(btree_gist lets the room id share the GiST index with the time range). SQLite has no such
constraint; there `booking_create` checks inside its IMMEDIATE transaction."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE venues_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    room_id WITH =, tstzrange("start", "end", '[)') WITH &&
) WHERE (status IN ('pending', 'confirmed'));
"""
DROP = "ALTER TABLE venues_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("venues", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
