import pytest
from django.urls import reverse

from gongzhi.venues import services
from gongzhi.venues.models import Booking

from .factories import at, make_room


@pytest.fixture
def room(tree):
    return make_room(tree.community_a, name="童趣天地", capacity=15, equipment="绘本, 积木")


def test_resident_of_a_grid_sees_and_books_community_rooms(login, make_user, roles, tree, room):
    user = make_user(roles.RESIDENT, tree.grid_a1)
    client = login(user)
    page = client.get(reverse("venues:room_list")).content.decode()
    assert "童趣天地" in page
    week = client.get(reverse("venues:room_detail", args=[room.pk]), {"week": at(7, 10).date().isoformat()})
    assert week.status_code == 200
    assert "slot-free" in week.content.decode()
    d = at(7, 10)
    r = client.post(
        reverse("venues:booking_new", args=[room.pk]),
        {
            "date": d.date().isoformat(),
            "start_time": "10:00",
            "end_time": "11:30",
            "purpose": "绘本共读",
            "headcount": 8,
            "weeks": 1,
        },
    )
    assert r.status_code == 302
    b = Booking.objects.get()
    assert (b.booked_by, b.status, b.headcount) == (user, "confirmed", 8)
    assert "绘本共读" in client.get(reverse("venues:my_bookings")).content.decode()
    week = client.get(
        reverse("venues:room_week", args=[room.pk]), {"week": d.date().isoformat()}
    ).content.decode()
    assert "slot-taken" in week


def test_booking_form_shows_refusal(login, make_user, roles, tree, room):
    client = login(make_user(roles.RESIDENT, tree.community_a))
    d = at(7, 10)
    r = client.post(
        reverse("venues:booking_new", args=[room.pk]),
        {
            "date": d.date().isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "purpose": "x",
            "headcount": 99,
            "weeks": 1,
        },
    )
    assert r.status_code == 200
    assert "15" in r.content.decode()
    assert not Booking.objects.exists()


def test_weekly_booking_page_lists_each_occurrence(login, make_user, roles, tree, room):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    services.booking_create(
        actor=staff, room=room, start=at(14, 10), end=at(14, 11), purpose="x", headcount=1
    )
    client = login(staff)
    d = at(7, 10)
    r = client.post(
        reverse("venues:booking_new", args=[room.pk]),
        {
            "date": d.date().isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "purpose": "国家通用语言课",
            "headcount": 10,
            "weeks": 3,
        },
    )
    html = r.content.decode()
    assert r.status_code == 200
    assert html.count("tag-warn") == 1
    assert Booking.objects.filter(purpose="国家通用语言课").count() == 2


def test_room_of_another_community_is_404(login, make_user, roles, tree):
    other = make_room(tree.community_b, name="B的活动室")
    client = login(make_user(roles.RESIDENT, tree.community_a))
    assert client.get(reverse("venues:room_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("venues:booking_new", args=[other.pk])).status_code == 404


def test_staff_approves_from_the_queue(login, make_user, roles, tree):
    room = make_room(tree.community_a, name="邻里汇", requires_approval=True)
    resident = make_user(roles.RESIDENT, tree.community_a)
    b = services.booking_create(
        actor=resident, room=room, start=at(3, 10), end=at(3, 11), purpose="议事", headcount=5
    )
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    client = login(staff)
    assert "议事" in client.get(reverse("venues:booking_list"), {"status": "pending"}).content.decode()
    client.post(reverse("venues:booking_action", args=[b.pk, "approve"]))
    b.refresh_from_db()
    assert b.status == "confirmed"


def test_booking_queue_query_count_is_flat(
    login, make_user, roles, tree, room, django_assert_max_num_queries
):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    client = login(staff)

    def load():
        with django_assert_max_num_queries(14):
            assert client.get(reverse("venues:booking_list")).status_code == 200

    services.booking_create(actor=staff, room=room, start=at(3, 10), end=at(3, 11), purpose="x", headcount=1)
    load()
    for h in range(11, 19):
        services.booking_create(
            actor=staff, room=room, start=at(3, h), end=at(3, h + 1), purpose="x", headcount=1
        )
    load()


def test_pages_refuse_users_without_a_role(login, make_user):
    client = login(make_user())
    assert client.get(reverse("venues:room_list")).status_code == 403
    assert client.get(reverse("venues:booking_list")).status_code == 403


def test_anonymous_booking_action_redirects_to_login(client, tree, room):
    r = client.post(reverse("venues:booking_action", args=[1, "cancel"]))
    assert r.status_code == 302 and "login" in r["Location"]


def test_free_slot_link_prefills_the_form(login, make_user, roles, tree, room):
    client = login(make_user(roles.RESIDENT, tree.community_a))
    d = at(7, 10)
    html = client.get(
        reverse("venues:room_week", args=[room.pk]), {"week": d.date().isoformat()}
    ).content.decode()
    import re

    link = re.search(r'href="(/venues/rooms/\d+/book/\?start=[^"]+)"', html).group(1).replace("&amp;", "&")
    form = client.get(link).content.decode()
    assert 'value="08:00' in form or 'value="08:00:00' in form
