import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Notification
from gongzhi.deliberation import services
from gongzhi.deliberation.models import Comment, CommentReport, Decision, Result, Support, Topic, Vote

D = Decision.Outcome


def _propose(user, **kw):
    kw.setdefault("title", "楼下停车难")
    kw.setdefault("description", "晚上车停满了消防通道")
    return services.topic_propose(actor=user, category="property", **kw)


# --- supports and the threshold ---------------------------------------------------------------------


def test_a_proposal_reaches_the_agenda_at_the_communitys_threshold(world, add_hh):
    services.corner_update(
        actor=world.secretary,
        community=world.tree.community_a,
        support_threshold=3,
        vote_days=7,
        quorum_percent=50,
        majority_percent=50,
    )
    topic = _propose(world.alice)
    assert (topic.status, topic.support_count, topic.support_threshold) == ("proposed", 1, 3)
    topic = services.support_add(actor=world.bob, topic=topic)
    assert (topic.status, topic.support_count) == ("proposed", 2)
    topic = services.support_add(actor=world.carol, topic=topic)
    assert (topic.status, topic.support_count) == ("open", 3)
    assert topic.on_agenda_at is not None
    # Once on the agenda the topic no longer collects supports.
    _hh, (dave,) = add_hh(world.tree.grid_a2)
    with pytest.raises(ApplicationError) as exc:
        services.support_add(actor=dave, topic=topic)
    assert exc.value.code == "not_collecting"


def test_one_support_per_household_whichever_member_clicks(world):
    topic = _propose(world.bob)
    services.support_add(actor=world.alice, topic=topic)
    with pytest.raises(ApplicationError) as exc:
        services.support_add(actor=world.alice_spouse, topic=topic)
    assert (exc.value.code, exc.value.status) == ("already_supported", 409)
    topic.refresh_from_db()
    assert topic.support_count == 2 == Support.objects.filter(topic=topic).count()
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(
            topic=topic, org_unit=topic.org_unit, household=world.household, user=world.alice_spouse
        )


def test_the_threshold_in_force_when_proposed_applies_and_a_support_can_be_withdrawn(world):
    topic = _propose(world.alice)
    assert topic.support_threshold == 10  # the default
    services.support_add(actor=world.bob, topic=topic)
    topic = services.support_withdraw(actor=world.bob, topic=topic)
    assert topic.support_count == 1
    with pytest.raises(ApplicationError):
        services.support_withdraw(actor=world.bob, topic=topic)


def test_residents_of_another_community_and_staff_cannot_support(world):
    topic = _propose(world.alice)
    for user in (world.resident_b, world.staff):
        with pytest.raises(ApplicationError) as exc:
            services.support_add(actor=user, topic=topic)
        assert exc.value.status == 403
    assert Topic.objects.get(pk=topic.pk).support_count == 1


def test_the_community_puts_a_proposal_on_the_agenda_early(world):
    topic = _propose(world.alice)
    topic = services.topic_put_on_agenda(actor=world.secretary, topic=topic)
    assert topic.status == "open"
    with pytest.raises(ApplicationError):
        services.topic_put_on_agenda(actor=world.secretary, topic=topic)


def test_corner_settings_are_checked(world):
    with pytest.raises(ApplicationError) as exc:
        services.corner_update(
            actor=world.secretary,
            community=world.tree.community_a,
            support_threshold=0,
            vote_days=7,
            quorum_percent=50,
            majority_percent=50,
        )
    assert exc.value.field == "support_threshold"
    with pytest.raises(ApplicationError):
        services.corner_update(
            actor=world.secretary,
            community=world.tree.community_a,
            support_threshold=5,
            vote_days=7,
            quorum_percent=50,
            majority_percent=100,
        )


def test_proposal_input_is_checked_and_grids_belong_to_the_community(world):
    with pytest.raises(ApplicationError) as exc:
        _propose(world.alice, title=" ")
    assert exc.value.field == "title"
    with pytest.raises(ApplicationError) as exc:
        _propose(world.alice, grids=[world.tree.grid_b1])
    assert exc.value.field == "grids"
    assert not Topic.objects.exists()


# --- comments ---------------------------------------------------------------------------------------


