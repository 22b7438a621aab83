"""A redemption's lines carry the redemption's community, the distribution key of docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_jobrun"),
        ("points", "0002_append_only_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="redemptionline",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE points_redemptionline SET org_unit_id = (SELECT p.org_unit_id FROM points_redemption p WHERE p.id = points_redemptionline.redemption_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="redemptionline",
            name="org_unit",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"),
        ),
    ]
