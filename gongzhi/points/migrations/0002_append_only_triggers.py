"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the ledger tables (point entries and stock
movements), so not even raw SQL can rewrite history. (TRUNCATE stays possible: the test runner
flushes tables with it.) Other databases rely on the model guards."""

from django.db import migrations

TABLES = ["points_pointentry", "points_stockmovement"]

FUNCTION = """
CREATE OR REPLACE FUNCTION points_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION points_refuse_change()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS points_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
