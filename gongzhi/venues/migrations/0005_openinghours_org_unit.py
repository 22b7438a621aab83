"""A room's opening hours carry the room's community, the distribution key of docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_auditentry_chain_per_community"),
        ("venues", "0004_bookingevent_org_unit"),
    ]

    operations = [
        migrations.AddField(
            model_name="openinghours",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE venues_openinghours SET org_unit_id = (SELECT p.org_unit_id FROM venues_room p WHERE p.id = venues_openinghours.room_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="openinghours",
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
    ]
