"""`/api/v1/deliberation/`: topics, supports, comments, meetings (registration, door check-in), votes
and results. Another community's object is a 404; refusals are `{"code", "message"}` 400/403/409.
Individual votes are never listed: a resident reads only their own household's vote."""

from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.api.pagination import PagePagination
from gongzhi.core.models import OrgUnit

from . import selectors, services
from .models import Decision, Topic

router = Router(tags=["deliberation"])


def _get(fetch, **kw):
    try:
        return fetch(**kw)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _require(request, perm, obj=None):
    if not request.user.has_perm(perm, obj):
        raise Http404 if obj is not None else PermissionDenied


def _view(request):
    if not request.user.has_perm("deliberation.view_topics"):
        raise PermissionDenied


def _visible(request, fetch, pk, perm=None):
    """The object `fetch` finds in the user's scope (404 outside it), once the user may read the
    corner at all (403); with `perm`, the user must also hold that permission on it (404)."""
    _view(request)
    obj = _get(fetch, user=request.user, pk=pk)
    if perm is not None:
        _require(request, perm, obj)
    return obj


class TopicIn(Schema):
    title: str
    description: str
    category: Topic.Category = Topic.Category.OTHER
    grid_ids: list[int] = []


class TopicOut(Schema):
    id: int
    org_unit_id: int
    title: str
    description: str
    status: str
    origin: str
    category: str
    source: str
    case_id: int | None
    support_count: int
    support_threshold: int
    on_agenda_at: datetime | None
    created_at: datetime


class CommentIn(Schema):
    body: str


class CommentOut(Schema):
    id: int
    body: str
    status: str
    created_at: datetime


class MeetingOut(Schema):
    id: int
    org_unit_id: int
    title: str
    start: datetime
    end: datetime
    place: str
    status: str
    published_at: datetime | None
    topic_ids: list[int]

    @staticmethod
    def resolve_topic_ids(obj):
        return [item.topic_id for item in obj.agenda.all()]


class MeetingIn(Schema):
    title: str
    start: datetime
    end: datetime
    place: str = ""
    room_id: int | None = None
    notes: str = ""
    topic_ids: list[int] = []


class RegistrationOut(Schema):
    id: int
    meeting_id: int
    kind: str
    token: str
    registered_at: datetime | None
    attended_at: datetime | None


class CheckinIn(Schema):
    token: str


class CheckinOut(Schema):
    participant_id: int
    name: str
    kind: str
    checked_in: bool
    attended_at: datetime | None


class DecisionIn(Schema):
    method: Decision.Method
    question: str = ""
    meeting_id: int | None = None
    days: int | None = None
    quorum_percent: int | None = None
    majority_percent: int | None = None


class DecisionOut(Schema):
    id: int
    topic_id: int
    meeting_id: int | None
    question: str
    method: str
    opens_at: datetime
    closes_at: datetime
    quorum_percent: int
    majority_percent: int
    eligible: int
    status: str
    outcome: str
    turnout: int
    yes: int | None
    no: int | None
    abstain: int | None

    @staticmethod
    def resolve_turnout(obj):
        return selectors.turnout(obj)

    # Counts are published when the vote closes.
    @staticmethod
    def resolve_yes(obj):
        return obj.yes if obj.status == Decision.Status.CLOSED else None

    @staticmethod
    def resolve_no(obj):
        return obj.no if obj.status == Decision.Status.CLOSED else None

    @staticmethod
    def resolve_abstain(obj):
        return obj.abstain if obj.status == Decision.Status.CLOSED else None


class VoteIn(Schema):
    choice: str


class VoteOut(Schema):
    decision_id: int
    choice: str
    cast_at: datetime
    changes: int


class MilestoneOut(Schema):
    id: int
    title: str
    due_date: str
    done_on: str | None

    @staticmethod
    def resolve_due_date(obj):
        return obj.due_date.isoformat()

    @staticmethod
    def resolve_done_on(obj):
        return obj.done_on.isoformat() if obj.done_on else None


class UpdateOut(Schema):
    id: int
    text: str
    progress: int
    created_at: datetime


class ResultOut(Schema):
    id: int
    topic_id: int
    title: str
    owner_kind: str
    owner_name: str
    status: str
    progress: int
    done_at: datetime | None
    milestones: list[MilestoneOut]
    updates: list[UpdateOut]

    @staticmethod
    def resolve_milestones(obj):
        return list(obj.milestones.all())

    @staticmethod
    def resolve_updates(obj):
        return list(obj.updates.all())


class UpdateIn(Schema):
    text: str
    progress: int


# --- topics ----------------------------------------------------------------------------------------


@router.get(
    "/topics",
    url_name="deliberation_topics",
    response=list[TopicOut],
    summary="Topics of the communities the user sees",
)
@paginate(PagePagination)
def topics(request, status: str | None = None, category: str | None = None, q: str = ""):
    _view(request)
    return selectors.topic_list(user=request.user, status=status, category=category, q=q[:100])


