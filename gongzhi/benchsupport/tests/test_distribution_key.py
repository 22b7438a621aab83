"""The Citus rule of docs/performance.md: every domain table carries its org unit (the distribution
key), so that a community's rows can live on one node and joins with their parent stay on it."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import F
from django.db.models.functions import Coalesce

from gongzhi.core.models import OrgUnit

# Not per community, replicated to every node as reference tables: the tree itself, the people and
# their credentials, system jobs and district-wide definitions.
REFERENCE = {
    "core.OrgUnit": "the organisation tree itself",
    "core.WorkCalendarDay": "a day of a work calendar; calendars belong to any level of the tree",
    "core.JobRun": "a run of a system-wide periodic job",
    "accounts.User": "a person may hold roles in several communities",
    "accounts.ApiToken": "a user's credential",
    "accounts.TOTPDevice": "a user's credential",
    "accounts.RecoveryCodeDevice": "a user's credential",
    "accounts.RecoveryCode": "a user's credential",
    "assistance.Programme": "a district-wide assistance programme",
    "assistance.ReviewInterval": "a district-wide review rule",
    "dashboard.SummaryPeriod": "a span of time the dashboard computes, for every unit",
}

# The child tables that carry it, and the path to the parent's org unit they copy (or an expression
# for a child of one of two parents).
CARRIED = {
    "cases.CaseTransition": "case__community",
    "activities.ActivitySession": "activity__org_unit",
    "activities.Attendance": "session__activity__org_unit",
    "venues.BookingEvent": "booking__org_unit",
    "points.RedemptionLine": "redemption__org_unit",
    "activities.Enrolment": "activity__org_unit",
    "venues.OpeningHours": "room__org_unit",
    "points.RankingRow": "period__org_unit",
    # Application has no community beside its unit (the household's, usually a grid): its children
    # carry that unit, as the parent would be distributed by it.
    "assistance.ApplicationStep": "application__org_unit",
    "assistance.ApplicationDocument": "application__org_unit",
    "assistance.Objection": "application__org_unit",
    "assistance.BatchEvent": "batch__org_unit",
    "economy.LeaseTransition": "lease__org_unit",
    "economy.ExpiryReminder": "lease__org_unit",
    "deliberation.TopicAttachment": "topic__org_unit",
    "deliberation.Support": "topic__org_unit",
    "deliberation.Comment": "topic__org_unit",
    "deliberation.CommentReport": "comment__topic__org_unit",
    "deliberation.AgendaItem": "meeting__org_unit",
    "deliberation.Participant": "meeting__org_unit",
    "deliberation.MeetingPhoto": "meeting__org_unit",
    "deliberation.Vote": "decision__org_unit",
    "deliberation.Milestone": "result__org_unit",
    "deliberation.ResultUpdate": "result__org_unit",
    "deliberation.ResultPhoto": "update__result__org_unit",
    "cases.CasePhoto": "case__community",
    "cases.CaseFollower": "case__community",
    "cases.CaseParticipant": "case__community",
    "cases.Mediation": "case__community",
    "cases.MediationParty": "mediation__case__community",
    "cases.MediationSession": "mediation__case__community",
    "care.OrderStep": "order__org_unit",
    # Exactly one of ticket and record is set (the check constraint transition_one_subject).
    "servicedesk.Transition": Coalesce("ticket__org_unit", "record__org_unit"),
}

# Carried models the demo builds no row of (their services' tests fill and check the column).
NOT_IN_DEMO = {
    "points.RankingRow": "the demo's awards all fall in the current period, which is closed only after it ends",
    "assistance.ApplicationDocument": "a filed document is a scanned file in storage; the demo files none",
    "deliberation.CommentReport": "the demo's comments are friendly; nobody reports one",
}


def _domain_models():
    return {m._meta.label: m for m in apps.get_models() if m.__module__.startswith("gongzhi.")}


def test_every_domain_model_carries_its_org_unit_or_is_listed():
    models = _domain_models()
    missing = sorted(
        label
        for label, model in models.items()
        if label not in REFERENCE
        and not any(f.name == "org_unit" and f.related_model is OrgUnit for f in model._meta.fields)
    )
    assert missing == [], f"domain models without org_unit (add it, or justify them in REFERENCE): {missing}"
    stale = sorted(
        label for label in REFERENCE if label not in models or "org_unit" in _field_names(models[label])
    )
    assert stale == [], f"listed models that no longer exist or now carry org_unit: {stale}"


def _field_names(model):
    return {f.name for f in model._meta.fields}


def test_the_carried_org_unit_is_required():
    models = _domain_models()
    for label in CARRIED:
        field = models[label]._meta.get_field("org_unit")
        assert field.related_model is OrgUnit and not field.null, label


@pytest.mark.postgres
@pytest.mark.django_db
def test_services_and_the_demo_fill_each_child_with_its_parents_org_unit():
    """The demo builds every app's data through its services (and a few bulk inserts). Checked on
    PostgreSQL, where tables are distributed by this key (Citus): building the demo takes over a
    minute, and the SQLite run checks the demo itself (core/tests/test_demo.py)."""
    call_command("core_demo", verbosity=0)
    for label, parent_unit in CARRIED.items():
        model = _domain_models()[label]
        assert label in NOT_IN_DEMO or model.objects.exists(), label
        parent_unit = F(parent_unit) if isinstance(parent_unit, str) else parent_unit
        assert not model.objects.exclude(org_unit=parent_unit).exists(), label
