"""A case's photos, followers, participants and mediation file (with its parties and sessions) carry
the case's community, the distribution key of docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models


def carry(model_name, backfill):
    return [
        migrations.AddField(
            model_name=model_name,
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        migrations.RunSQL(backfill, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name=model_name,
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_auditentry_chain_per_community"),
        ("cases", "0004_casetransition_org_unit"),
    ]

    # Filled from the case (correlated subqueries: the same SQL on PostgreSQL and SQLite); a
    # mediation's parties and sessions reach the case through their mediation.
    operations = [
        *carry(
            "casephoto",
            "UPDATE cases_casephoto SET org_unit_id = "
            "(SELECT c.community_id FROM cases_case c WHERE c.id = cases_casephoto.case_id)",
        ),
        *carry(
            "casefollower",
            "UPDATE cases_casefollower SET org_unit_id = "
            "(SELECT c.community_id FROM cases_case c WHERE c.id = cases_casefollower.case_id)",
        ),
        *carry(
            "caseparticipant",
            "UPDATE cases_caseparticipant SET org_unit_id = "
            "(SELECT c.community_id FROM cases_case c WHERE c.id = cases_caseparticipant.case_id)",
        ),
        *carry(
            "mediation",
            "UPDATE cases_mediation SET org_unit_id = "
            "(SELECT c.community_id FROM cases_case c WHERE c.id = cases_mediation.case_id)",
        ),
        *carry(
            "mediationparty",
            "UPDATE cases_mediationparty SET org_unit_id = (SELECT c.community_id FROM cases_mediation m"
            " JOIN cases_case c ON c.id = m.case_id WHERE m.id = cases_mediationparty.mediation_id)",
        ),
        *carry(
            "mediationsession",
            "UPDATE cases_mediationsession SET org_unit_id = (SELECT c.community_id FROM cases_mediation m"
            " JOIN cases_case c ON c.id = m.case_id WHERE m.id = cases_mediationsession.mediation_id)",
        ),
    ]