@router.post(
    "/topics",
    url_name="deliberation_topic_create",
    response={201: TopicOut},
    summary="A resident proposes a topic (collects supports); community staff put one straight on the agenda",
)
def topic_create(request, payload: TopicIn):
    user = request.user
    fields = {"title": payload.title, "description": payload.description, "category": payload.category}
    if user.has_perm("deliberation.create_topic"):
        community = selectors.communities_managed(user).first()
        if community is None:
            raise PermissionDenied
        grids = list(OrgUnit.objects.filter(pk__in=payload.grid_ids, parent=community))
        if len(grids) != len(set(payload.grid_ids)):
            raise Http404
        topic = services.topic_create(actor=user, org_unit=community, grids=grids, **fields)
    elif user.has_perm("deliberation.propose_topic"):
        household = selectors.household_of(user)
        community_id = household.org_unit.parent_id if household else None
        grids = list(OrgUnit.objects.filter(pk__in=payload.grid_ids, parent_id=community_id))
        if len(grids) != len(set(payload.grid_ids)):
            raise Http404
        topic = services.topic_propose(actor=user, grids=grids, **fields)
    else:
        raise PermissionDenied
    return Status(201, topic)


@router.get(
    "/topics/{topic_id}", url_name="deliberation_topic_detail", response=TopicOut, summary="One topic"
)
def topic_detail(request, topic_id: int):
    return _visible(request, selectors.topic_get, topic_id)


@router.post(
    "/topics/{topic_id}/supports",
    url_name="deliberation_support_add",
    response={201: TopicOut},
    summary="Your household supports the topic (409 already_supported: one support per household)",
)
def support_add(request, topic_id: int):
    topic = _visible(request, selectors.topic_get, topic_id, "deliberation.support_topic")
    return Status(201, services.support_add(actor=request.user, topic=topic))


@router.delete(
    "/topics/{topic_id}/supports",
    url_name="deliberation_support_withdraw",
    response=TopicOut,
    summary="Withdraw your household's support",
)
def support_withdraw(request, topic_id: int):
    topic = _visible(request, selectors.topic_get, topic_id, "deliberation.support_topic")
    return services.support_withdraw(actor=request.user, topic=topic)


@router.get(
    "/topics/{topic_id}/comments",
    url_name="deliberation_comments",
    response=list[CommentOut],
    summary="Visible comments",
)
@paginate(PagePagination)
def comments(request, topic_id: int):
    topic = _visible(request, selectors.topic_get, topic_id)
    return selectors.visible_comments(
        topic, moderator=request.user.has_perm("deliberation.moderate_comment", topic)
    )


@router.post(
    "/topics/{topic_id}/comments",
    url_name="deliberation_comment_add",
    response={201: CommentOut},
    summary="Comment on a topic",
)
def comment_add(request, topic_id: int, payload: CommentIn):
    topic = _visible(request, selectors.topic_get, topic_id, "deliberation.comment_topic")
    return Status(201, services.comment_add(actor=request.user, topic=topic, body=payload.body))


@router.post(
    "/comments/{comment_id}/reports",
    url_name="deliberation_comment_report",
    response=CommentOut,
    summary="Report a comment; the third report hides it pending review",
)
def comment_report(request, comment_id: int):
    comment = _visible(request, selectors.comment_get, comment_id)
    _require(request, "deliberation.report_comment", comment.topic)
    return services.comment_report(actor=request.user, comment=comment)


@router.post(
    "/topics/{topic_id}/decisions",
    url_name="deliberation_decision_open",
    response={201: DecisionOut},
    summary="Put a topic to the vote (staff): households for N days, or the representatives at a meeting",
)
def decision_open(request, topic_id: int, payload: DecisionIn):
    topic = _visible(request, selectors.topic_get, topic_id, "deliberation.manage_decision")
    meeting = None
    if payload.meeting_id:
        meeting = _get(selectors.meeting_get, user=request.user, pk=payload.meeting_id)
    decision = services.decision_open(
        actor=request.user,
        topic=topic,
        method=payload.method,
        question=payload.question,
        meeting=meeting,
        days=payload.days,
        quorum_percent=payload.quorum_percent,
        majority_percent=payload.majority_percent,
    )
    return Status(201, decision)


# --- decisions and votes ---------------------------------------------------------------------------


@router.get(
    "/decisions", url_name="deliberation_decisions", response=list[DecisionOut], summary="Votes and decisions"
)
@paginate(PagePagination)
def decisions(request, status: str | None = None):
    _view(request)
    qs = selectors.decision_list(user=request.user)
    return qs.filter(status=status) if status else qs


@router.get(
    "/decisions/{decision_id}",
    url_name="deliberation_decision_detail",
    response=DecisionOut,
    summary="One vote; counts once it is closed",
)
def decision_detail(request, decision_id: int):
    return _visible(request, selectors.decision_get, decision_id)


