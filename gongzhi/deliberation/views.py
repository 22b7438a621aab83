"""Pages of the deliberation corner. Thin: parse, check the named rule, call a service or selector,
render. Another community's object is a 404."""

import segno
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.accounts.scoping import communities_of
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import OrgUnit, PartnerUnit
from gongzhi.core.pagination import paginate, querystring_without_page
from gongzhi.core.views import form_error
from gongzhi.registry.models import Resident
from gongzhi.venues.selectors import room_list

from . import selectors, services
from .forms import (
    AgendaForm,
    CheckinForm,
    CommentForm,
    CornerForm,
    DecisionOpenForm,
    InviteForm,
    MeetingForm,
    MilestoneForm,
    MinutesForm,
    PhotosForm,
    RepresentativeVoteForm,
    ResultForm,
    TopicForm,
    UpdateForm,
    VoteForm,
)
from .models import Decision, Meeting, Participant, Result, Topic
from .rules import MANAGERS

VIEW = "deliberation.view_topics"


def _get(fetch, **kw):
    try:
        return fetch(**kw)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _require(request, perm, obj=None):
    if not request.user.has_perm(perm, obj):
        raise Http404


def _visible(request, fetch, pk, perm):
    """The object `fetch` finds in the user's scope on which the user holds `perm`; else a 404."""
    obj = _get(fetch, user=request.user, pk=pk)
    _require(request, perm, obj)
    return obj


def _refused(request, exc: ApplicationError):
    messages.error(request, str(exc.message))


def _managed_community(user):
    community = communities_of(user, MANAGERS).first()
    if community is None:
        raise Http404
    return community


# --- topics ----------------------------------------------------------------------------------------


@permission_required(VIEW, raise_exception=True)
def topic_list(request):
    status = request.GET.get("status") or None
    if status not in Topic.Status.values:
        status = None
    category = request.GET.get("category") or None
    if category not in Topic.Category.values:
        category = None
    q = (request.GET.get("q") or "").strip()[:100]
    page = paginate(request, selectors.topic_list(user=request.user, status=status, category=category, q=q))
    return render(
        request,
        "deliberation/topic_list.html",
        {
            "page": page,
            "status": status,
            "category": category,
            "q": q,
            "statuses": Topic.Status.choices,
            "categories": Topic.Category.choices,
            "qs": querystring_without_page(request),
            "can_propose": request.user.has_perm("deliberation.propose_topic"),
            "can_create": request.user.has_perm("deliberation.create_topic"),
        },
    )


@permission_required(VIEW, raise_exception=True)
def topic_create(request):
    user = request.user
    staff = user.has_perm("deliberation.create_topic")
    if staff:
        community = _managed_community(user)
    elif user.has_perm("deliberation.propose_topic"):
        household = selectors.household_of(user)
        if household is None:
            messages.error(
                request, _("Only residents registered in a household of the community can do this.")
            )
            return redirect("deliberation:topic_list")
        community = household.org_unit.parent
    else:
        raise Http404
    grids = OrgUnit.objects.filter(parent=community, kind=OrgUnit.Kind.GRID, is_active=True).order_by("code")
    form = TopicForm(request.POST or None, request.FILES or None, grids=grids)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        fields = {
            "title": d["title"],
            "description": d["description"],
            "category": d["category"],
            "grids": list(d["grids"]),
            "attachments": d["attachments"],
        }
        try:
            if staff:
                topic = services.topic_create(actor=user, org_unit=community, **fields)
            else:
                topic = services.topic_propose(actor=user, **fields)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("deliberation:topic_detail", pk=topic.pk)
    threshold = services.corner_of(community).support_threshold
    return render(
        request, "deliberation/topic_form.html", {"form": form, "staff": staff, "threshold": threshold}
    )


