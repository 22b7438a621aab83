"""Writes of the deliberation app: keyword-only, atomic, audited. Notifications go out on commit.

Contract for other apps:
- topic_create_from_case(*, actor, org_unit, title, description, case_ref, case_id=None) -> Topic
- hooks.register_result_done(callback): called when a topic's result is done (cases resolves the case).
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import OrgUnit, PartnerUnit
from gongzhi.core.services import notification_send
from gongzhi.core.uploads import upload_store
from gongzhi.registry.models import Household, Resident
from gongzhi.registry.selectors import card_resolve, resident_of_user

from . import hooks
from .models import (
    AgendaItem,
    Comment,
    CommentReport,
    Corner,
    Decision,
    Meeting,
    MeetingPhoto,
    Milestone,
    Participant,
    Result,
    ResultPhoto,
    ResultUpdate,
    Support,
    Topic,
    TopicAttachment,
    Vote,
)

S = Topic.Status
MAX_FILES = 5

# The allowed moves of a topic's status outside the dedicated services (supports put a proposal on
# the agenda, a meeting schedules it, closing a vote decides it, a finished result closes it).
TRANSITIONS = {
    S.PROPOSED: {S.OPEN, S.CLOSED},
    S.OPEN: {S.SCHEDULED, S.CLOSED},
    S.SCHEDULED: {S.DECIDED, S.OPEN, S.CLOSED},
    S.DECIDED: {S.CLOSED},
    S.CLOSED: set(),
}


# --- helpers ---------------------------------------------------------------------------------------


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _community_of(unit: OrgUnit) -> OrgUnit:
    if unit.kind == OrgUnit.Kind.GRID:
        return unit.parent
    if unit.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("A consultation topic belongs to a community."), field="org_unit")
    return unit


def _text(value: str, *, field: str, limit: int, required: bool = True, message: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(message or _("This field is required."), code="required", field=field)
    if len(value) > limit:
        raise ApplicationError(
            _("The text is too long (at most %(n)s characters).") % {"n": limit}, field=field
        )
    return value


def _notify(users, *, title: str, url: str, org_unit=None) -> None:
    """In-app notifications, sent once the transaction commits (each user once)."""
    recipients = {u.pk: u for u in users if u is not None and u.is_active}

    def send():
        for user in recipients.values():
            notification_send(user=user, title=title, url=url, org_unit=org_unit)

    if recipients:
        transaction.on_commit(send)


def _resident_household(actor, community: OrgUnit) -> tuple[Resident, Household]:
    resident = resident_of_user(actor)
    if resident is None or resident.status != Resident.Status.LIVING or not resident.household.is_active:
        raise ApplicationError(
            _("Only residents registered in a household of the community can do this."),
            code="not_resident",
            status=403,
        )
    if resident.household.org_unit.parent_id != community.pk:
        raise ApplicationError(
            _("Only residents registered in a household of the community can do this."),
            code="not_resident",
            status=403,
        )
    return resident, resident.household


def corner_of(community: OrgUnit) -> Corner:
    """The community's corner settings (the defaults, unsaved, when it has none)."""
    return Corner.objects.filter(org_unit=community).first() or Corner(org_unit=community)


@transaction.atomic
def corner_update(
    *,
    actor,
    community: OrgUnit,
    support_threshold: int,
    vote_days: int,
    quorum_percent: int,
    majority_percent: int,
) -> Corner:
    checks = [
        ("support_threshold", support_threshold, 1, 10000),
        ("vote_days", vote_days, 1, 90),
        ("quorum_percent", quorum_percent, 0, 100),
        ("majority_percent", majority_percent, 1, 99),
    ]
    for field, value, low, high in checks:
        if not isinstance(value, int) or not low <= value <= high:
            raise ApplicationError(
                _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}, field=field
            )
    corner, _created = Corner.objects.update_or_create(
        org_unit=community,
        defaults={
            "support_threshold": support_threshold,
            "vote_days": vote_days,
            "quorum_percent": quorum_percent,
            "majority_percent": majority_percent,
        },
    )
    audit.record(
        actor=actor,
        action="deliberation.corner_update",
        obj=corner,
        org_unit=community,
        detail={f: v for f, v, _lo, _hi in checks},
    )
    return corner


def _check_grids(grids, community: OrgUnit) -> list[OrgUnit]:
    grids = list(grids or ())
    for grid in grids:
        if grid.kind != OrgUnit.Kind.GRID or grid.parent_id != community.pk:
            raise ApplicationError(_("Choose grids of the topic's community."), field="grids")
    return grids


def _attach(*, actor, topic: Topic, files) -> None:
    files = [f for f in files or () if f]
    if len(files) + topic.attachments.count() > MAX_FILES:
        raise ApplicationError(
            _("At most %(n)s attachments per topic.") % {"n": MAX_FILES}, field="attachments"
        )
    for f in files:
        upload = upload_store(actor=actor, file=f, org_unit=topic.org_unit, purpose="deliberation.file")
        TopicAttachment.objects.create(
            topic=topic,
            org_unit_id=topic.org_unit_id,
            upload=upload,
            title=(getattr(f, "name", "") or "")[:120],
        )


# --- topics ----------------------------------------------------------------------------------------


