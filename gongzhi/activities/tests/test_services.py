import datetime

import pytest
from django.db import IntegrityError, transaction

from gongzhi.activities import services
from gongzhi.activities.models import Activity, Attendance, Enrolment
from gongzhi.core.errors import ApplicationError
from gongzhi.registry import services as registry_services

from .factories import at, make_activity, make_household, make_resident


@pytest.fixture
def staff(make_user, roles, tree):
    return make_user(roles.COMMUNITY_STAFF, tree.community_a)


@pytest.fixture
def family(tree, make_user, roles):
    """A household: the head (a parent, signed in), her son aged 8, her mother (the grandmother,
    signed in) and her 15-year-old nephew's... a teenage sibling of the head."""
    hh = make_household(tree.grid_a1)
    head_user = make_user(roles.RESIDENT, tree.community_a)
    grandma_user = make_user(roles.RESIDENT, tree.community_a)
    return {
        "household": hh,
        "head": make_resident(hh, age=35, relationship="head", user=head_user),
        "head_user": head_user,
        "child": make_resident(hh, age=8, relationship="child"),
        "grandma": make_resident(hh, age=68, relationship="parent", user=grandma_user),
        "grandma_user": grandma_user,
    }


def _residents(tree, n, make_user=None, roles=None):
    out = []
    for _ in range(n):
        hh = make_household(tree.grid_a2)
        out.append(make_resident(hh, age=70))
    return out


def test_enrol_until_full_then_waitlist_and_promote_on_cancel(tree, staff):
    activity = make_activity(tree.community_a, capacity=2)
    a, b, c, d = _residents(tree, 4)
    e1 = services.enrolment_create(actor=staff, activity=activity, resident=a)
    e2 = services.enrolment_create(actor=staff, activity=activity, resident=b)
    e3 = services.enrolment_create(actor=staff, activity=activity, resident=c)
    e4 = services.enrolment_create(actor=staff, activity=activity, resident=d)
    assert [e.status for e in (e1, e2, e3, e4)] == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    promoted = services.enrolment_cancel(actor=staff, enrolment=e1)
    assert promoted.pk == e3.pk  # first come, first promoted
    statuses = dict(Enrolment.objects.values_list("resident_id", "status"))
    assert statuses == {a.pk: "cancelled", b.pk: "enrolled", c.pk: "enrolled", d.pk: "waitlisted"}
    # Cancelling from the waiting list promotes nobody.
    assert services.enrolment_cancel(actor=staff, enrolment=e4) is None
    assert activity.enrolments.filter(status="enrolled").count() == 2


def test_promotion_notifies_a_resident_with_an_account(tree, staff, family):
    activity = make_activity(tree.community_a, capacity=1)
    first = services.enrolment_create(actor=staff, activity=activity, resident=_residents(tree, 1)[0])
    services.enrolment_create(actor=family["head_user"], activity=activity, resident=family["head"])
    services.enrolment_cancel(actor=staff, enrolment=first)
    assert family["head_user"].notifications.count() == 1


def test_second_enrolment_of_the_same_person_is_refused(tree, family):
    activity = make_activity(tree.community_a)
    services.enrolment_create(actor=family["head_user"], activity=activity, resident=family["head"])
    with pytest.raises(ApplicationError) as exc:
        services.enrolment_create(actor=family["head_user"], activity=activity, resident=family["head"])
    assert exc.value.code == "already_enrolled"
    assert activity.enrolments.count() == 1


def test_database_refuses_two_active_enrolments(tree, family):
    activity = make_activity(tree.community_a)
    Enrolment.objects.create(
        activity=activity, org_unit=activity.org_unit, resident=family["head"], status="enrolled"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            activity=activity, org_unit=activity.org_unit, resident=family["head"], status="waitlisted"
        )
    # A cancelled one does not block a new one.
    Enrolment.objects.filter(activity=activity).update(status="cancelled")
    Enrolment.objects.create(
        activity=activity, org_unit=activity.org_unit, resident=family["head"], status="enrolled"
    )


@pytest.mark.parametrize("opens,closes", [(2, 5), (-10, -1)])
def test_enrolment_outside_the_window_is_refused(tree, family, opens, closes):
    activity = make_activity(tree.community_a, opens=opens, closes=closes)
    with pytest.raises(ApplicationError) as exc:
        services.enrolment_create(actor=family["head_user"], activity=activity, resident=family["head"])
    assert exc.value.code == "enrolment_closed"
    assert not activity.enrolments.exists()


