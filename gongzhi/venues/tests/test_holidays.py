"""Public holidays close the rooms through core's work calendar, not through a list of the venues app."""

import datetime

import pytest
from django.urls import reverse

from gongzhi.core.calendar import holidays
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEntry, WorkCalendar, WorkCalendarDay
from gongzhi.core.services import calendar_day_set
from gongzhi.venues import selectors, services
from gongzhi.venues.models import Booking, ClosedDay

from .factories import at, make_room


@pytest.fixture
def staff(make_user, roles, tree):
    return make_user(roles.COMMUNITY_STAFF, tree.community_a)


def book(actor, room, start, end):
    return services.booking_create(actor=actor, room=room, start=start, end=end, purpose="会", headcount=3)


def test_a_holiday_of_the_district_work_calendar_closes_every_room_below_it(staff, tree):
    room = make_room(tree.community_a)
    cal = WorkCalendar.objects.create(org_unit=tree.district, name="城关区")
    WorkCalendarDay.objects.create(calendar=cal, date=at(5, 10).date(), is_working=False, note="雪顿节")
    with pytest.raises(ApplicationError) as exc:
        book(staff, room, at(5, 10), at(5, 11))
    assert exc.value.code == "closed_day" and "雪顿节" in str(exc.value.message)
    # The week view shows the day closed with the holiday's name.
    monday = at(5, 10).date() - datetime.timedelta(days=at(5, 10).weekday())
    day = next(d for d in selectors.week_grid(room, monday) if d.date == at(5, 10).date())
    assert day.closed_note == "雪顿节" and day.slots == []
    # A worked weekend day (调休) is not a holiday for the rooms.
    WorkCalendarDay.objects.create(calendar=cal, date=at(6, 10).date(), is_working=True, note="调休")
    assert book(staff, room, at(6, 10), at(6, 11)).status == Booking.Status.CONFIRMED


def test_the_closed_day_form_without_a_room_writes_the_community_work_calendar(staff, tree, login):
    room = make_room(tree.community_a)
    client = login(staff)
    day = at(7, 10).date()
    response = client.post(
        reverse("venues:closedday_list"), {"date": day.isoformat(), "room": "", "note": "藏历新年"}
    )
    assert response.status_code == 302
    assert not ClosedDay.objects.exists()
    assert holidays(tree.community_a, day, day) == {day: "藏历新年"}
    assert holidays(tree.community_b, day, day) == {}  # community B's rooms stay open
    assert AuditEntry.objects.filter(action="calendar.day_set").count() == 1
    with pytest.raises(ApplicationError):
        book(staff, room, at(7, 10), at(7, 11))
    other = make_room(tree.community_b, name="B活动室")
    assert services.is_closed(other, day) is None
    # A second closing of the same day is refused with a clear message and changes nothing.
    again = client.post(reverse("venues:closedday_list"), {"date": day.isoformat(), "room": "", "note": "x"})
    assert again.status_code == 200 and again.context["form"].errors
    assert WorkCalendarDay.objects.filter(date=day).count() == 1
    # The page lists the holiday as coming from the work calendar, and a single room's closed day.
    client.post(
        reverse("venues:closedday_list"),
        {"date": at(8, 10).date().isoformat(), "room": room.pk, "note": "维修"},
    )
    page = client.get(reverse("venues:closedday_list")).content.decode()
    assert "藏历新年" in page and "维修" in page


def test_a_new_community_calendar_keeps_the_inherited_hours_and_holidays(staff, tree):
    district = WorkCalendar.objects.create(org_unit=tree.district, name="城关区", working_weekdays="123456")
    WorkCalendarDay.objects.create(calendar=district, date=at(9, 10).date(), is_working=False, note="国庆")
    calendar_day_set(
        actor=staff, org_unit=tree.community_a, date=at(10, 10).date(), is_working=False, note="节"
    )
    own = WorkCalendar.objects.get(org_unit=tree.community_a)
    assert own.working_weekdays == "123456"
    assert set(holidays(tree.community_a, at(9, 10).date(), at(10, 10).date())) == {
        at(9, 10).date(),
        at(10, 10).date(),
    }