@transaction.atomic
def topic_create(
    *,
    actor,
    org_unit: OrgUnit,
    title: str,
    description: str,
    source: str = "",
    category: str = Topic.Category.OTHER,
    grids=(),
    attachments=(),
    origin: str = Topic.Origin.COMMUNITY,
    case_id: int | None = None,
) -> Topic:
    """A topic the community (or an escalated case) puts straight on the agenda."""
    title = _text(title, field="title", limit=200, message=_("Give the topic a title."))
    description = _text(description, field="description", limit=4000, required=False)
    if category not in Topic.Category.values:
        raise ApplicationError(_("Choose a category."), field="category")
    community = _community_of(org_unit)
    now = timezone.now()
    topic = Topic.objects.create(
        org_unit=community,
        title=title,
        description=description,
        source=(source or "")[:64],
        category=category,
        origin=origin,
        case_id=case_id,
        status=S.OPEN,
        on_agenda_at=now,
        created_by=_user(actor),
        created_at=now,
    )
    topic.grids.set(_check_grids(grids, community))
    _attach(actor=actor, topic=topic, files=attachments)
    audit.record(
        actor=actor,
        action="topic.create",
        obj=topic,
        org_unit=community,
        detail={"source": source, "origin": origin, "category": category},
    )
    return topic


def topic_create_from_case(
    *, actor, org_unit: OrgUnit, title: str, description: str, case_ref: str, case_id: int | None = None
) -> Topic:
    """Put a consultation-tier case on the agenda. `case_ref` is the case's public number and
    `case_id` its key: the case stores the link to the topic, the topic keeps the id as the way back."""
    return topic_create(
        actor=actor,
        org_unit=org_unit,
        title=title,
        description=description,
        source=case_ref,
        origin=Topic.Origin.CASE,
        case_id=case_id,
    )


@transaction.atomic
def topic_propose(
    *, actor, title: str, description: str, category: str = Topic.Category.OTHER, grids=(), attachments=()
) -> Topic:
    """A resident proposes a topic; it collects supports from households until the community's
    threshold puts it on the agenda. The proposer's household is its first supporter."""
    resident = resident_of_user(actor)
    if resident is None:
        raise ApplicationError(
            _("Only residents registered in a household of the community can do this."),
            code="not_resident",
            status=403,
        )
    community = resident.household.org_unit.parent
    _resident, household = _resident_household(actor, community)
    title = _text(title, field="title", limit=200, message=_("Give the topic a title."))
    description = _text(
        description, field="description", limit=4000, message=_("Describe the matter and what you propose.")
    )
    if category not in Topic.Category.values:
        raise ApplicationError(_("Choose a category."), field="category")
    threshold = corner_of(community).support_threshold
    topic = Topic.objects.create(
        org_unit=community,
        title=title,
        description=description,
        category=category,
        origin=Topic.Origin.RESIDENT,
        status=S.PROPOSED,
        proposer_household=household,
        support_threshold=threshold,
        created_by=actor,
    )
    topic.grids.set(_check_grids(grids, community))
    _attach(actor=actor, topic=topic, files=attachments)
    audit.record(
        actor=actor, action="topic.propose", obj=topic, org_unit=community, detail={"category": category}
    )
    support_add(actor=actor, topic=topic)
    topic.refresh_from_db()
    return topic


@transaction.atomic
def support_add(*, actor, topic: Topic) -> Topic:
    """One household, one support. Reaching the threshold puts the topic on the agenda."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    _resident, household = _resident_household(actor, topic.org_unit)
    if topic.status != S.PROPOSED:
        raise ConflictError(_("This topic no longer collects supports."), code="not_collecting")
    if Support.objects.filter(topic=topic, household=household).exists():
        raise ConflictError(_("Your household supports this topic already."), code="already_supported")
    try:
        with transaction.atomic():
            Support.objects.create(
                topic=topic, org_unit_id=topic.org_unit_id, household=household, user=actor
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("Your household supports this topic already."), code="already_supported"
        ) from exc
    Topic.objects.filter(pk=topic.pk).update(support_count=F("support_count") + 1)
    topic.refresh_from_db()
    audit.record(actor=actor, action="topic.support", obj=topic, detail={"supports": topic.support_count})
    if topic.support_count >= topic.support_threshold:
        _put_on_agenda(topic, actor=actor, reason="threshold")
    return topic


@transaction.atomic
def support_withdraw(*, actor, topic: Topic) -> Topic:
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    _resident, household = _resident_household(actor, topic.org_unit)
    if topic.status != S.PROPOSED:
        raise ConflictError(_("This topic no longer collects supports."), code="not_collecting")
    deleted, _rows = Support.objects.filter(topic=topic, household=household).delete()
    if not deleted:
        raise ConflictError(_("Your household does not support this topic."), code="not_supported")
    Topic.objects.filter(pk=topic.pk).update(support_count=F("support_count") - 1)
    topic.refresh_from_db()
    audit.record(
        actor=actor, action="topic.support_withdraw", obj=topic, detail={"supports": topic.support_count}
    )
    return topic


def _put_on_agenda(topic: Topic, *, actor, reason: str) -> None:
    topic.status = S.OPEN
    topic.on_agenda_at = timezone.now()
    topic.save(update_fields=["status", "on_agenda_at"])
    audit.record(actor=actor, action="topic.on_agenda", obj=topic, detail={"reason": reason})
    _notify(
        _people_of(topic),
        title=_("“%(title)s” is on the agenda of the deliberation corner") % {"title": topic.title},
        url=f"/deliberation/{topic.pk}/",
        org_unit=topic.org_unit,
    )


@transaction.atomic
def topic_put_on_agenda(*, actor, topic: Topic) -> Topic:
    """The community puts a resident's proposal on the agenda before it reaches the threshold."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.status != S.PROPOSED:
        raise ConflictError(
            _("Only a proposal that collects supports can be put on the agenda."), code="invalid_transition"
        )
    _put_on_agenda(topic, actor=actor, reason="community")
    return topic


