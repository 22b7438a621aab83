"""Writes of the deliberation app: keyword-only, atomic, audited."""

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import OrgUnit

from .models import Topic

# The allowed moves of a topic's status; a later issue adds meetings and votes between them.
TRANSITIONS = {
    Topic.Status.OPEN: {Topic.Status.SCHEDULED, Topic.Status.CLOSED},
    Topic.Status.SCHEDULED: {Topic.Status.DECIDED, Topic.Status.OPEN, Topic.Status.CLOSED},
    Topic.Status.DECIDED: {Topic.Status.CLOSED},
    Topic.Status.CLOSED: set(),
}


def _community_of(unit: OrgUnit) -> OrgUnit:
    if unit.kind == OrgUnit.Kind.GRID:
        return unit.parent
    if unit.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("A consultation topic belongs to a community."), field="org_unit")
    return unit


@transaction.atomic
def topic_create(*, actor, org_unit: OrgUnit, title: str, description: str, source: str = "") -> Topic:
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise ApplicationError(_("Give the topic a title."), field="title")
    if len(description) > 4000:
        raise ApplicationError(
            _("The description is too long (at most 4000 characters)."), field="description"
        )
    topic = Topic.objects.create(
        org_unit=_community_of(org_unit),
        title=title[:200],
        description=description,
        source=source[:64],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor, action="topic.create", obj=topic, org_unit=topic.org_unit, detail={"source": source}
    )
    return topic


def topic_create_from_case(*, actor, org_unit: OrgUnit, title: str, description: str, case_ref: str) -> Topic:
    """Put a consultation-tier case on the deliberation corner's agenda. `case_ref` is the case's
    public number; the case stores the link to the topic (this app does not import cases)."""
    return topic_create(actor=actor, org_unit=org_unit, title=title, description=description, source=case_ref)


@transaction.atomic
def topic_set_status(*, actor, topic: Topic, status: str) -> Topic:
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if status not in TRANSITIONS[topic.status]:
        raise ConflictError(
            _("A topic that is %(state)s cannot become %(target)s.")
            % {"state": topic.get_status_display(), "target": Topic.Status(status).label},
            code="invalid_transition",
        )
    old = topic.status
    topic.status = status
    topic.save(update_fields=["status"])
    audit.record(actor=actor, action="topic.set_status", obj=topic, detail={"from": old, "to": status})
    return topic
