"""`/api/v1/activities`, its enrolments and attendance (API_PREFIX "/": the paths the issue names)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.accounts.roles import READER_ROLES
from gongzhi.accounts.scoping import communities_of, scope_q
from gongzhi.api.pagination import PagePagination
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import PartnerUnit
from gongzhi.registry.models import Resident
from gongzhi.registry.selectors import resident_of_user
from gongzhi.venues.selectors import room_get

from . import selectors, services
from .models import Activity, ActivitySession
from .rules import ORGANISERS

router = Router(tags=["activities"])
API_PREFIX = "/"


class SessionIn(Schema):
    start: datetime
    end: datetime


class SessionOut(Schema):
    id: int
    start: datetime
    end: datetime
    confirmed_at: datetime | None


class ActivityIn(Schema):
    title: str
    category: Activity.Category
    capacity: int
    enrol_opens: datetime
    enrol_closes: datetime
    sessions: list[SessionIn]
    description: str = ""
    partner_id: int | None = None
    target_group: Activity.TargetGroup = Activity.TargetGroup.ALL
    min_age: int | None = None
    max_age: int | None = None
    room_id: int | None = None
    place: str = ""
    point_rule_code: str = ""
    participant_point_rule_code: str = ""


class ActivityOut(Schema):
    id: int
    org_unit_id: int
    title: str
    description: str
    category: str
    partner_id: int | None
    organiser: str
    target_group: str
    min_age: int | None
    max_age: int | None
    room_id: int | None
    place: str
    capacity: int
    enrolled: int
    enrol_opens: datetime
    enrol_closes: datetime
    status: str
    point_rule_code: str
    participant_point_rule_code: str
    sessions: list[SessionOut]

    @staticmethod
    def resolve_organiser(obj):
        return obj.organiser_name

    @staticmethod
    def resolve_enrolled(obj):
        return (
            getattr(obj, "enrolled_count", None)
            or obj.enrolments.filter(status="enrolled", role="participant").count()
        )

    @staticmethod
    def resolve_sessions(obj):
        return list(obj.sessions.all())


class EnrolmentIn(Schema):
    resident_id: int | None = None
    role: str = "participant"


class EnrolmentOut(Schema):
    id: int
    activity_id: int
    resident_id: int
    role: str
    status: str
    created_at: datetime


class AttendanceIn(Schema):
    token: str
    session_id: int | None = None
    action: str | None = None


class AttendanceOut(Schema):
    id: int
    session_id: int
    resident_id: int
    resident_name: str
    action: str
    check_in_at: datetime
    check_out_at: datetime | None
    present_minutes: int
    counted: bool
    warnings: list[str]
    points_state: str  # awarded | expected | below_presence | not_awarded | none
    points: int | None  # awarded, or expected once the organiser confirms the session
    points_message: str


def _activity(request, pk) -> Activity:
    activity = selectors.activity_get(user=request.user, pk=pk)
    if activity is None:
        raise Http404
    return activity


@router.get("/activities", response=list[ActivityOut], summary="Activities the user may see")
@paginate(PagePagination)
def activities(request, category: str | None = None, upcoming: bool = False):
    if not request.user.has_perm("activities.view_activities"):
        raise PermissionDenied
    return selectors.activity_list(user=request.user, category=category, upcoming=upcoming).prefetch_related(
        "sessions"
    )


@router.post("/activities", response={201: ActivityOut}, summary="Create an activity with its sessions")
def activity_create(request, payload: ActivityIn):
    user = request.user
    if not user.has_perm("activities.create_activity"):
        raise PermissionDenied
    community = communities_of(user, ORGANISERS).first()
    if community is None:
        raise PermissionDenied
    partner = None
    if payload.partner_id:
        partner = PartnerUnit.objects.filter(
            scope_q(user, (*READER_ROLES, "partner_staff")), pk=payload.partner_id
        ).first()
        if partner is None:
            raise Http404
    if not user.covers(community, services.MANAGER_ROLES):
        # Partner staff create programmes of their own unit only.
        if not user.partner_unit_id:
            raise PermissionDenied
        partner = user.partner_unit
    room = None
    if payload.room_id:
        room = room_get(user=user, pk=payload.room_id)
        if room is None:
            raise Http404
    activity = services.activity_create(
        actor=user,
        org_unit=community,
        title=payload.title,
        category=payload.category,
        capacity=payload.capacity,
        enrol_opens=payload.enrol_opens,
        enrol_closes=payload.enrol_closes,
        sessions=[(s.start, s.end) for s in payload.sessions],
        description=payload.description,
        partner=partner,
        target_group=payload.target_group,
        min_age=payload.min_age,
        max_age=payload.max_age,
        room=room,
        place=payload.place,
        point_rule_code=payload.point_rule_code,
        participant_point_rule_code=payload.participant_point_rule_code,
    )
    return Status(201, activity)


@router.get(
    "/activities/{activity_id}/enrolments", response=list[EnrolmentOut], summary="Enrolments (organisers)"
)
@paginate(PagePagination)
def enrolments(request, activity_id: int):
    activity = _activity(request, activity_id)
    if not request.user.has_perm("activities.manage_activity", activity):
        raise PermissionDenied
    return selectors.enrolments_of(activity)


@router.post(
    "/activities/{activity_id}/enrolments",
    response={201: EnrolmentOut},
    summary='Enrol yourself, a child you are guardian of, or (staff) any resident; "status" tells enrolled or waitlisted',
)
def enrolment_create(request, activity_id: int, payload: EnrolmentIn):
    activity = _activity(request, activity_id)
    if payload.resident_id is None:
        resident = resident_of_user(request.user)
        if resident is None:
            raise ApplicationError(
                _("You are not in the registry: give resident_id."), code="invalid", field="resident_id"
            )
    else:
        # A resident of another community is a 404; within it, the service says who may enrol whom.
        resident = Resident.objects.filter(
            pk=payload.resident_id, org_unit__path__startswith=activity.org_unit.path
        ).first()
        if resident is None:
            raise Http404
    enrolment = services.enrolment_create(
        actor=request.user, activity=activity, resident=resident, role=payload.role
    )
    return Status(201, enrolment)


@router.post(
    "/activities/{activity_id}/attendance",
    response=AttendanceOut,
    summary="Check a card holder in or out (the next scan checks out); 400 unknown_card for a revoked or unknown card",
)
def attendance(request, activity_id: int, payload: AttendanceIn):
    activity = _activity(request, activity_id)
    if payload.session_id:
        session = ActivitySession.objects.filter(activity=activity, pk=payload.session_id).first()
        if session is None:
            raise Http404
    else:
        session = services.current_session(activity)
        if session is None:
            raise ApplicationError(
                _("No session of this activity is open for check-in now."),
                code="session_not_open",
                status=409,
            )
    result = services.attendance_scan(
        actor=request.user, session=session, token=payload.token, action=payload.action
    )
    a = result.attendance
    outlook = selectors.points_outlook([a])[0]
    return {
        "id": a.pk,
        "session_id": session.pk,
        "resident_id": a.resident_id,
        "resident_name": a.resident.name,
        "action": result.action,
        "check_in_at": a.check_in_at,
        "check_out_at": a.check_out_at,
        "present_minutes": a.present_minutes,
        "counted": a.counted,
        "warnings": [str(w) for w in result.warnings],
        "points_state": outlook.state,
        "points": outlook.points,
        "points_message": outlook.message,
    }