@permission_required(VIEW, raise_exception=True)
def topic_detail(request, pk):
    user = request.user
    topic = _get(selectors.topic_get, user=user, pk=pk)
    can_manage = user.has_perm("deliberation.manage_topic", topic)
    household = selectors.household_of(user)
    moves = sorted(services.TRANSITIONS[topic.status]) if can_manage else []
    decision_form = None
    if can_manage and topic.status in (Topic.Status.OPEN, Topic.Status.SCHEDULED):
        decision_form = DecisionOpenForm(
            meetings=Meeting.objects.filter(agenda__topic=topic).exclude(status=Meeting.Status.CANCELLED)
        )
    result = Result.objects.filter(topic=topic).first()
    return render(
        request,
        "deliberation/topic_detail.html",
        {
            "topic": topic,
            "moves": [(m, Topic.Status(m).label) for m in moves],
            "can_manage": can_manage,
            "can_support": user.has_perm("deliberation.support_topic", topic) and household is not None,
            "supported": selectors.supported(topic, household),
            "can_comment": user.has_perm("deliberation.comment_topic", topic)
            and topic.status != Topic.Status.CLOSED,
            "can_report": user.has_perm("deliberation.report_comment", topic),
            "comments": selectors.visible_comments(topic, moderator=can_manage),
            "comment_form": CommentForm(),
            "decisions": topic.decisions.all(),
            "decision_form": decision_form,
            "meetings": Meeting.objects.filter(agenda__topic=topic).exclude(status=Meeting.Status.DRAFT),
            "result": result,
            "case_url": f"/cases/{topic.case_id}/"
            if topic.case_id and not user.has_perm("deliberation.propose_topic")
            else "",
        },
    )