def test_guardian_enrols_a_child_of_the_household(tree, family):
    activity = make_activity(
        tree.community_a, category="children", target_group="children", min_age=6, max_age=12
    )
    e = services.enrolment_create(actor=family["head_user"], activity=activity, resident=family["child"])
    assert e.status == "enrolled" and e.enrolled_by == family["head_user"]
    services.enrolment_cancel(actor=family["head_user"], enrolment=e)
    # A grandparent is a guardian too.
    e = services.enrolment_create(actor=family["grandma_user"], activity=activity, resident=family["child"])
    assert e.status == "enrolled"


def test_someone_who_is_not_the_guardian_cannot_enrol_a_child(tree, family, make_user, roles):
    activity = make_activity(tree.community_a, category="children", min_age=6, max_age=12)
    stranger_user = make_user(roles.RESIDENT, tree.community_a)
    make_resident(make_household(tree.grid_a2), age=40, user=stranger_user)
    with pytest.raises(ApplicationError) as exc:
        services.enrolment_create(actor=stranger_user, activity=activity, resident=family["child"])
    assert exc.value.code == "not_guardian"
    # A child cannot enrol an adult of the household, nor a minor sibling another minor.
    teen_user = make_user(roles.RESIDENT, tree.community_a)
    make_resident(family["household"], age=15, relationship="child", user=teen_user)
    with pytest.raises(ApplicationError) as exc:
        services.enrolment_create(actor=teen_user, activity=activity, resident=family["child"])
    assert exc.value.code == "not_guardian"
    assert not activity.enrolments.exists()


def test_adult_cannot_be_enrolled_by_a_relative(tree, family):
    activity = make_activity(tree.community_a)
    with pytest.raises(ApplicationError) as exc:
        services.enrolment_create(actor=family["head_user"], activity=activity, resident=family["grandma"])
    assert exc.value.code == "not_guardian"


def test_age_range_is_enforced(tree, family):
    activity = make_activity(tree.community_a, min_age=60)
    with pytest.raises(ApplicationError) as exc:
        services.enrolment_create(actor=family["head_user"], activity=activity, resident=family["head"])
    assert exc.value.code == "not_eligible"
    assert services.enrolment_create(
        actor=family["grandma_user"], activity=activity, resident=family["grandma"]
    )


def test_activity_validation(tree, staff):
    with pytest.raises(ApplicationError):
        make_activity(tree.community_a, sessions=[(at(3, 12), at(3, 10))])
    with pytest.raises(ApplicationError):
        make_activity(tree.community_a, opens=5, closes=1)
    with pytest.raises(ApplicationError):
        make_activity(tree.community_a, place="")
    with pytest.raises(ApplicationError):
        make_activity(tree.community_a, min_age=12, max_age=6)


# --- attendance --------------------------------------------------------------------------------


@pytest.fixture
def card_setup(tree, staff, family):
    """A two-hour session and the head's cloud check-in card."""
    start = at(0, 9) + datetime.timedelta(days=1)
    activity = make_activity(tree.community_a, sessions=[(start, start + datetime.timedelta(hours=2))])
    services.enrolment_create(actor=staff, activity=activity, resident=family["head"])
    card = registry_services.card_issue(actor=staff, resident=family["head"])
    return activity, activity.sessions.get(), card, start


def test_scan_checks_in_then_out_and_applies_the_60_percent_rule(staff, card_setup):
    activity, session, card, start = card_setup
    r = services.attendance_scan(
        actor=staff, session=session, token=card.token, at=start + datetime.timedelta(minutes=5)
    )
    assert r.action == "check_in"
    r = services.attendance_scan(
        actor=staff, session=session, token=card.token, at=start + datetime.timedelta(minutes=70)
    )
    assert r.action == "check_out"
    # 65 of 120 minutes is 54 %: below the 60 % line.
    assert r.attendance.present_minutes == 65
    assert r.counted is False


def test_present_long_enough_counts(staff, card_setup):
    activity, session, card, start = card_setup
    services.attendance_scan(
        actor=staff, session=session, token=card.token, at=start - datetime.timedelta(minutes=10)
    )
    r = services.attendance_scan(
        actor=staff, session=session, token=card.token, at=start + datetime.timedelta(minutes=72)
    )
    assert r.attendance.present_minutes == 72  # time before the start does not count
    assert r.counted is True