@transaction.atomic
def topic_set_status(*, actor, topic: Topic, status: str) -> Topic:
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if status not in S.values or status not in TRANSITIONS[topic.status]:
        raise ConflictError(
            _("A topic that is %(state)s cannot become %(target)s.")
            % {
                "state": topic.get_status_display(),
                "target": S(status).label if status in S.values else status,
            },
            code="invalid_transition",
        )
    old = topic.status
    topic.status = status
    if status == S.OPEN and not topic.on_agenda_at:
        topic.on_agenda_at = timezone.now()
    topic.save(update_fields=["status", "on_agenda_at"])
    audit.record(actor=actor, action="topic.set_status", obj=topic, detail={"from": old, "to": status})
    return topic


@transaction.atomic
def attachment_add(*, actor, topic: Topic, files) -> Topic:
    _attach(actor=actor, topic=topic, files=files)
    audit.record(actor=actor, action="topic.attach", obj=topic, detail={"files": len(files)})
    return topic


# --- comments --------------------------------------------------------------------------------------


@transaction.atomic
def comment_add(*, actor, topic: Topic, body: str) -> Comment:
    body = _text(body, field="body", limit=2000, message=_("Write your comment."))
    if topic.status == S.CLOSED:
        raise ConflictError(_("The topic is closed for comments."), code="closed")
    comment = Comment.objects.create(topic=topic, org_unit_id=topic.org_unit_id, author=actor, body=body)
    audit.record(actor=actor, action="comment.add", obj=comment, org_unit=topic.org_unit)
    return comment


