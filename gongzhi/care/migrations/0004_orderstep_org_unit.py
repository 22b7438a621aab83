"""An order's steps carry the order's unit, the distribution key of docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_auditentry_chain_per_community"),
        ("care", "0003_needy_households"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderstep",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE care_orderstep SET org_unit_id = (SELECT p.org_unit_id FROM care_serviceorder p WHERE p.id = care_orderstep.order_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="orderstep",
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
    ]