def test_three_reports_hide_a_comment_until_a_moderator_keeps_or_removes_it(world, add_hh):
    topic = _propose(world.alice)
    comment = services.comment_add(actor=world.bob, topic=topic, body="同意")
    with pytest.raises(ApplicationError):
        services.comment_report(actor=world.bob, comment=comment)  # not one's own
    reporters = [world.alice, world.carol, add_hh(world.tree.grid_a2)[1][0]]
    comment = services.comment_report(actor=reporters[0], comment=comment)
    with pytest.raises(ApplicationError) as exc:
        services.comment_report(actor=reporters[0], comment=comment)
    assert exc.value.code == "already_reported"
    comment = services.comment_report(actor=reporters[1], comment=comment)
    assert comment.status == "visible"
    comment = services.comment_report(actor=reporters[2], comment=comment)
    assert (comment.status, comment.report_count) == ("hidden", 3)
    # The reports carry the topic's community, the distribution key (the demo has no report).
    assert set(CommentReport.objects.values_list("org_unit", flat=True)) == {topic.org_unit_id}
    comment = services.comment_review(actor=world.secretary, comment=comment, keep=True)
    assert comment.status == "visible"
    comment = services.comment_report(actor=world.alice_spouse, comment=comment)
    assert comment.status == "visible"  # reviewed and kept: further reports do not hide it again
    comment = services.comment_review(actor=world.secretary, comment=comment, keep=False)
    assert comment.status == Comment.Status.REMOVED


# --- meetings ---------------------------------------------------------------------------------------


def _topic(world, **kw):
    return services.topic_create(
        actor=world.secretary, org_unit=world.tree.community_a, title="加装电梯", description="三号楼", **kw
    )


def test_a_meeting_is_published_registered_for_and_checked_in_at_the_door(
    world, future, django_capture_on_commit_callbacks
):
    from gongzhi.registry import services as registry_services
    from gongzhi.registry.selectors import resident_of_user

    topic = _topic(world)
    start, end = future()
    meeting = services.meeting_create(
        actor=world.secretary,
        org_unit=world.tree.community_a,
        title="三月议事会",
        start=start,
        end=end,
        place="社区会议室",
        topics=[topic],
    )
    topic.refresh_from_db()
    assert topic.status == "scheduled"
    rep = services.participant_invite(
        actor=world.secretary, meeting=meeting, kind="representative", resident=resident_of_user(world.carol)
    )
    with pytest.raises(ApplicationError):
        services.meeting_register(actor=world.bob, meeting=meeting)  # not published yet
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_publish(actor=world.secretary, meeting=meeting)
    assert Notification.objects.filter(user=world.carol).exists()
    mine = services.meeting_register(actor=world.bob, meeting=meeting)
    with pytest.raises(ApplicationError):
        services.meeting_register(actor=world.bob, meeting=meeting)
    with pytest.raises(ApplicationError):
        services.meeting_register(actor=world.resident_b, meeting=meeting)
    # At the door: the registration code, then the representative's cloud card.
    participant, first = services.meeting_checkin(actor=world.secretary, meeting=meeting, token=mine.token)
    assert (participant.pk, first) == (mine.pk, True)
    assert services.meeting_checkin(actor=world.secretary, meeting=meeting, token=mine.token)[1] is False
    card = registry_services.card_issue(actor=world.secretary, resident=resident_of_user(world.carol))
    participant, first = services.meeting_checkin(actor=world.secretary, meeting=meeting, token=card.token)
    assert (participant.pk, first, participant.kind) == (rep.pk, True, "representative")
    with pytest.raises(ApplicationError) as exc:
        services.meeting_checkin(actor=world.secretary, meeting=meeting, token="nope")
    assert exc.value.code == "unknown_code"
    card_b = registry_services.card_issue(actor=world.staff_b, resident=resident_of_user(world.resident_b))
    with pytest.raises(ApplicationError) as exc:
        services.meeting_checkin(actor=world.secretary, meeting=meeting, token=card_b.token)
    assert exc.value.code == "other_community"


