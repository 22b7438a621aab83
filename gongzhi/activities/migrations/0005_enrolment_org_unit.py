"""Enrolments carry their activity's org unit, the distribution key of docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_auditentry_chain_per_community"),
        ("activities", "0004_session_attendance_org_unit"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE activities_enrolment SET org_unit_id = (SELECT p.org_unit_id FROM activities_activity p WHERE p.id = activities_enrolment.activity_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="enrolment",
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
    ]
