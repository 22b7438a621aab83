"""Sessions and attendances carry their activity's org unit, the distribution key of docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_jobrun"),
        ("activities", "0003_session_booking"),
    ]

    operations = [
        migrations.AddField(
            model_name="activitysession",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE activities_activitysession SET org_unit_id = (SELECT p.org_unit_id FROM activities_activity p WHERE p.id = activities_activitysession.activity_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="activitysession",
            name="org_unit",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"),
        ),
        migrations.AddField(
            model_name="attendance",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE activities_attendance SET org_unit_id = (SELECT p.org_unit_id FROM activities_activitysession p WHERE p.id = activities_attendance.session_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="attendance",
            name="org_unit",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"),
        ),
    ]