@transaction.atomic
def comment_report(*, actor, comment: Comment) -> Comment:
    """A resident reports a comment; the third report hides it until a moderator reviews it.
    A comment the moderator kept stays visible."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id == actor.pk:
        raise ApplicationError(_("You cannot report your own comment."), code="own_comment")
    try:
        with transaction.atomic():
            CommentReport.objects.create(comment=comment, org_unit_id=comment.org_unit_id, user=actor)
    except IntegrityError as exc:
        raise ConflictError(_("You have reported this comment already."), code="already_reported") from exc
    comment.report_count += 1
    fields = ["report_count"]
    if (
        comment.status == Comment.Status.VISIBLE
        and comment.reviewed_at is None
        and comment.report_count >= Comment.HIDE_AFTER_REPORTS
    ):
        comment.status = Comment.Status.HIDDEN
        fields.append("status")
    comment.save(update_fields=fields)
    audit.record(
        actor=actor,
        action="comment.report",
        obj=comment,
        org_unit=comment.topic.org_unit,
        detail={"reports": comment.report_count, "status": comment.status},
    )
    return comment


@transaction.atomic
def comment_review(*, actor, comment: Comment, keep: bool) -> Comment:
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.status == Comment.Status.REMOVED:
        raise ConflictError(_("The comment was removed already."), code="removed")
    comment.status = Comment.Status.VISIBLE if keep else Comment.Status.REMOVED
    comment.reviewed_by, comment.reviewed_at = actor, timezone.now()
    comment.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit.record(
        actor=actor,
        action="comment.review",
        obj=comment,
        org_unit=comment.topic.org_unit,
        detail={"keep": keep},
    )
    return comment


# --- meetings --------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    actor,
    org_unit: OrgUnit,
    title: str,
    start: datetime.datetime,
    end: datetime.datetime,
    room=None,
    place: str = "",
    notes: str = "",
    topics=(),
    now=None,
) -> Meeting:
    """A meeting of the corner. With a room, the room is booked through the service centre."""
    community = _community_of(org_unit)
    title = _text(title, field="title", limit=200, message=_("Give the meeting a title."))
    notes = _text(notes, field="notes", limit=2000, required=False)
    now = now or timezone.now()
    if start is None or end is None or start >= end:
        raise ApplicationError(_("The meeting must end after it starts."), field="end")
    if start <= now:
        raise ApplicationError(_("A meeting is planned for a time in the future."), field="start")
    booking = None
    if room is not None:
        if room.org_unit_id != community.pk:
            raise ApplicationError(_("Choose a room of the community."), field="room")
        from gongzhi.venues import services as venue_services

        try:
            booking = venue_services.booking_create(
                actor=actor, room=room, start=start, end=end, purpose=title, headcount=room.capacity
            )
        except ApplicationError as exc:
            raise ApplicationError(
                _("The room cannot be booked: %(reason)s") % {"reason": exc.message},
                code=exc.code,
                status=exc.status,
                field="room",
            ) from exc
        place = place.strip() or room.name
    place = _text(place, field="place", limit=200, message=_("Say where the meeting takes place."))
    meeting = Meeting.objects.create(
        org_unit=community,
        title=title,
        start=start,
        end=end,
        room=room,
        booking=booking,
        place=place,
        notes=notes,
        created_by=_user(actor),
    )
    audit.record(
        actor=actor,
        action="meeting.create",
        obj=meeting,
        org_unit=community,
        detail={"room": getattr(room, "pk", None)},
    )
    for topic in topics:
        agenda_add(actor=actor, meeting=meeting, topic=topic)
    return meeting


@transaction.atomic
def agenda_add(*, actor, meeting: Meeting, topic: Topic) -> AgendaItem:
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.org_unit_id != meeting.org_unit_id:
        raise ApplicationError(_("Choose topics of the meeting's community."), field="topic")
    if meeting.status in (Meeting.Status.HELD, Meeting.Status.CANCELLED):
        raise ConflictError(_("The meeting is over or cancelled."), code="meeting_over")
    if topic.status not in (S.OPEN, S.SCHEDULED):
        raise ConflictError(
            _("Only topics on the agenda can be scheduled for a meeting."), code="not_on_agenda"
        )
    if AgendaItem.objects.filter(meeting=meeting, topic=topic).exists():
        raise ConflictError(_("The topic is on this meeting's agenda already."), code="duplicate")
    position = (meeting.agenda.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    item = AgendaItem.objects.create(
        meeting=meeting, org_unit_id=meeting.org_unit_id, topic=topic, position=position
    )
    if topic.status == S.OPEN:
        topic.status = S.SCHEDULED
        topic.save(update_fields=["status"])
    audit.record(actor=actor, action="meeting.agenda_add", obj=meeting, detail={"topic": topic.pk})
    return item


@transaction.atomic
def meeting_publish(*, actor, meeting: Meeting, now=None) -> Meeting:
    """Publish the notice in advance; invited participants and the supporters of its topics hear of it."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    now = now or timezone.now()
    if meeting.status != Meeting.Status.DRAFT:
        raise ConflictError(_("Only a draft meeting can be published."), code="invalid_transition")
    if meeting.start <= now:
        raise ConflictError(_("A notice is published before the meeting starts."), code="too_late")
    if not meeting.agenda.exists():
        raise ApplicationError(_("Put at least one topic on the agenda first."), code="empty_agenda")
    meeting.status, meeting.published_at = Meeting.Status.PUBLISHED, now
    meeting.save(update_fields=["status", "published_at"])
    audit.record(actor=actor, action="meeting.publish", obj=meeting)
    people = [p.user for p in meeting.participants.select_related("user") if p.user_id]
    for item in meeting.agenda.select_related("topic"):
        people += _people_of(item.topic)
    _notify(
        people,
        title=_("Deliberation meeting “%(title)s” on %(date)s at %(place)s")
        % {
            "title": meeting.title,
            "date": f"{timezone.localtime(meeting.start):%Y-%m-%d %H:%M}",
            "place": meeting.place,
        },
        url=f"/deliberation/meetings/{meeting.pk}/",
        org_unit=meeting.org_unit,
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting, reason: str = "") -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status in (Meeting.Status.HELD, Meeting.Status.CANCELLED):
        raise ConflictError(_("The meeting is over or cancelled."), code="meeting_over")
    meeting.status = Meeting.Status.CANCELLED
    meeting.save(update_fields=["status"])
    if meeting.booking_id:
        from gongzhi.venues import services as venue_services

        if meeting.booking.status not in ("cancelled", "rejected"):
            venue_services.booking_cancel(actor=actor, booking=meeting.booking, reason=reason)
    for item in meeting.agenda.select_related("topic"):
        if item.topic.status == S.SCHEDULED:
            Topic.objects.filter(pk=item.topic_id).update(status=S.OPEN)
    audit.record(actor=actor, action="meeting.cancel", obj=meeting, detail={"reason": reason[:200]})
    return meeting


@transaction.atomic
def participant_invite(
    *,
    actor,
    meeting: Meeting,
    kind: str,
    resident: Resident | None = None,
    partner: PartnerUnit | None = None,
    user=None,
    name: str = "",
) -> Participant:
    if kind not in Participant.Kind.values:
        raise ApplicationError(_("Choose in which role the person is invited."), field="kind")
    if meeting.status in (Meeting.Status.HELD, Meeting.Status.CANCELLED):
        raise ConflictError(_("The meeting is over or cancelled."), code="meeting_over")
    if resident is not None:
        if resident.household.org_unit.parent_id != meeting.org_unit_id:
            raise ApplicationError(_("Invite residents of the meeting's community."), field="resident")
        user = user or resident.user
        name = name or resident.name
    if partner is not None:
        if partner.org_unit_id != meeting.org_unit_id:
            raise ApplicationError(_("Invite partner units of the meeting's community."), field="partner")
        name = name or partner.name
    if user is not None and not name:
        name = str(user)
    name = _text(name, field="name", limit=100, message=_("Name the person invited."))
    existing = None
    if resident is not None:
        existing = meeting.participants.filter(resident=resident).first()
    elif user is not None:
        existing = meeting.participants.filter(user=user).first()
    if existing is not None:
        existing.invited, existing.kind = True, kind
        existing.save(update_fields=["invited", "kind"])
        participant = existing
    else:
        participant = Participant.objects.create(
            meeting=meeting,
            org_unit_id=meeting.org_unit_id,
            kind=kind,
            name=name,
            resident=resident,
            user=user,
            partner=partner,
            invited=True,
        )
    audit.record(
        actor=actor,
        action="meeting.invite",
        obj=meeting,
        detail={"participant": participant.pk, "kind": kind},
    )
    if participant.user_id and meeting.status == Meeting.Status.PUBLISHED:
        _notify(
            [participant.user],
            title=_("You are invited to the deliberation meeting “%(title)s”") % {"title": meeting.title},
            url=f"/deliberation/meetings/{meeting.pk}/",
            org_unit=meeting.org_unit,
        )
    return participant


