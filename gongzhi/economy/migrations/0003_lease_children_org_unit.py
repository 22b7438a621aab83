"""A lease's transitions and expiry reminders carry the lease's community, the distribution key of
docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_auditentry_chain_per_community"),
        ("economy", "0002_lease_no_overlap"),
    ]

    operations = [
        migrations.AddField(
            model_name="leasetransition",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE economy_leasetransition SET org_unit_id = (SELECT p.org_unit_id FROM economy_lease p WHERE p.id = economy_leasetransition.lease_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="leasetransition",
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        migrations.AddField(
            model_name="expiryreminder",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE economy_expiryreminder SET org_unit_id = (SELECT p.org_unit_id FROM economy_lease p WHERE p.id = economy_expiryreminder.lease_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="expiryreminder",
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
    ]
