import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gongzhi.core.errors import ApplicationError
from gongzhi.venues import services
from gongzhi.venues.models import Booking, BookingEvent

from .factories import at, make_room


@pytest.fixture
def room(tree):
    return make_room(tree.community_a)


@pytest.fixture
def staff(make_user, roles, tree):
    return make_user(roles.COMMUNITY_STAFF, tree.community_a)


@pytest.fixture
def resident_user(make_user, roles, tree):
    return make_user(roles.RESIDENT, tree.community_a)


def book(actor, room, start, end, headcount=5, purpose="读书会"):
    return services.booking_create(
        actor=actor, room=room, start=start, end=end, purpose=purpose, headcount=headcount
    )


def test_staff_booking_is_confirmed_and_recorded(staff, room):
    b = book(staff, room, at(3, 10), at(3, 12))
    assert b.status == Booking.Status.CONFIRMED
    assert b.booker_kind == Booking.BookerKind.STAFF
    assert list(BookingEvent.objects.filter(booking=b).values_list("to_status", flat=True)) == ["confirmed"]


@pytest.mark.parametrize(
    "start,end,headcount,code",
    [
        ((-1, 10), (-1, 11), 5, "in_past"),
        ((3, 6), (3, 9), 5, "outside_opening_hours"),
        ((3, 19), (3, 21), 5, "outside_opening_hours"),
        ((3, 10), (3, 11), 21, "over_capacity"),
        ((3, 12), (3, 10), 5, "end_before_start"),
        ((3, 12), (3, 12), 5, "end_before_start"),
    ],
)
def test_bad_booking_requests_are_refused(staff, room, start, end, headcount, code):
    with pytest.raises(ApplicationError) as exc:
        book(staff, room, at(*start), at(*end), headcount=headcount)
    assert exc.value.code == code
    assert not Booking.objects.exists()


def test_booking_on_a_closed_day_is_refused(staff, room, tree):
    day = at(5, 10).date()
    services.closedday_create(actor=staff, org_unit=tree.community_a, date=day, note="藏历新年")
    with pytest.raises(ApplicationError) as exc:
        book(staff, room, at(5, 10), at(5, 11))
    assert exc.value.code == "closed_day"
    assert "藏历新年" in str(exc.value.message)
    # Another day is fine.
    assert book(staff, room, at(6, 10), at(6, 11)).pk


def test_weekday_without_hours_is_closed(staff, tree):
    monday_only = {1: (datetime.time(9), datetime.time(17))}
    room = make_room(tree.community_a, name="调解室", hours=monday_only)
    day = next(d for d in range(2, 9) if at(d, 10).isoweekday() == 2)
    with pytest.raises(ApplicationError) as exc:
        book(staff, room, at(day, 10), at(day, 11))
    assert exc.value.code == "outside_opening_hours"


def test_overlap_is_refused_but_touching_is_fine(staff, room):
    book(staff, room, at(3, 10), at(3, 12))
    with pytest.raises(ApplicationError) as exc:
        book(staff, room, at(3, 11), at(3, 13))
    assert exc.value.code == "slot_taken"
    assert exc.value.status == 409
    assert book(staff, room, at(3, 12), at(3, 13)).status == Booking.Status.CONFIRMED
    assert Booking.objects.count() == 2


def test_cancelled_booking_frees_the_slot(staff, room):
    b = book(staff, room, at(3, 10), at(3, 12))
    services.booking_cancel(actor=staff, booking=b)
    assert book(staff, room, at(3, 10), at(3, 12)).status == Booking.Status.CONFIRMED


def test_room_needing_approval_makes_resident_bookings_pending(staff, resident_user, tree):
    room = make_room(tree.community_a, name="邻里汇", requires_approval=True)
    b = book(resident_user, room, at(3, 10), at(3, 12))
    assert b.status == Booking.Status.PENDING
    # A pending request holds the slot too.
    with pytest.raises(ApplicationError):
        book(staff, room, at(3, 11), at(3, 12))
    with pytest.raises(ApplicationError) as exc:
        services.booking_approve(actor=resident_user, booking=b)
    assert exc.value.code == "not_allowed"
    b = services.booking_approve(actor=staff, booking=b)
    assert b.status == Booking.Status.CONFIRMED
    assert b.decided_by == staff
    assert resident_user.notifications.count() == 1
    with pytest.raises(ApplicationError) as exc:
        services.booking_approve(actor=staff, booking=b)
    assert exc.value.code == "wrong_state"
    assert list(b.events.values_list("from_status", "to_status")) == [
        ("", "pending"),
        ("pending", "confirmed"),
    ]


