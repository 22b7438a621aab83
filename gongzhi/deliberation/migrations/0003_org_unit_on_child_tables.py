"""The corner's child tables carry their community (the parent's org unit), the distribution key of
docs/performance.md. Comments are filled before their reports and progress reports before their
photos, each from its direct parent."""

import django.db.models.deletion
from django.db import migrations, models


def _carry(model, parent_table, parent_column):
    table = f"deliberation_{model}"
    return [
        migrations.AddField(
            model_name=model,
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        # Filled from the parent (a correlated subquery: the same SQL on PostgreSQL and SQLite).
        migrations.RunSQL(
            f"UPDATE {table} SET org_unit_id = "
            f"(SELECT p.org_unit_id FROM {parent_table} p WHERE p.id = {table}.{parent_column})",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name=model,
            name="org_unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_auditentry_chain_per_community"),
        ("deliberation", "0002_grow_the_corner"),
    ]

    operations = [
        *_carry("topicattachment", "deliberation_topic", "topic_id"),
        *_carry("support", "deliberation_topic", "topic_id"),
        *_carry("comment", "deliberation_topic", "topic_id"),
        *_carry("commentreport", "deliberation_comment", "comment_id"),
        *_carry("agendaitem", "deliberation_meeting", "meeting_id"),
        *_carry("participant", "deliberation_meeting", "meeting_id"),
        *_carry("meetingphoto", "deliberation_meeting", "meeting_id"),
        *_carry("vote", "deliberation_decision", "decision_id"),
        *_carry("milestone", "deliberation_result", "result_id"),
        *_carry("resultupdate", "deliberation_result", "result_id"),
        *_carry("resultphoto", "deliberation_resultupdate", "update_id"),
    ]
