"""A case's transitions carry the case's community, the distribution key of docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_jobrun"),
        ("cases", "0003_case_media_url"),
    ]

    operations = [
        migrations.AddField(
            model_name="casetransition",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE cases_casetransition SET org_unit_id = (SELECT p.community_id FROM cases_case p WHERE p.id = cases_casetransition.case_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="casetransition",
            name="org_unit",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"),
        ),
    ]
