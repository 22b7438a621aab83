"""The corner's child tables carry their community (the parent's org unit), the distribution key of
docs/performance.md. Comments are filled before their reports and progress reports before their
photos, each from its direct parent."""

import django.db.models.deletion
from django.db import migrations, models


def _carry(model, backfill):
    """AddField nullable, fill it from the parent (a correlated subquery: the same SQL on PostgreSQL
    and SQLite), AlterField to required."""
    return [
        migrations.AddField(
            model_name=model,
            name="org_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.orgunit"
            ),
        ),
        migrations.RunSQL(backfill, migrations.RunSQL.noop),
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
        *_carry(
            "topicattachment",
            "UPDATE deliberation_topicattachment SET org_unit_id = (SELECT p.org_unit_id FROM deliberation_topic p WHERE p.id = deliberation_topicattachment.topic_id)",
        ),
        *_carry(
            "support",
            "UPDATE deliberation_support SET org_unit_id = (SELECT p.org_unit_id FROM deliberation_topic p WHERE p.id = deliberation_support.topic_id)",
        ),
        *_carry(
            "comment",
            "UPDATE deliberation_comment SET org_unit_id = (SELECT p.org_unit_id FROM deliberation_topic p WHERE p.id = deliberation_comment.topic_id)",
        ),
        *_carry(
            "commentreport",
            "UPDATE deliberation_commentreport SET org_unit_id = (SELECT p.org_unit_id FROM deliberation_comment p WHERE p.id = deliberation_commentreport.comment_id)",
        ),
        *_carry(
            "agendaitem",
            "UPDATE deliberation_agendaitem SET org_unit_id = (SELECT p.org_unit_id FROM deliberation_meeting p WHERE p.id = deliberation_agendaitem.meeting_id)",
        ),
        *_carry(
            "participant",
            "UPDATE deliberation_participant SET org_unit_id = (SELECT p.org_unit_id FROM deliberation_meeting p WHERE p.id = deliberation_participant.meeting_id)",
        ),
        *_carry(
            "meetingphoto",
            "UPDATE deliberation_meetingphoto SET org_unit_id = (SELECT p.org_unit_id FROM deliberation_meeting p WHERE p.id = deliberation_meetingphoto.meeting_id)",
        ),
        *_carry(
            "vote",
            "UPDATE deliberation_vote SET org_unit_id = (SELECT p.org_unit_id FROM deliberation_decision p WHERE p.id = deliberation_vote.decision_id)",
        ),
        *_carry(
            "milestone",
            "UPDATE deliberation_milestone SET org_unit_id = (SELECT p.org_unit_id FROM deliberation_result p WHERE p.id = deliberation_milestone.result_id)",
        ),
        *_carry(
            "resultupdate",
            "UPDATE deliberation_resultupdate SET org_unit_id = (SELECT p.org_unit_id FROM deliberation_result p WHERE p.id = deliberation_resultupdate.result_id)",
        ),
        *_carry(
            "resultphoto",
            "UPDATE deliberation_resultphoto SET org_unit_id = (SELECT p.org_unit_id FROM deliberation_resultupdate p WHERE p.id = deliberation_resultphoto.update_id)",
        ),
    ]