def test_a_meeting_in_the_past_or_ending_before_it_starts_is_refused(world, future):
    start, end = future()
    for s, e in (
        (end, start),
        (timezone.now() - datetime.timedelta(hours=1), timezone.now() + datetime.timedelta(hours=1)),
    ):
        with pytest.raises(ApplicationError):
            services.meeting_create(
                actor=world.secretary, org_unit=world.tree.community_a, title="t", start=s, end=e, place="p"
            )


def test_a_meeting_books_the_room_through_the_service_centre(world, future):
    from gongzhi.venues import services as venue_services
    from gongzhi.venues.models import Booking

    room = venue_services.room_create(
        actor=world.secretary, org_unit=world.tree.community_a, name="议事厅", capacity=30
    )
    start, end = future()
    meeting = services.meeting_create(
        actor=world.secretary,
        org_unit=world.tree.community_a,
        title="议事会",
        start=start,
        end=end,
        room=room,
    )
    assert meeting.place == "议事厅"
    assert meeting.booking.status == Booking.Status.CONFIRMED
    with pytest.raises(ApplicationError) as exc:
        services.meeting_create(
            actor=world.secretary,
            org_unit=world.tree.community_a,
            title="撞车",
            start=start,
            end=end,
            room=room,
        )
    assert exc.value.field == "room"
    services.meeting_cancel(actor=world.secretary, meeting=meeting)
    meeting.booking.refresh_from_db()
    assert meeting.booking.status == Booking.Status.CANCELLED


# --- decisions: tally, quorum and majority ----------------------------------------------------------


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "eligible", "quorum", "majority", "outcome"),
    [
        (0, 0, 0, 10, 0, 50, D.NO_QUORUM),  # nobody voted
        (3, 1, 0, 10, 50, 50, D.NO_QUORUM),  # 4 of 10 < 50 %
        (3, 2, 0, 10, 50, 50, D.PASSED),  # exactly the quorum counts
        (2, 2, 1, 10, 50, 50, D.REJECTED),  # a tie does not pass a simple majority
        (3, 2, 5, 10, 50, 50, D.PASSED),  # abstentions count for the quorum, not for the majority
        (0, 0, 5, 10, 50, 50, D.REJECTED),  # all abstain: quorum reached, nobody in favour
        (2, 1, 0, 3, 100, 66, D.PASSED),  # 66.7 % > 66 %
        (2, 1, 0, 3, 100, 67, D.REJECTED),  # two thirds required: 66.7 % does not exceed 67 %
        (1, 0, 0, 3, 34, 50, D.NO_QUORUM),  # 33.3 % < 34 %
        (1, 0, 0, 3, 33, 50, D.PASSED),
    ],
)
def test_tally_quorum_and_majority_edges(yes, no, abstain, eligible, quorum, majority, outcome):
    assert (
        services.tally(
            yes=yes,
            no=no,
            abstain=abstain,
            eligible=eligible,
            quorum_percent=quorum,
            majority_percent=majority,
        )
        == outcome
    )


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    yes=st.integers(0, 200),
    no=st.integers(0, 200),
    abstain=st.integers(0, 200),
    extra=st.integers(0, 200),
    quorum=st.integers(0, 100),
    majority=st.integers(1, 99),
)
def test_tally_properties(yes, no, abstain, extra, quorum, majority):
    eligible = yes + no + abstain + extra
    outcome = services.tally(
        yes=yes, no=no, abstain=abstain, eligible=eligible, quorum_percent=quorum, majority_percent=majority
    )
    if outcome == D.PASSED:
        assert yes > no or majority < 50
        assert yes > 0
        # One more vote against never turns a rejection into a pass.
    if outcome == D.REJECTED:
        assert (
            services.tally(
                yes=yes,
                no=no + 1,
                abstain=abstain,
                eligible=eligible + 1,
                quorum_percent=quorum,
                majority_percent=majority,
            )
            != D.PASSED
        )


def _household_vote(world, **kw):
    topic = _topic(world)
    return services.decision_open(actor=world.secretary, topic=topic, method="households", **kw)