def test_revoked_or_unknown_card_is_refused(staff, card_setup, family):
    activity, session, card, start = card_setup
    registry_services.card_revoke(actor=staff, card=card)
    for token in (card.token, "no-such-token", ""):
        with pytest.raises(ApplicationError) as exc:
            services.attendance_scan(actor=staff, session=session, token=token, at=start)
        assert exc.value.code == "unknown_card"
    assert not Attendance.objects.exists()
    new_card = registry_services.card_issue(actor=staff, resident=family["head"])
    assert (
        services.attendance_scan(actor=staff, session=session, token=new_card.token, at=start).action
        == "check_in"
    )


def test_scan_outside_the_session_window_is_refused(staff, card_setup):
    activity, session, card, start = card_setup
    with pytest.raises(ApplicationError) as exc:
        services.attendance_scan(
            actor=staff, session=session, token=card.token, at=start - datetime.timedelta(hours=2)
        )
    assert exc.value.code == "session_not_open"


def test_resident_cannot_scan_cards(card_setup, family):
    activity, session, card, start = card_setup
    with pytest.raises(ApplicationError) as exc:
        services.attendance_scan(actor=family["head_user"], session=session, token=card.token, at=start)
    assert exc.value.code == "not_allowed"


def test_self_check_in_with_the_activity_qr(card_setup, family):
    activity, session, card, start = card_setup
    r = services.attendance_self(actor=family["head_user"], activity_token=activity.checkin_token, at=start)
    assert r.action == "check_in" and r.attendance.method == "self"
    r = services.attendance_self(
        actor=family["head_user"],
        activity_token=activity.checkin_token,
        at=start + datetime.timedelta(minutes=110),
    )
    assert r.counted is True
    with pytest.raises(ApplicationError) as exc:
        services.attendance_self(actor=family["head_user"], activity_token="wrong", at=start)
    assert exc.value.code == "unknown_code"


def test_confirmation_fixes_the_list_once(staff, card_setup, family):
    activity, session, card, start = card_setup
    services.attendance_scan(actor=staff, session=session, token=card.token, at=start)
    grandma_card = registry_services.card_issue(actor=staff, resident=family["grandma"])
    services.attendance_scan(actor=staff, session=session, token=grandma_card.token, at=start)
    services.attendance_scan(
        actor=staff, session=session, token=card.token, at=start + datetime.timedelta(minutes=100)
    )
    with pytest.raises(ApplicationError) as exc:
        services.session_confirm(actor=staff, session=session, at=start + datetime.timedelta(minutes=60))
    assert exc.value.code == "too_early"
    result = services.session_confirm(actor=staff, session=session, at=start + datetime.timedelta(hours=3))
    # The grandmother never checked out: she does not count.
    assert (result.counted, result.not_counted) == (1, 1)
    assert result.awarded == 0  # no point rule on this activity
    with pytest.raises(ApplicationError) as exc:
        services.session_confirm(actor=staff, session=session, at=start + datetime.timedelta(hours=3))
    assert exc.value.code == "already_confirmed"
    with pytest.raises(ApplicationError):
        services.attendance_scan(
            actor=staff, session=session, token=card.token, at=start + datetime.timedelta(hours=1)
        )


def test_manual_correction_then_confirm(staff, card_setup, family):
    activity, session, card, start = card_setup
    a = services.attendance_manual(
        actor=staff,
        session=session,
        resident=family["grandma"],
        check_in_at=start,
        check_out_at=start + datetime.timedelta(minutes=80),
    )
    assert a.counted is True and a.method == "manual"


def test_partner_staff_manage_their_own_programme_only(tree, make_user, roles):
    from gongzhi.core.services import partnerunit_save

    p1 = partnerunit_save(actor=None, org_unit=tree.community_a, kind="clinic", name="卫生院")
    p2 = partnerunit_save(actor=None, org_unit=tree.community_a, kind="school", name="小学")
    activity = make_activity(tree.community_a, partner=p1, category="free_clinic")
    assert services.can_manage(make_user(roles.PARTNER_STAFF, tree.community_a, partner_unit=p1), activity)
    assert not services.can_manage(
        make_user(roles.PARTNER_STAFF, tree.community_a, partner_unit=p2), activity
    )
    assert not services.can_manage(make_user(roles.COMMUNITY_STAFF, tree.community_b), activity)


