"""A booking's events carry the booking's community, the distribution key of docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_jobrun"),
        ("venues", "0003_holidays_in_work_calendar"),
    ]

    operations = [
        migrations.AddField(
            model_name="bookingevent",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE venues_bookingevent SET org_unit_id = (SELECT p.org_unit_id FROM venues_booking p WHERE p.id = venues_bookingevent.booking_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="bookingevent",
            name="org_unit",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"),
        ),
    ]
