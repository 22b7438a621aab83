"""A closed ranking's rows carry the period's community, the distribution key of docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_auditentry_chain_per_community"),
        ("points", "0003_redemptionline_org_unit"),
    ]

    operations = [
        migrations.AddField(
            model_name="rankingrow",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE points_rankingrow SET org_unit_id = (SELECT p.org_unit_id FROM points_rankingperiod p WHERE p.id = points_rankingrow.period_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="rankingrow",
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
    ]