@transaction.atomic
def meeting_register(*, actor, meeting: Meeting, now=None) -> Participant:
    """A resident registers for a published meeting and gets a personal QR code for the door."""
    now = now or timezone.now()
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.PUBLISHED or meeting.end <= now:
        raise ConflictError(
            _("Registration is open for published meetings that are not over."), code="closed"
        )
    resident, _household = _resident_household(actor, meeting.org_unit)
    participant = (
        meeting.participants.filter(resident=resident).first()
        or meeting.participants.filter(user=actor).first()
    )
    if participant is None:
        participant = Participant.objects.create(
            meeting=meeting,
            org_unit_id=meeting.org_unit_id,
            kind=Participant.Kind.RESIDENT,
            name=resident.name,
            resident=resident,
            user=actor,
        )
    if participant.registered_at:
        raise ConflictError(_("You are registered already."), code="already_registered")
    participant.registered_at = now
    if participant.user_id is None:
        participant.user = actor
    participant.save(update_fields=["registered_at", "user"])
    audit.record(actor=actor, action="meeting.register", obj=meeting, detail={"participant": participant.pk})
    return participant


@transaction.atomic
def meeting_checkin(*, actor, meeting: Meeting, token: str, now=None) -> tuple[Participant, bool]:
    """At the door: the registration QR code or the resident's cloud check-in card. Returns the
    participant and whether this scan checked them in (False: they were in already). A resident
    with a card who did not register is let in as a resident participant."""
    now = now or timezone.now()
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == Meeting.Status.CANCELLED:
        raise ConflictError(_("The meeting is cancelled."), code="meeting_over")
    token = (token or "").strip()
    if not token:
        raise ApplicationError(_("Scan a code or type it in."), code="required", field="token")
    participant = meeting.participants.filter(token=token).first()
    if participant is None:
        resident = card_resolve(token)
        if resident is None:
            raise ApplicationError(
                _("This code is unknown or no longer valid."), code="unknown_code", field="token", status=404
            )
        if resident.household.org_unit.parent_id != meeting.org_unit_id:
            raise ApplicationError(
                _("This card belongs to another community."), code="other_community", field="token"
            )
        participant = meeting.participants.filter(resident=resident).first()
        if participant is None:
            participant = Participant.objects.create(
                meeting=meeting,
                org_unit_id=meeting.org_unit_id,
                kind=Participant.Kind.RESIDENT,
                name=resident.name,
                resident=resident,
                user=resident.user,
                registered_at=now,
            )
    if participant.attended_at:
        return participant, False
    participant.attended_at = now
    participant.save(update_fields=["attended_at"])
    audit.record(actor=actor, action="meeting.checkin", obj=meeting, detail={"participant": participant.pk})
    return participant, True


@transaction.atomic
def minutes_record(*, actor, item: AgendaItem, minutes: str) -> AgendaItem:
    item.minutes = _text(minutes, field="minutes", limit=8000, message=_("Write the minutes."))
    item.save(update_fields=["minutes"])
    audit.record(actor=actor, action="meeting.minutes", obj=item.meeting, detail={"topic": item.topic_id})
    return item


@transaction.atomic
def meeting_photo_add(*, actor, meeting: Meeting, photos) -> int:
    photos = [p for p in photos or () if p]
    if not photos:
        raise ApplicationError(_("Choose a photo."), code="required", field="photos")
    if len(photos) + meeting.photos.count() > 20:
        raise ApplicationError(_("At most 20 photos per meeting."), field="photos")
    for photo in photos:
        upload = upload_store(
            actor=actor, file=photo, org_unit=meeting.org_unit, purpose="deliberation.photo", images_only=True
        )
        MeetingPhoto.objects.create(meeting=meeting, org_unit_id=meeting.org_unit_id, upload=upload)
    audit.record(actor=actor, action="meeting.photos", obj=meeting, detail={"photos": len(photos)})
    return len(photos)


@transaction.atomic
def meeting_mark_held(*, actor, meeting: Meeting, now=None) -> Meeting:
    now = now or timezone.now()
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.PUBLISHED:
        raise ConflictError(_("Only a published meeting can be marked as held."), code="invalid_transition")
    if meeting.start > now:
        raise ConflictError(_("The meeting has not started yet."), code="too_early")
    meeting.status, meeting.held_at = Meeting.Status.HELD, now
    meeting.save(update_fields=["status", "held_at"])
    audit.record(actor=actor, action="meeting.held", obj=meeting)
    return meeting


# --- decisions -------------------------------------------------------------------------------------


def tally(
    *, yes: int, no: int, abstain: int, eligible: int, quorum_percent: int, majority_percent: int
) -> str:
    """The outcome of a vote. Quorum: the ballots cast (abstentions count) reach quorum_percent of
    those entitled to vote. Majority: yes votes are more than majority_percent of the yes and no
    votes (a tie under a simple majority does not pass)."""
    cast = yes + no + abstain
    if cast == 0 or cast * 100 < quorum_percent * eligible:
        return Decision.Outcome.NO_QUORUM
    if yes * 100 > majority_percent * (yes + no):
        return Decision.Outcome.PASSED
    return Decision.Outcome.REJECTED