@require_POST
@permission_required(VIEW, raise_exception=True)
def topic_status(request, pk):
    topic = _visible(request, selectors.topic_get, pk, "deliberation.manage_topic")
    try:
        services.topic_set_status(actor=request.user, topic=topic, status=request.POST.get("status", ""))
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:topic_detail", pk=topic.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def topic_support(request, pk):
    topic = _visible(request, selectors.topic_get, pk, "deliberation.support_topic")
    try:
        if request.POST.get("withdraw"):
            services.support_withdraw(actor=request.user, topic=topic)
            messages.success(request, _("Your household's support is withdrawn."))
        else:
            topic = services.support_add(actor=request.user, topic=topic)
            messages.success(request, _("Thank you: your household supports this topic."))
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:topic_detail", pk=topic.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def topic_agenda(request, pk):
    topic = _visible(request, selectors.topic_get, pk, "deliberation.manage_topic")
    try:
        services.topic_put_on_agenda(actor=request.user, topic=topic)
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:topic_detail", pk=topic.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def comment_add(request, pk):
    topic = _visible(request, selectors.topic_get, pk, "deliberation.comment_topic")
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(actor=request.user, topic=topic, body=form.cleaned_data["body"])
        except ApplicationError as exc:
            _refused(request, exc)
    else:
        messages.error(request, _("Write your comment."))
    return redirect("deliberation:topic_detail", pk=topic.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def comment_report(request, pk):
    comment = _get(selectors.comment_get, user=request.user, pk=pk)
    _require(request, "deliberation.report_comment", comment.topic)
    try:
        services.comment_report(actor=request.user, comment=comment)
        messages.success(request, _("Thank you. A moderator will look at the comment."))
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:topic_detail", pk=comment.topic_id)


@require_POST
@permission_required(VIEW, raise_exception=True)
def comment_review(request, pk):
    comment = _get(selectors.comment_get, user=request.user, pk=pk)
    _require(request, "deliberation.moderate_comment", comment.topic)
    try:
        services.comment_review(actor=request.user, comment=comment, keep=request.POST.get("keep") == "1")
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:topic_detail", pk=comment.topic_id)


@require_POST
@permission_required(VIEW, raise_exception=True)
def decision_open(request, pk):
    topic = _visible(request, selectors.topic_get, pk, "deliberation.manage_decision")
    form = DecisionOpenForm(request.POST, meetings=Meeting.objects.filter(agenda__topic=topic))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("deliberation:topic_detail", pk=topic.pk)
    d = form.cleaned_data
    try:
        decision = services.decision_open(
            actor=request.user,
            topic=topic,
            method=d["method"],
            question=d["question"],
            meeting=d["meeting"],
            days=d["days"],
            quorum_percent=d["quorum_percent"],
            majority_percent=d["majority_percent"],
        )
    except ApplicationError as exc:
        _refused(request, exc)
        return redirect("deliberation:topic_detail", pk=topic.pk)
    return redirect("deliberation:decision_detail", pk=decision.pk)


# --- decisions -------------------------------------------------------------------------------------


@permission_required(VIEW, raise_exception=True)
def decision_detail(request, pk):
    user = request.user
    decision = _get(selectors.decision_get, user=user, pk=pk)
    can_manage = user.has_perm("deliberation.manage_decision", decision)
    my_vote = selectors.my_vote(decision, user)
    rep_form = None
    if (
        can_manage
        and decision.method == Decision.Method.REPRESENTATIVES
        and decision.status == Decision.Status.OPEN
    ):
        rep_form = RepresentativeVoteForm(
            participants=decision.meeting.participants.filter(
                kind=Participant.Kind.REPRESENTATIVE, attended_at__isnull=False
            )
        )
    can_vote = (
        decision.method == Decision.Method.HOUSEHOLDS
        and decision.status == Decision.Status.OPEN
        and user.has_perm("deliberation.vote", decision)
    )
    return render(
        request,
        "deliberation/decision_detail.html",
        {
            "decision": decision,
            "can_manage": can_manage,
            "can_vote": can_vote,
            "my_vote": my_vote,
            "vote_form": VoteForm(initial={"choice": my_vote.choice if my_vote else None}),
            "rep_form": rep_form,
            "rep_votes": selectors.representative_votes(decision) if can_manage else [],
            "turnout": selectors.turnout(decision),
        },
    )


@require_POST
@permission_required(VIEW, raise_exception=True)
def vote_cast(request, pk):
    decision = _visible(request, selectors.decision_get, pk, "deliberation.vote")
    try:
        services.vote_cast(actor=request.user, decision=decision, choice=request.POST.get("choice", ""))
        messages.success(
            request, _("Your household's vote is recorded. You may change it until the vote closes.")
        )
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:decision_detail", pk=decision.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def vote_record(request, pk):
    decision = _visible(request, selectors.decision_get, pk, "deliberation.manage_decision")
    participants = Participant.objects.filter(meeting_id=decision.meeting_id)
    form = RepresentativeVoteForm(request.POST, participants=participants)
    if form.is_valid():
        try:
            services.vote_record_representative(
                actor=request.user,
                decision=decision,
                participant=form.cleaned_data["participant"],
                choice=form.cleaned_data["choice"],
            )
        except ApplicationError as exc:
            _refused(request, exc)
    else:
        messages.error(request, _("Choose a representative and a vote."))
    return redirect("deliberation:decision_detail", pk=decision.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def decision_close(request, pk):
    decision = _visible(request, selectors.decision_get, pk, "deliberation.manage_decision")
    try:
        services.decision_close(actor=request.user, decision=decision)
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:decision_detail", pk=decision.pk)


# --- meetings --------------------------------------------------------------------------------------


@permission_required(VIEW, raise_exception=True)
def meeting_list(request):
    upcoming = request.GET.get("when") != "all"
    page = paginate(request, selectors.meeting_list(user=request.user, upcoming=upcoming))
    return render(
        request,
        "deliberation/meeting_list.html",
        {
            "page": page,
            "upcoming": upcoming,
            "qs": querystring_without_page(request),
            "can_create": request.user.has_perm("deliberation.create_meeting"),
        },
    )


@permission_required("deliberation.create_meeting", raise_exception=True)
def meeting_create(request):
    user = request.user
    community = _managed_community(user)
    agenda_topics = Topic.objects.filter(
        org_unit=community, status__in=[Topic.Status.OPEN, Topic.Status.SCHEDULED]
    )
    form = MeetingForm(
        request.POST or None,
        rooms=room_list(user=user).filter(org_unit=community),
        topics=agenda_topics,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meeting = services.meeting_create(
                actor=user,
                org_unit=community,
                title=d["title"],
                start=d["start"],
                end=d["end"],
                room=d["room"],
                place=d["place"],
                notes=d["notes"],
                topics=list(d["topics"]),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("deliberation:meeting_detail", pk=meeting.pk)
    return render(request, "deliberation/meeting_form.html", {"form": form})


def _registration_qr(token: str) -> str:
    return segno.make(token, error="m").svg_inline(scale=6, border=2)


@permission_required(VIEW, raise_exception=True)
def meeting_detail(request, pk):
    user = request.user
    meeting = _get(selectors.meeting_get, user=user, pk=pk)
    can_manage = user.has_perm("deliberation.manage_meeting", meeting)
    mine = selectors.my_participation(meeting, user)
    context = {
        "meeting": meeting,
        "agenda": list(meeting.agenda.all()),
        "photos": list(meeting.photos.all()),
        "can_manage": can_manage,
        "mine": mine,
        "my_qr": _registration_qr(mine.token) if mine and mine.registered_at else "",
        "can_register": (
            meeting.status == Meeting.Status.PUBLISHED
            and user.has_perm("deliberation.register_meeting", meeting)
            and not (mine and mine.registered_at)
        ),
        "decisions": meeting.decisions.select_related("topic"),
    }
    if can_manage:
        context.update(
            {
                "participants": selectors.participants(meeting),
                "invite_form": InviteForm(
                    partners=PartnerUnit.objects.filter(org_unit=meeting.org_unit, is_active=True)
                ),
                "agenda_form": AgendaForm(
                    topics=Topic.objects.filter(
                        org_unit=meeting.org_unit, status__in=[Topic.Status.OPEN, Topic.Status.SCHEDULED]
                    ).exclude(agenda_items__meeting=meeting)
                ),
                "minutes_form": MinutesForm(),
                "photos_form": PhotosForm(),
            }
        )
    return render(request, "deliberation/meeting_detail.html", context)


@permission_required(VIEW, raise_exception=True)
def meeting_notice(request, pk):
    """The printable notice: what, when, where, the agenda — for the notice board."""
    meeting = _get(selectors.meeting_get, user=request.user, pk=pk)
    if meeting.status == Meeting.Status.DRAFT:
        _require(request, "deliberation.manage_meeting", meeting)
    return render(
        request,
        "deliberation/meeting_notice.html",
        {"meeting": meeting, "agenda": list(meeting.agenda.all())},
    )


def _meeting_action(request, pk, action):
    meeting = _visible(request, selectors.meeting_get, pk, "deliberation.manage_meeting")
    try:
        action(meeting)
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:meeting_detail", pk=meeting.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def meeting_publish(request, pk):
    return _meeting_action(request, pk, lambda m: services.meeting_publish(actor=request.user, meeting=m))


@require_POST
@permission_required(VIEW, raise_exception=True)
def meeting_cancel(request, pk):
    return _meeting_action(
        request,
        pk,
        lambda m: services.meeting_cancel(
            actor=request.user, meeting=m, reason=request.POST.get("reason", "")
        ),
    )


@require_POST
@permission_required(VIEW, raise_exception=True)
def meeting_held(request, pk):
    return _meeting_action(request, pk, lambda m: services.meeting_mark_held(actor=request.user, meeting=m))


@require_POST
@permission_required(VIEW, raise_exception=True)
def meeting_agenda(request, pk):
    def add(meeting):
        form = AgendaForm(request.POST, topics=Topic.objects.filter(org_unit=meeting.org_unit))
        if not form.is_valid():
            raise ApplicationError(_("Choose a topic."), field="topic")
        services.agenda_add(actor=request.user, meeting=meeting, topic=form.cleaned_data["topic"])

    return _meeting_action(request, pk, add)


@require_POST
@permission_required(VIEW, raise_exception=True)
def meeting_invite(request, pk):
    def invite(meeting):
        form = InviteForm(request.POST, partners=PartnerUnit.objects.filter(org_unit=meeting.org_unit))
        if not form.is_valid():
            raise ApplicationError(_("Check the invitation."), field="kind")
        d = form.cleaned_data
        resident = None
        if d["resident_id"]:
            resident = (
                Resident.objects.select_related("household__org_unit")
                .filter(pk=d["resident_id"], household__org_unit__parent=meeting.org_unit)
                .first()
            )
            if resident is None:
                raise ApplicationError(_("Invite residents of the meeting's community."), field="resident")
        services.participant_invite(
            actor=request.user,
            meeting=meeting,
            kind=d["kind"],
            resident=resident,
            partner=d["partner"],
            name=d["name"],
        )

    return _meeting_action(request, pk, invite)


@require_POST
@permission_required(VIEW, raise_exception=True)
def meeting_register(request, pk):
    meeting = _visible(request, selectors.meeting_get, pk, "deliberation.register_meeting")
    try:
        services.meeting_register(actor=request.user, meeting=meeting)
        messages.success(request, _("You are registered. Show your code at the door."))
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:meeting_detail", pk=meeting.pk)


@permission_required(VIEW, raise_exception=True)
def meeting_checkin(request, pk):
    """The door: scan a registration code or a cloud check-in card."""
    meeting = _visible(request, selectors.meeting_get, pk, "deliberation.manage_meeting")
    form = CheckinForm(request.POST or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        try:
            participant, first = services.meeting_checkin(
                actor=request.user, meeting=meeting, token=form.cleaned_data["token"]
            )
            outcome = {"ok": True, "participant": participant, "first": first}
        except ApplicationError as exc:
            outcome = {"ok": False, "message": str(exc.message)}
        if request.headers.get("HX-Request"):
            return render(request, "deliberation/partials/checkin_result.html", {"outcome": outcome})
    present = meeting.participants.filter(attended_at__isnull=False).count()
    return render(
        request,
        "deliberation/meeting_checkin.html",
        {"meeting": meeting, "form": CheckinForm(), "outcome": outcome, "present": present},
    )


@require_POST
@permission_required(VIEW, raise_exception=True)
def meeting_photos(request, pk):
    def add(meeting):
        form = PhotosForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ApplicationError(_("Choose a photo."), field="photos")
        services.meeting_photo_add(actor=request.user, meeting=meeting, photos=form.cleaned_data["photos"])

    return _meeting_action(request, pk, add)


@require_POST
@permission_required(VIEW, raise_exception=True)
def minutes_record(request, pk):
    item = _get(selectors.agenda_item_get, user=request.user, pk=pk)
    _require(request, "deliberation.manage_meeting", item.meeting)
    form = MinutesForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(_("Write the minutes."), field="minutes")
        services.minutes_record(actor=request.user, item=item, minutes=form.cleaned_data["minutes"])
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:meeting_detail", pk=item.meeting_id)


# --- results ---------------------------------------------------------------------------------------


@permission_required(VIEW, raise_exception=True)
def result_list(request):
    page = paginate(request, selectors.result_list(user=request.user))
    return render(
        request, "deliberation/result_list.html", {"page": page, "qs": querystring_without_page(request)}
    )


@permission_required(VIEW, raise_exception=True)
def result_create(request, pk):
    topic = _visible(request, selectors.topic_get, pk, "deliberation.manage_result")
    form = ResultForm(
        request.POST or None,
        partners=PartnerUnit.objects.filter(org_unit=topic.org_unit, is_active=True),
        grids=OrgUnit.objects.filter(parent=topic.org_unit, kind=OrgUnit.Kind.GRID),
        initial={"title": topic.title},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = services.result_create(
                actor=request.user,
                topic=topic,
                title=d["title"],
                owner_kind=d["owner_kind"],
                owner_partner=d["owner_partner"],
                owner_grid=d["owner_grid"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            return redirect("deliberation:result_detail", pk=result.pk)
    return render(request, "deliberation/result_form.html", {"form": form, "topic": topic})


@permission_required(VIEW, raise_exception=True)
def result_detail(request, pk):
    result = _get(selectors.result_get, user=request.user, pk=pk)
    can_manage = request.user.has_perm("deliberation.manage_result", result)
    return render(
        request,
        "deliberation/result_detail.html",
        {
            "result": result,
            "can_manage": can_manage and result.status != Result.Status.DONE,
            "update_form": UpdateForm(initial={"progress": result.progress}),
            "milestone_form": MilestoneForm(),
        },
    )


@require_POST
@permission_required(VIEW, raise_exception=True)
def result_update(request, pk):
    result = _visible(request, selectors.result_get, pk, "deliberation.manage_result")
    form = UpdateForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ApplicationError(_("Write what was done and the progress (0–100)."), field="text")
        d = form.cleaned_data
        services.result_update_add(
            actor=request.user, result=result, text=d["text"], progress=d["progress"], photos=d["photos"]
        )
        messages.success(request, _("Progress saved; supporters and voters are told."))
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:result_detail", pk=result.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def milestone_add(request, pk):
    result = _visible(request, selectors.result_get, pk, "deliberation.manage_result")
    form = MilestoneForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(_("Name the milestone and its due date."), field="title")
        services.milestone_add(
            actor=request.user,
            result=result,
            title=form.cleaned_data["title"],
            due_date=form.cleaned_data["due_date"],
        )
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:result_detail", pk=result.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def milestone_done(request, pk):
    result = _visible(request, selectors.result_get, pk, "deliberation.manage_result")
    milestone = result.milestones.filter(pk=request.POST.get("milestone") or 0).first()
    if milestone is None:
        raise Http404
    try:
        services.milestone_complete(actor=request.user, milestone=milestone)
    except ApplicationError as exc:
        _refused(request, exc)
    return redirect("deliberation:result_detail", pk=result.pk)


# --- settings and the public page -------------------------------------------------------------------


@permission_required("deliberation.create_meeting", raise_exception=True)
def corner_settings(request):
    community = _managed_community(request.user)
    corner = services.corner_of(community)
    form = CornerForm(request.POST or None, instance=corner)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.corner_update(actor=request.user, community=community, **d)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("deliberation:corner_settings")
    return render(request, "deliberation/corner_settings.html", {"form": form, "community": community})


def public_page(request, code):
    """What was asked, what was decided, what was done — open to everyone, no personal data."""
    community = selectors.public_community(code)
    if community is None:
        raise Http404
    return render(
        request,
        "deliberation/public.html",
        {"community": community, **selectors.public_overview(community)},
    )
