"""Reads of the deliberation app. Residents see their own community's corner; staff the communities
they work in or oversee; everybody sees the public page of a community (no personal data on it).
Individual votes are never read here except a household's own."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from gongzhi.accounts.roles import READER_ROLES, Role
from gongzhi.accounts.scoping import community_scope_q
from gongzhi.core.models import OrgUnit
from gongzhi.registry.selectors import resident_of_user

from .models import AgendaItem, Comment, Decision, Meeting, Participant, Result, Support, Topic, Vote

# Residents see their own community's agenda; staff see the communities they work in or oversee.
VIEWER_ROLES = READER_ROLES | {Role.RESIDENT, Role.PARTNER_STAFF}


def _scope(user, field: str = "org_unit"):
    return community_scope_q(user, VIEWER_ROLES, field)


def topic_list(*, user, status: str | None = None, category: str | None = None, q: str = "") -> QuerySet:
    qs = Topic.objects.filter(_scope(user)).select_related("org_unit")
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return qs


def topic_get(*, user, pk: int) -> Topic:
    return topic_list(user=user).prefetch_related("grids", "attachments").get(pk=pk)


def visible_comments(topic: Topic, *, moderator: bool) -> QuerySet:
    qs = topic.comments.select_related("author")
    if not moderator:
        qs = qs.filter(status=Comment.Status.VISIBLE)
    return qs


def comment_get(*, user, pk: int) -> Comment:
    return Comment.objects.select_related("topic", "topic__org_unit").get(
        _scope(user, "topic__org_unit"), pk=pk
    )


def household_of(user):
    resident = resident_of_user(user)
    return resident.household if resident else None


def supported(topic: Topic, household) -> bool:
    return household is not None and Support.objects.filter(topic=topic, household=household).exists()


def meeting_list(*, user, upcoming: bool = False) -> QuerySet:
    qs = Meeting.objects.filter(_scope(user)).select_related("org_unit").annotate(n_agenda=Count("agenda"))
    if not _is_staff(user):
        qs = qs.exclude(status=Meeting.Status.DRAFT)
    if upcoming:
        qs = qs.filter(end__gte=timezone.now()).exclude(status=Meeting.Status.CANCELLED).order_by("start")
    return qs


def _is_staff(user) -> bool:
    return bool(user.is_authenticated and user.role_names() & (READER_ROLES | {Role.PARTNER_STAFF}))


def meeting_get(*, user, pk: int) -> Meeting:
    return (
        meeting_list(user=user)
        .select_related("room")
        .prefetch_related(
            Prefetch("agenda", queryset=AgendaItem.objects.select_related("topic")),
            Prefetch("photos"),
        )
        .get(pk=pk)
    )


def participants(meeting: Meeting) -> QuerySet:
    return meeting.participants.select_related("partner")


def my_participation(meeting: Meeting, user) -> Participant | None:
    if not user.is_authenticated:
        return None
    return meeting.participants.filter(user=user).first()


def agenda_item_get(*, user, pk: int) -> AgendaItem:
    return AgendaItem.objects.select_related("meeting", "topic", "meeting__org_unit").get(
        _scope(user, "meeting__org_unit"), pk=pk
    )


def decision_list(*, user) -> QuerySet:
    return Decision.objects.filter(_scope(user)).select_related("topic", "meeting")


def decision_get(*, user, pk: int) -> Decision:
    return decision_list(user=user).get(pk=pk)


def turnout(decision: Decision) -> int:
    if decision.status == Decision.Status.CLOSED:
        return decision.turnout
    return decision.votes.count()


def my_vote(decision: Decision, user) -> Vote | None:
    """The vote of the user's own household (the only ballot a resident ever sees)."""
    household = household_of(user)
    if household is None or decision.method != Decision.Method.HOUSEHOLDS:
        return None
    return decision.votes.filter(household=household).first()


def representative_votes(decision: Decision) -> QuerySet:
    """Recorded votes of the representatives (shown to the staff who record them)."""
    return decision.votes.filter(participant__isnull=False).select_related("participant")


def result_list(*, user) -> QuerySet:
    return Result.objects.filter(_scope(user)).select_related("topic", "owner_partner", "owner_grid")


def result_get(*, user, pk: int) -> Result:
    return (
        result_list(user=user).prefetch_related("milestones", "updates__photos", "updates__author").get(pk=pk)
    )


# --- the public page of a community (no login, no personal data) -----------------------------------


def public_community(code: str) -> OrgUnit | None:
    return OrgUnit.objects.filter(code=code, kind=OrgUnit.Kind.COMMUNITY, is_active=True).first()


def public_overview(community: OrgUnit, *, limit: int = 20) -> dict:
    now = timezone.now()
    topics = Topic.objects.filter(org_unit=community)
    return {
        "proposals": list(
            topics.filter(status=Topic.Status.PROPOSED).order_by("-support_count", "-created_at")[:limit]
        ),
        "open_topics": list(
            topics.filter(status__in=[Topic.Status.OPEN, Topic.Status.SCHEDULED]).order_by("-on_agenda_at")[
                :limit
            ]
        ),
        "meetings": list(
            Meeting.objects.filter(
                org_unit=community,
                status__in=[Meeting.Status.PUBLISHED],
                end__gte=now,
            )
            .prefetch_related(Prefetch("agenda", queryset=AgendaItem.objects.select_related("topic")))
            .order_by("start")[:limit]
        ),
        "open_votes": list(
            Decision.objects.filter(org_unit=community, status=Decision.Status.OPEN)
            .select_related("topic")
            .order_by("closes_at")[:limit]
        ),
        "decisions": list(
            Decision.objects.filter(org_unit=community, status=Decision.Status.CLOSED)
            .select_related("topic")
            .order_by("-closed_at")[:limit]
        ),
        "results": list(
            Result.objects.filter(org_unit=community)
            .select_related("topic", "owner_partner", "owner_grid", "decision")
            .prefetch_related("milestones")
            .order_by("status", "-created_at")[:limit]
        ),
    }


def communities_managed(user) -> QuerySet:
    from gongzhi.accounts.scoping import communities_of

    from .rules import MANAGERS

    return communities_of(user, MANAGERS)