def eligible_households(topic: Topic):
    grids = list(topic.grids.values_list("pk", flat=True))
    qs = Household.objects.filter(org_unit__parent=topic.org_unit, is_active=True)
    return qs.filter(org_unit__in=grids) if grids else qs


@transaction.atomic
def decision_open(
    *,
    actor,
    topic: Topic,
    method: str,
    question: str = "",
    meeting: Meeting | None = None,
    days: int | None = None,
    quorum_percent: int | None = None,
    majority_percent: int | None = None,
    now=None,
) -> Decision:
    """Open a vote on a topic. A household vote runs for `days` (the corner's default) among the
    active households of the affected grids (or the whole community); a representatives' vote is
    taken at a meeting among the representatives checked in."""
    now = now or timezone.now()
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.status not in (S.OPEN, S.SCHEDULED):
        raise ConflictError(_("Only a topic on the agenda can be put to the vote."), code="not_on_agenda")
    if topic.decisions.filter(status=Decision.Status.OPEN).exists():
        raise ConflictError(_("A vote on this topic is open already."), code="vote_open")
    corner = corner_of(topic.org_unit)
    quorum = corner.quorum_percent if quorum_percent is None else quorum_percent
    majority = corner.majority_percent if majority_percent is None else majority_percent
    if not isinstance(quorum, int) or not 0 <= quorum <= 100:
        raise ApplicationError(
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": 0, "high": 100},
            field="quorum_percent",
        )
    if not isinstance(majority, int) or not 1 <= majority <= 99:
        raise ApplicationError(
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": 1, "high": 99},
            field="majority_percent",
        )
    question = _text(question or topic.title, field="question", limit=300)
    if method == Decision.Method.HOUSEHOLDS:
        days = corner.vote_days if days is None else days
        if not isinstance(days, int) or not 1 <= days <= 90:
            raise ApplicationError(
                _("Enter a whole number from %(low)s to %(high)s.") % {"low": 1, "high": 90}, field="days"
            )
        closes_at = now + datetime.timedelta(days=days)
        eligible = eligible_households(topic).count()
        meeting = None
    elif method == Decision.Method.REPRESENTATIVES:
        meeting = Meeting.objects.filter(pk=getattr(meeting, "pk", None)).first()
        if meeting is None or not meeting.agenda.filter(topic=topic).exists():
            raise ApplicationError(_("Choose the meeting whose agenda has this topic."), field="meeting")
        if meeting.status not in (Meeting.Status.PUBLISHED, Meeting.Status.HELD):
            raise ConflictError(
                _("The representatives vote at a published meeting."), code="meeting_not_published"
            )
        eligible = meeting.participants.filter(
            kind=Participant.Kind.REPRESENTATIVE, attended_at__isnull=False
        ).count()
        closes_at = now + datetime.timedelta(days=1)
    else:
        raise ApplicationError(_("Choose how the decision is taken."), field="method")
    if eligible == 0:
        raise ApplicationError(_("Nobody is entitled to vote on this."), code="no_voters")
    decision = Decision.objects.create(
        org_unit=topic.org_unit,
        topic=topic,
        meeting=meeting,
        question=question,
        method=method,
        opens_at=now,
        closes_at=closes_at,
        quorum_percent=quorum,
        majority_percent=majority,
        eligible=eligible,
        created_by=_user(actor),
    )
    audit.record(
        actor=actor,
        action="decision.open",
        obj=decision,
        org_unit=topic.org_unit,
        detail={"method": method, "eligible": eligible, "quorum": quorum, "majority": majority},
    )
    if method == Decision.Method.HOUSEHOLDS:
        _notify(
            _people_of(topic),
            title=_("Vote open until %(date)s: %(question)s")
            % {"date": f"{timezone.localtime(closes_at):%Y-%m-%d %H:%M}", "question": question},
            url=f"/deliberation/decisions/{decision.pk}/",
            org_unit=topic.org_unit,
        )
    return decision


def _open_decision(decision: Decision, now) -> Decision:
    decision = Decision.objects.select_for_update(no_key=True).get(pk=decision.pk)
    if decision.status != Decision.Status.OPEN or now >= decision.closes_at or now < decision.opens_at:
        raise ConflictError(_("The vote is closed."), code="vote_closed")
    return decision


@transaction.atomic
def vote_cast(*, actor, decision: Decision, choice: str, now=None) -> Vote:
    """A member of a household casts (or changes) the household's vote. One row per household: the
    decision row is locked, and the unique constraint catches what a lock cannot (SQLite)."""
    now = now or timezone.now()
    if choice not in Vote.Choice.values:
        raise ApplicationError(_("Choose in favour, against or abstain."), field="choice")
    if decision.method != Decision.Method.HOUSEHOLDS:
        raise ConflictError(_("Only the representatives present vote on this."), code="representatives_only")
    decision = _open_decision(decision, now)
    _resident, household = _resident_household(actor, decision.org_unit)
    if not eligible_households(decision.topic).filter(pk=household.pk).exists():
        raise ApplicationError(
            _("Your household is not among those called to vote."), code="not_eligible", status=403
        )
    vote = Vote.objects.select_for_update().filter(decision=decision, household=household).first()
    if vote is None:
        try:
            with transaction.atomic():
                vote = Vote.objects.create(
                    decision=decision,
                    org_unit_id=decision.org_unit_id,
                    household=household,
                    choice=choice,
                    cast_by=actor,
                    cast_at=now,
                )
            audit.record(actor=actor, action="vote.cast", obj=decision, org_unit=decision.org_unit)
            return vote
        except IntegrityError:
            vote = Vote.objects.select_for_update().get(decision=decision, household=household)
    vote.choice, vote.cast_by, vote.cast_at = choice, actor, now
    vote.changes += 1
    vote.save(update_fields=["choice", "cast_by", "cast_at", "changes"])
    # The audit trail records that the household voted, never how.
    audit.record(actor=actor, action="vote.change", obj=decision, org_unit=decision.org_unit)
    return vote


