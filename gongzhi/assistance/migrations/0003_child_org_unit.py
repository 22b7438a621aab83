"""An application's steps, documents and objections carry the application's unit, a batch's events
the batch's community: the distribution key of docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_auditentry_chain_per_community"),
        ("assistance", "0002_applicationdocument"),
    ]

    operations = [
        migrations.AddField(
            model_name="applicationstep",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE assistance_applicationstep SET org_unit_id = (SELECT p.org_unit_id FROM assistance_application p WHERE p.id = assistance_applicationstep.application_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="applicationstep",
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        migrations.AddField(
            model_name="applicationdocument",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE assistance_applicationdocument SET org_unit_id = (SELECT p.org_unit_id FROM assistance_application p WHERE p.id = assistance_applicationdocument.application_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="applicationdocument",
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        migrations.AddField(
            model_name="objection",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE assistance_objection SET org_unit_id = (SELECT p.org_unit_id FROM assistance_application p WHERE p.id = assistance_objection.application_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="objection",
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        migrations.AddField(
            model_name="batchevent",
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            "UPDATE assistance_batchevent SET org_unit_id = (SELECT p.org_unit_id FROM assistance_batch p WHERE p.id = assistance_batchevent.batch_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="batchevent",
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
    ]
