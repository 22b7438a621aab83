"""A transition carries the org unit of its ticket or of its record (exactly one is set), the
distribution key of docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_auditentry_chain_per_community"),
        ("servicedesk", "0002_counter_items_ticket_phone"),
    ]

    operations = [
        migrations.AddField(
            model_name="transition",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (correlated subqueries: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE servicedesk_transition SET org_unit_id = COALESCE("
            "(SELECT t.org_unit_id FROM servicedesk_queueticket t WHERE t.id = servicedesk_transition.ticket_id), "
            "(SELECT r.org_unit_id FROM servicedesk_servicerecord r WHERE r.id = servicedesk_transition.record_id))",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="transition",
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
    ]