@transaction.atomic
def vote_record_representative(
    *, actor, decision: Decision, participant: Participant, choice: str, now=None
) -> Vote:
    """The secretary records the vote of a representative present at the meeting."""
    now = now or timezone.now()
    if choice not in Vote.Choice.values:
        raise ApplicationError(_("Choose in favour, against or abstain."), field="choice")
    if decision.method != Decision.Method.REPRESENTATIVES:
        raise ConflictError(_("This is a household vote."), code="households_only")
    decision = _open_decision(decision, now)
    if (
        participant.meeting_id != decision.meeting_id
        or participant.kind != Participant.Kind.REPRESENTATIVE
        or participant.attended_at is None
    ):
        raise ApplicationError(_("Only representatives checked in at the meeting vote."), field="participant")
    vote, created = Vote.objects.update_or_create(
        decision=decision,
        participant=participant,
        defaults={"choice": choice, "cast_by": actor, "cast_at": now},
        create_defaults={
            "org_unit_id": decision.org_unit_id,
            "choice": choice,
            "cast_by": actor,
            "cast_at": now,
        },
    )
    audit.record(actor=actor, action="vote.record", obj=decision, detail={"participant": participant.pk})
    return vote


@transaction.atomic
def decision_close(*, actor, decision: Decision, now=None) -> Decision:
    """Count the votes and publish the result. Passed: the topic is decided; not passed: closed;
    no quorum: the topic goes back on the agenda. Supporters and voters are told."""
    now = now or timezone.now()
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != Decision.Status.OPEN:
        raise ConflictError(_("The vote is closed already."), code="vote_closed")
    counts = dict.fromkeys(Vote.Choice.values, 0)
    for choice in decision.votes.values_list("choice", flat=True):
        counts[choice] += 1
    decision.yes, decision.no, decision.abstain = counts["yes"], counts["no"], counts["abstain"]
    decision.outcome = tally(
        yes=decision.yes,
        no=decision.no,
        abstain=decision.abstain,
        eligible=decision.eligible,
        quorum_percent=decision.quorum_percent,
        majority_percent=decision.majority_percent,
    )
    decision.status, decision.closed_at = Decision.Status.CLOSED, now
    if decision.closes_at > now:
        decision.closes_at = max(now, decision.opens_at + datetime.timedelta(seconds=1))
    decision.save()
    topic = Topic.objects.select_for_update().get(pk=decision.topic_id)
    target = {
        Decision.Outcome.PASSED: S.DECIDED,
        Decision.Outcome.REJECTED: S.CLOSED,
        Decision.Outcome.NO_QUORUM: S.OPEN,
    }[decision.outcome]
    if topic.status != target:
        topic.status = target
        topic.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="decision.close",
        obj=decision,
        org_unit=decision.org_unit,
        detail={
            "yes": decision.yes,
            "no": decision.no,
            "abstain": decision.abstain,
            "outcome": decision.outcome,
        },
    )
    _notify(
        _people_of(topic, decision=decision),
        title=_(
            "Vote result on “%(question)s”: %(outcome)s (%(yes)s in favour, %(no)s against, %(abstain)s abstaining)"
        )
        % {
            "question": decision.question,
            "outcome": Decision.Outcome(decision.outcome).label,
            "yes": decision.yes,
            "no": decision.no,
            "abstain": decision.abstain,
        },
        url=f"/deliberation/decisions/{decision.pk}/",
        org_unit=decision.org_unit,
    )
    return decision


def decisions_close_due(*, now=None) -> int:
    """Close the votes whose time is up (run from cron: deliberation_close_votes)."""
    now = now or timezone.now()
    closed = 0
    for decision in Decision.objects.filter(status=Decision.Status.OPEN, closes_at__lte=now).order_by("pk")[
        :500
    ]:
        try:
            decision_close(actor=None, decision=decision, now=now)
            closed += 1
        except ConflictError:
            continue
    return closed


# --- results ---------------------------------------------------------------------------------------