def test_one_household_one_vote_changeable_until_the_close(world, django_capture_on_commit_callbacks):
    decision = _household_vote(world, quorum_percent=50, majority_percent=50)
    assert decision.eligible == 3  # the active households of community A
    v1 = services.vote_cast(actor=world.alice, decision=decision, choice="no")
    v2 = services.vote_cast(actor=world.alice_spouse, decision=decision, choice="yes")
    assert v1.pk == v2.pk and v2.changes == 1
    assert Vote.objects.filter(decision=decision).count() == 1
    services.vote_cast(actor=world.bob, decision=decision, choice="yes")
    with pytest.raises(ApplicationError) as exc:
        services.vote_cast(actor=world.resident_b, decision=decision, choice="yes")
    assert exc.value.status == 403
    with pytest.raises(ApplicationError):
        services.vote_cast(actor=world.bob, decision=decision, choice="maybe")
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.decision_close(actor=world.secretary, decision=decision)
    assert (decision.yes, decision.no, decision.abstain, decision.outcome) == (2, 0, 0, "passed")
    assert Topic.objects.get(pk=decision.topic_id).status == "decided"
    with pytest.raises(ApplicationError) as exc:
        services.vote_cast(actor=world.carol, decision=decision, choice="no")
    assert exc.value.code == "vote_closed"
    # The voters hear of the result.
    assert Notification.objects.filter(user=world.alice_spouse, title__contains="2 in favour").exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(
            decision=decision,
            org_unit=decision.org_unit,
            household=world.household,
            choice="no",
            cast_by=world.alice,
        )


def test_a_vote_past_its_closing_time_is_refused_and_closed_by_the_job(world):
    decision = _household_vote(world, days=2, quorum_percent=0)
    later = timezone.now() + datetime.timedelta(days=2, seconds=1)
    with pytest.raises(ApplicationError):
        services.vote_cast(actor=world.alice, decision=decision, choice="yes", now=later)
    assert services.decisions_close_due(now=later) == 1
    decision.refresh_from_db()
    assert (decision.status, decision.outcome) == ("closed", "no_quorum")
    assert Topic.objects.get(pk=decision.topic_id).status == "open"  # back on the agenda


def test_the_affected_grids_decide_who_votes(world):
    topic = _topic(world, grids=[world.tree.grid_a2])
    decision = services.decision_open(actor=world.secretary, topic=topic, method="households")
    assert decision.eligible == 1
    with pytest.raises(ApplicationError) as exc:
        services.vote_cast(actor=world.alice, decision=decision, choice="yes")
    assert exc.value.code == "not_eligible"
    services.vote_cast(actor=world.carol, decision=decision, choice="no")
    decision = services.decision_close(actor=world.secretary, decision=decision)
    assert decision.outcome == "rejected"
    assert Topic.objects.get(pk=topic.pk).status == "closed"