@router.post(
    "/decisions/{decision_id}/votes",
    url_name="deliberation_vote_cast",
    response=VoteOut,
    summary="Cast or change your household's vote (one household, one vote; until the close)",
)
def vote_cast(request, decision_id: int, payload: VoteIn):
    decision = _visible(request, selectors.decision_get, decision_id, "deliberation.vote")
    return services.vote_cast(actor=request.user, decision=decision, choice=payload.choice)


@router.get(
    "/decisions/{decision_id}/votes/mine",
    url_name="deliberation_my_vote",
    response={200: VoteOut, 204: None},
    summary="Your household's vote (204 when it has not voted)",
)
def my_vote(request, decision_id: int):
    decision = _visible(request, selectors.decision_get, decision_id)
    vote = selectors.my_vote(decision, request.user)
    return Status(200, vote) if vote else Status(204, None)


@router.post(
    "/decisions/{decision_id}/close",
    url_name="deliberation_decision_close",
    response=DecisionOut,
    summary="Close the vote and count (staff)",
)
def decision_close(request, decision_id: int):
    decision = _visible(request, selectors.decision_get, decision_id, "deliberation.manage_decision")
    return services.decision_close(actor=request.user, decision=decision)


# --- meetings --------------------------------------------------------------------------------------


@router.get(
    "/meetings",
    url_name="deliberation_meetings",
    response=list[MeetingOut],
    summary="Meetings (drafts for staff only)",
)
@paginate(PagePagination)
def meetings(request, upcoming: bool = False):
    _view(request)
    return selectors.meeting_list(user=request.user, upcoming=upcoming).prefetch_related("agenda")


@router.post(
    "/meetings",
    url_name="deliberation_meeting_create",
    response={201: MeetingOut},
    summary="Plan a meeting (staff); with room_id the room is booked",
)
def meeting_create(request, payload: MeetingIn):
    from gongzhi.venues.selectors import room_get

    user = request.user
    if not user.has_perm("deliberation.create_meeting"):
        raise PermissionDenied
    community = selectors.communities_managed(user).first()
    if community is None:
        raise PermissionDenied
    room = None
    if payload.room_id:
        room = room_get(user=user, pk=payload.room_id)
        if room is None or room.org_unit_id != community.pk:
            raise Http404
    topics = list(Topic.objects.filter(org_unit=community, pk__in=payload.topic_ids))
    if len(topics) != len(set(payload.topic_ids)):
        raise Http404
    meeting = services.meeting_create(
        actor=user,
        org_unit=community,
        title=payload.title,
        start=payload.start,
        end=payload.end,
        room=room,
        place=payload.place,
        notes=payload.notes,
        topics=topics,
    )
    return Status(201, meeting)


@router.get(
    "/meetings/{meeting_id}",
    url_name="deliberation_meeting_detail",
    response=MeetingOut,
    summary="One meeting with its agenda",
)
def meeting_detail(request, meeting_id: int):
    return _visible(request, selectors.meeting_get, meeting_id)


@router.post(
    "/meetings/{meeting_id}/registrations",
    url_name="deliberation_meeting_register",
    response={201: RegistrationOut},
    summary="Register to attend; the token is the QR code shown at the door",
)
def meeting_register(request, meeting_id: int):
    meeting = _visible(request, selectors.meeting_get, meeting_id, "deliberation.register_meeting")
    return Status(201, services.meeting_register(actor=request.user, meeting=meeting))


@router.post(
    "/meetings/{meeting_id}/checkins",
    url_name="deliberation_meeting_checkin",
    response=CheckinOut,
    summary="At the door (staff): a registration code or a cloud check-in card",
)
def meeting_checkin(request, meeting_id: int, payload: CheckinIn):
    meeting = _visible(request, selectors.meeting_get, meeting_id, "deliberation.manage_meeting")
    participant, first = services.meeting_checkin(actor=request.user, meeting=meeting, token=payload.token)
    return {
        "participant_id": participant.pk,
        "name": participant.name,
        "kind": participant.kind,
        "checked_in": first,
        "attended_at": participant.attended_at,
    }


# --- results ---------------------------------------------------------------------------------------


@router.get(
    "/results",
    url_name="deliberation_results",
    response=list[ResultOut],
    summary="Results and their progress",
)
@paginate(PagePagination)
def results(request):
    _view(request)
    return selectors.result_list(user=request.user).prefetch_related("milestones", "updates")


@router.get(
    "/results/{result_id}",
    url_name="deliberation_result_detail",
    response=ResultOut,
    summary="One result with milestones and updates",
)
def result_detail(request, result_id: int):
    return _visible(request, selectors.result_get, result_id)


@router.post(
    "/results/{result_id}/updates",
    url_name="deliberation_result_update",
    response={201: UpdateOut},
    summary="Report progress (staff); 100 marks the result done and resolves the originating case",
)
def result_update(request, result_id: int, payload: UpdateIn):
    result = _visible(request, selectors.result_get, result_id, "deliberation.manage_result")
    update = services.result_update_add(
        actor=request.user, result=result, text=payload.text, progress=payload.progress
    )
    return Status(201, update)