def test_reject(staff, resident_user, tree):
    room = make_room(tree.community_a, name="邻里汇", requires_approval=True)
    b = book(resident_user, room, at(3, 10), at(3, 12))
    b = services.booking_reject(actor=staff, booking=b, reason="当天有社区会议")
    assert b.status == Booking.Status.REJECTED
    assert book(resident_user, room, at(3, 10), at(3, 12)).status == Booking.Status.PENDING


def test_who_may_book(make_user, roles, tree):
    room = make_room(tree.community_a, name="调解室", bookable_by_residents=False)
    resident = make_user(roles.RESIDENT, tree.community_a)
    other_community_staff = make_user(roles.COMMUNITY_STAFF, tree.community_b)
    for user in (resident, other_community_staff):
        with pytest.raises(ApplicationError) as exc:
            book(user, room, at(3, 10), at(3, 11))
        assert exc.value.code == "not_allowed"


def test_partner_booking_records_the_unit(make_user, roles, tree):
    from gongzhi.core.services import partnerunit_save

    partner = partnerunit_save(
        actor=None,
        partner=None,
        org_unit=tree.community_a,
        kind="clinic",
        name="卫生院",
        address="",
        description="",
        contact_name="",
        contact_phone="",
        is_active=True,
    )
    user = make_user(roles.PARTNER_STAFF, tree.community_a, partner_unit=partner)
    b = book(user, make_room(tree.community_a), at(3, 10), at(3, 11))
    assert b.booker_kind == Booking.BookerKind.PARTNER
    assert b.partner_unit == partner


def test_only_booker_or_staff_cancel(staff, resident_user, make_user, roles, tree, room):
    b = book(resident_user, room, at(3, 10), at(3, 11))
    other = make_user(roles.RESIDENT, tree.community_a)
    with pytest.raises(ApplicationError):
        services.booking_cancel(actor=other, booking=b)
    assert services.booking_cancel(actor=resident_user, booking=b).status == Booking.Status.CANCELLED


def test_no_show_only_after_start(staff, room):
    b = book(staff, room, at(3, 10), at(3, 11))
    with pytest.raises(ApplicationError) as exc:
        services.booking_mark_no_show(actor=staff, booking=b)
    assert exc.value.code == "too_early"
    Booking.objects.filter(pk=b.pk).update(start=at(-1, 10), end=at(-1, 11))
    b.refresh_from_db()
    assert services.booking_mark_no_show(actor=staff, booking=b).status == Booking.Status.NO_SHOW


def test_weekly_series_reports_each_conflict(staff, room, tree):
    book(staff, room, at(3 + 14, 10), at(3 + 14, 11))  # week 3 is taken
    services.closedday_create(actor=staff, org_unit=tree.community_a, date=at(3 + 21, 10).date(), note="节日")
    results = services.booking_create_weekly(
        actor=staff,
        room=room,
        start=at(3, 10),
        end=at(3, 11),
        weeks=5,
        purpose="国家通用语言课",
        headcount=10,
    )
    assert [r.code for r in results] == ["", "", "slot_taken", "closed_day", ""]
    assert sum(r.ok for r in results) == 3
    series = {r.booking.series for r in results if r.ok}
    assert len(series) == 1 and None not in series
    assert all(r.start.hour == 10 for r in results)


def test_weekly_series_bounds(staff, room):
    with pytest.raises(ApplicationError):
        services.booking_create_weekly(
            actor=staff, room=room, start=at(3, 10), end=at(3, 11), weeks=0, purpose="x", headcount=1
        )


def test_database_refuses_end_before_start_and_zero_headcount(staff, room):
    b = Booking(
        org_unit=room.org_unit,
        room=room,
        booked_by=staff,
        booker_kind="staff",
        start=at(3, 12),
        end=at(3, 10),
        purpose="x",
        headcount=0,
        status="confirmed",
    )
    with pytest.raises(ValidationError):
        b.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        b.save()


@pytest.mark.postgres
def test_postgres_exclusion_constraint_refuses_overlap_written_directly(staff, room):
    book(staff, room, at(3, 10), at(3, 12))
    raw = Booking(
        org_unit=room.org_unit,
        room=room,
        booked_by=staff,
        booker_kind="staff",
        start=at(3, 11),
        end=at(3, 13),
        purpose="x",
        headcount=1,
        status="confirmed",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        raw.save()
    # A cancelled row may overlap.
    raw.status = "cancelled"
    raw.save()