@transaction.atomic
def result_create(
    *, actor, topic: Topic, title: str, owner_kind: str, owner_partner=None, owner_grid=None, milestones=()
) -> Result:
    """A passed decision becomes a result with an owner and milestones (title, due date)."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.status != S.DECIDED:
        raise ConflictError(_("Only a decided topic gets a result to track."), code="not_decided")
    if Result.objects.filter(topic=topic).exists():
        raise ConflictError(_("The topic has a result already."), code="duplicate")
    title = _text(title, field="title", limit=200, message=_("Say what will be done."))
    if owner_kind not in Result.OwnerKind.values:
        raise ApplicationError(_("Choose who is responsible."), field="owner_kind")
    if owner_kind == Result.OwnerKind.PARTNER:
        if owner_partner is None or owner_partner.org_unit_id != topic.org_unit_id:
            raise ApplicationError(_("Choose a partner unit of the community."), field="owner_partner")
        owner_grid = None
    elif owner_kind == Result.OwnerKind.GRID:
        if owner_grid is None or owner_grid.parent_id != topic.org_unit_id:
            raise ApplicationError(_("Choose a grid of the community."), field="owner_grid")
        owner_partner = None
    else:
        owner_partner = owner_grid = None
    decision = topic.decisions.filter(outcome=Decision.Outcome.PASSED).order_by("-closed_at").first()
    result = Result.objects.create(
        org_unit=topic.org_unit,
        topic=topic,
        decision=decision,
        title=title,
        owner_kind=owner_kind,
        owner_partner=owner_partner,
        owner_grid=owner_grid,
        created_by=_user(actor),
    )
    for m_title, due in milestones:
        milestone_add(actor=actor, result=result, title=m_title, due_date=due)
    audit.record(
        actor=actor, action="result.create", obj=result, org_unit=topic.org_unit, detail={"owner": owner_kind}
    )
    return result


@transaction.atomic
def milestone_add(*, actor, result: Result, title: str, due_date: datetime.date) -> Milestone:
    if result.status == Result.Status.DONE:
        raise ConflictError(_("The result is done."), code="done")
    title = _text(title, field="title", limit=200, message=_("Name the milestone."))
    if not isinstance(due_date, datetime.date):
        raise ApplicationError(_("Give the milestone a due date."), field="due_date")
    milestone = Milestone.objects.create(
        result=result, org_unit_id=result.org_unit_id, title=title, due_date=due_date
    )
    audit.record(actor=actor, action="result.milestone_add", obj=result, detail={"milestone": milestone.pk})
    return milestone


@transaction.atomic
def milestone_complete(*, actor, milestone: Milestone, on: datetime.date | None = None) -> Milestone:
    if milestone.done_on:
        raise ConflictError(_("The milestone is done already."), code="done")
    milestone.done_on = on or timezone.localdate()
    milestone.save(update_fields=["done_on"])
    audit.record(
        actor=actor, action="result.milestone_done", obj=milestone.result, detail={"milestone": milestone.pk}
    )
    return milestone


@transaction.atomic
def result_update_add(
    *, actor, result: Result, text: str, progress: int, photos=(), now=None
) -> ResultUpdate:
    """Report progress (never backwards). At 100 % the result is done: the topic closes, the
    originating case is resolved through the registered hook, supporters and voters are told."""
    now = now or timezone.now()
    result = Result.objects.select_for_update().select_related("topic").get(pk=result.pk)
    if result.status == Result.Status.DONE:
        raise ConflictError(_("The result is done."), code="done")
    text = _text(text, field="text", limit=2000, message=_("Write what was done."))
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ApplicationError(
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": 0, "high": 100}, field="progress"
        )
    if progress < result.progress:
        raise ApplicationError(
            _("Progress does not go back: it is %(n)s %% already.") % {"n": result.progress}, field="progress"
        )
    photos = [p for p in photos or () if p]
    if len(photos) > MAX_FILES:
        raise ApplicationError(_("At most %(n)s photos per update.") % {"n": MAX_FILES}, field="photos")
    update = ResultUpdate.objects.create(
        result=result,
        org_unit_id=result.org_unit_id,
        text=text,
        progress=progress,
        author=actor,
        created_at=now,
    )
    for photo in photos:
        upload = upload_store(
            actor=actor, file=photo, org_unit=result.org_unit, purpose="deliberation.photo", images_only=True
        )
        ResultPhoto.objects.create(update=update, org_unit_id=update.org_unit_id, upload=upload)
    result.progress = progress
    result.status = Result.Status.IN_PROGRESS if progress < 100 else Result.Status.DONE
    if progress == 100:
        result.done_at = now
    result.save(update_fields=["progress", "status", "done_at"])
    audit.record(actor=actor, action="result.update", obj=result, detail={"progress": progress})
    topic = result.topic
    if result.status == Result.Status.DONE:
        if topic.status != S.CLOSED:
            topic.status = S.CLOSED
            topic.save(update_fields=["status"])
        hooks.result_done(topic=topic, result=result, actor=actor)
        title = _("Done: %(title)s") % {"title": result.title}
    else:
        title = _("Progress %(n)s %% on “%(title)s”") % {"n": progress, "title": result.title}
    _notify(
        _people_of(topic), title=title, url=f"/deliberation/results/{result.pk}/", org_unit=result.org_unit
    )
    return update


def _people_of(topic: Topic, *, decision: Decision | None = None) -> list:
    """Whom to tell about a topic: its proposer, the supporters and those who voted on it."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    ids = set(Support.objects.filter(topic=topic).values_list("user_id", flat=True))
    votes = Vote.objects.filter(decision__topic=topic)
    if decision is not None:
        votes = votes.filter(decision=decision)
    ids |= set(votes.values_list("cast_by_id", flat=True))
    if topic.created_by_id:
        ids.add(topic.created_by_id)
    return list(User.objects.filter(pk__in=ids, is_active=True))