def test_decision_constraints_hold_in_model_and_database(world):
    decision = _household_vote(world)
    decision.majority_percent = 100
    with pytest.raises(ValidationError):
        decision.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(majority_percent=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(closes_at=decision.opens_at)


def test_representatives_vote_at_the_meeting_only_when_present(world, future):
    from gongzhi.registry.selectors import resident_of_user

    topic = _topic(world)
    start, end = future()
    meeting = services.meeting_create(
        actor=world.secretary,
        org_unit=world.tree.community_a,
        title="议事会",
        start=start,
        end=end,
        place="会议室",
        topics=[topic],
    )
    reps = [
        services.participant_invite(
            actor=world.secretary, meeting=meeting, kind="representative", resident=resident_of_user(u)
        )
        for u in (world.alice, world.bob, world.carol)
    ]
    services.meeting_publish(actor=world.secretary, meeting=meeting)
    with pytest.raises(ApplicationError) as exc:
        services.decision_open(actor=world.secretary, topic=topic, method="representatives", meeting=meeting)
    assert exc.value.code == "no_voters"
    for rep in reps[:2]:
        services.meeting_checkin(actor=world.secretary, meeting=meeting, token=rep.token)
    reps = [type(r).objects.get(pk=r.pk) for r in reps]
    decision = services.decision_open(
        actor=world.secretary, topic=topic, method="representatives", meeting=meeting, quorum_percent=100
    )
    assert decision.eligible == 2
    services.vote_record_representative(
        actor=world.secretary, decision=decision, participant=reps[0], choice="yes"
    )
    with pytest.raises(ApplicationError):
        services.vote_record_representative(
            actor=world.secretary, decision=decision, participant=reps[2], choice="yes"
        )
    with pytest.raises(ApplicationError):
        services.vote_cast(actor=world.alice, decision=decision, choice="yes")
    decision = services.decision_close(actor=world.secretary, decision=decision)
    assert decision.outcome == "no_quorum"  # 1 of 2 present, 100 % required


# --- results and the originating case ---------------------------------------------------------------


def _decided(world, topic=None):
    topic = topic or _topic(world)
    decision = services.decision_open(
        actor=world.secretary, topic=topic, method="households", quorum_percent=0
    )
    services.vote_cast(actor=world.alice, decision=decision, choice="yes")
    services.decision_close(actor=world.secretary, decision=decision)
    topic.refresh_from_db()
    return topic


def test_a_result_is_tracked_to_done_and_voters_hear_of_progress(world, django_capture_on_commit_callbacks):
    topic = _decided(world)
    with pytest.raises(ApplicationError):
        services.result_create(actor=world.secretary, topic=topic, title="装电梯", owner_kind="partner")
    result = services.result_create(
        actor=world.secretary,
        topic=topic,
        title="三号楼装电梯",
        owner_kind="partner",
        owner_partner=world.partner,
        milestones=[("设计", datetime.date(2026, 3, 1)), ("施工", datetime.date(2026, 6, 1))],
    )
    assert result.milestones.count() == 2 and result.owner_name == "城管"
    with django_capture_on_commit_callbacks(execute=True):
        services.result_update_add(actor=world.secretary, result=result, text="设计完成", progress=30)
    assert Notification.objects.filter(user=world.alice, title__contains="30").exists()
    with pytest.raises(ApplicationError) as exc:
        services.result_update_add(actor=world.secretary, result=result, text="倒退", progress=20)
    assert exc.value.field == "progress"
    services.result_update_add(actor=world.secretary, result=result, text="完工", progress=100)
    result.refresh_from_db()
    assert (result.status, result.progress) == ("done", 100) and result.done_at
    assert Topic.objects.get(pk=topic.pk).status == "closed"
    with pytest.raises(ApplicationError):
        services.result_update_add(actor=world.secretary, result=result, text="again", progress=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        Result.objects.filter(pk=result.pk).update(progress=50)


def test_a_case_escalated_to_consultation_closes_when_its_result_is_done(world):
    from gongzhi.cases import services as case_services
    from gongzhi.cases.models import Case

    category = case_services.category_save(
        actor=None,
        org_unit=world.tree.community_a,
        code="lift",
        name="加装电梯",
        response_amount=1,
        resolution_amount=5,
    )
    case = case_services.case_create(
        actor=world.bob,
        channel="resident_form",
        category=category,
        description="三号楼老人上下楼难",
        reporter=world.bob,
    )
    case = case_services.case_transition(
        actor=world.secretary, case=case, action="accept", grid=world.tree.grid_a1
    )
    case = case_services.case_transition(
        actor=world.secretary, case=case, action="escalate", tier="joint", note="需要多方"
    )
    case = case_services.case_transition(
        actor=world.secretary, case=case, action="escalate", tier="consultation", note="上议事角"
    )
    topic = case.topic
    assert (topic.origin, topic.case_id, topic.status) == ("case", case.pk, "open")
    topic = _decided(world, topic)
    result = services.result_create(
        actor=world.secretary, topic=topic, title="加装电梯", owner_kind="community"
    )
    services.result_update_add(actor=world.secretary, result=result, text="施工中", progress=50)
    assert Case.objects.get(pk=case.pk).status == "accepted"
    services.result_update_add(actor=world.secretary, result=result, text="电梯投用", progress=100)
    case.refresh_from_db()
    assert case.status == "resolved"
    assert "加装电梯" in case.resolution_note
    assert case.transitions.filter(action="resolve", detail__topic=topic.pk).exists()
    # The reporter confirms (or the case closes itself after 7 days, like every resolved case).
    closed = case_services.case_autoclose_stale(now=timezone.now() + datetime.timedelta(days=8))
    case.refresh_from_db()
    assert closed == 1 and case.status == "closed"