def test_cancelled_activity_refuses_enrolment(tree, staff, family):
    activity = make_activity(tree.community_a)
    services.activity_cancel(actor=staff, activity=activity)
    assert Activity.objects.get(pk=activity.pk).status == "cancelled"
    with pytest.raises(ApplicationError):
        services.enrolment_create(actor=family["head_user"], activity=activity, resident=family["head"])


def test_confirmation_awards_points_to_volunteers_and_optionally_participants(
    tree, staff, family, monkeypatch
):
    pytest.importorskip("gongzhi.points")
    from django.apps import apps

    if not apps.is_installed("gongzhi.points"):
        pytest.skip("the points app is not installed")
    import gongzhi.points.services as points_services

    calls = []

    class Result:
        created = True
        entry = None

    def fake_award(**kwargs):
        calls.append(kwargs)
        return Result()

    monkeypatch.setattr(points_services, "award_create", fake_award)
    start = at(1, 9)
    activity = make_activity(
        tree.community_a,
        sessions=[(start, start + datetime.timedelta(hours=2))],
        point_rule_code="volunteer_service",
        participant_point_rule_code="",
    )
    services.enrolment_create(actor=staff, activity=activity, resident=family["head"], role="volunteer")
    services.enrolment_create(actor=staff, activity=activity, resident=family["grandma"])
    session = activity.sessions.get()
    for r in (family["head"], family["grandma"]):
        services.attendance_manual(
            actor=staff,
            session=session,
            resident=r,
            check_in_at=start,
            check_out_at=start + datetime.timedelta(hours=2),
        )
    result = services.session_confirm(actor=staff, session=session, at=start + datetime.timedelta(hours=3))
    assert result.awarded == 1
    assert [c["resident"] for c in calls] == [family["head"]]
    assert calls[0]["rule_code"] == "volunteer_service"
    assert (
        calls[0]["idempotency_key"]
        == f"activity:{activity.pk}:session:{session.pk}:resident:{family['head'].pk}"
    )


def test_activity_in_a_room_books_it_and_conflicts_are_refused(tree, staff):
    from gongzhi.venues import services as venue_services
    from gongzhi.venues.tests.factories import make_room

    room = make_room(tree.community_a, name="童趣天地", capacity=25)
    booked = services.activity_create(
        actor=staff,
        org_unit=tree.community_a,
        title="绘本共读",
        category="story_session",
        capacity=20,
        enrol_opens=at(-1, 0),
        enrol_closes=at(6, 0),
        sessions=[(at(21, 15), at(21, 17))],
        room=room,
    )
    session = booked.sessions.get()
    assert session.booking.status == "confirmed" and session.booking.room == room
    with pytest.raises(ApplicationError) as exc:
        venue_services.booking_create(
            actor=staff, room=room, start=at(21, 16), end=at(21, 18), purpose="x", headcount=2
        )
    assert exc.value.code == "slot_taken"
    with pytest.raises(ApplicationError) as exc:
        services.activity_create(
            actor=staff,
            org_unit=tree.community_a,
            title="撞车",
            category="other",
            capacity=5,
            enrol_opens=at(-1, 0),
            enrol_closes=at(6, 0),
            sessions=[(at(21, 16), at(21, 17))],
            room=room,
        )
    assert exc.value.code == "slot_taken"
    assert not Activity.objects.filter(title="撞车").exists()
    services.activity_cancel(actor=staff, activity=booked)
    session.booking.refresh_from_db()
    assert session.booking.status == "cancelled"


def test_more_places_promote_the_waiting_list_fewer_are_refused(tree, staff):
    activity = make_activity(tree.community_a, capacity=1)
    people = _residents(tree, 4)
    enrolments = [services.enrolment_create(actor=staff, activity=activity, resident=r) for r in people]
    assert [e.status for e in enrolments] == ["enrolled", "waitlisted", "waitlisted", "waitlisted"]
    activity, promoted = services.activity_update(actor=staff, activity=activity, capacity=3)
    assert [e.pk for e in promoted] == [enrolments[1].pk, enrolments[2].pk]
    assert activity.enrolments.filter(status="enrolled").count() == 3
    with pytest.raises(ApplicationError) as exc:
        services.activity_update(actor=staff, activity=activity, capacity=2)
    assert exc.value.code == "over_capacity"
    activity.refresh_from_db()
    assert activity.capacity == 3
