import pytest

from gongzhi.venues.models import Booking

from .factories import at, make_room


@pytest.fixture
def room(tree):
    return make_room(tree.community_a, name="社区书咖", capacity=12)


def post(client, payload):
    return client.post("/api/v1/bookings", payload, content_type="application/json")


def body(room, start, end, headcount=4):
    return {
        "room_id": room.pk,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "purpose": "读书会",
        "headcount": headcount,
    }


def test_rooms_are_listed_in_scope_only(login, make_user, roles, tree, room):
    make_room(tree.community_b, name="B的活动室")
    client = login(make_user(roles.RESIDENT, tree.community_a))
    data = client.get("/api/v1/rooms").json()
    assert data["count"] == 1
    assert data["items"][0]["name"] == "社区书咖"
    assert data["items"][0]["capacity"] == 12
    assert len(data["items"][0]["opening_hours"]) == 7


def test_booking_created_then_slot_taken(login, make_user, roles, tree, room):
    client = login(make_user(roles.RESIDENT, tree.community_a))
    r = post(client, body(room, at(2, 10), at(2, 12)))
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "confirmed"
    r = post(client, body(room, at(2, 11), at(2, 13)))
    assert r.status_code == 409
    assert r.json()["code"] == "slot_taken"
    assert r.json()["message"]
    listed = client.get("/api/v1/bookings").json()
    assert listed["count"] == 1


@pytest.mark.parametrize(
    "start,end,headcount,status,code",
    [
        ((2, 6), (2, 7), 4, 409, "outside_opening_hours"),
        ((2, 10), (2, 11), 13, 409, "over_capacity"),
        ((-2, 10), (-2, 11), 4, 400, "in_past"),
        ((2, 11), (2, 10), 4, 400, "end_before_start"),
    ],
)
def test_booking_refusals(login, make_user, roles, tree, room, start, end, headcount, status, code):
    client = login(make_user(roles.RESIDENT, tree.community_a))
    r = post(client, body(room, at(*start), at(*end), headcount))
    assert r.status_code == status
    assert r.json()["code"] == code
    assert not Booking.objects.exists()


def test_room_of_another_community_is_404(login, make_user, roles, tree):
    other = make_room(tree.community_b, name="B的活动室")
    client = login(make_user(roles.RESIDENT, tree.community_a))
    r = post(client, body(other, at(2, 10), at(2, 11)))
    assert r.status_code == 404


def test_openapi_has_the_issue_paths(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for p in (
        "/api/v1/rooms",
        "/api/v1/bookings",
        "/api/v1/activities",
        "/api/v1/activities/{activity_id}/enrolments",
        "/api/v1/activities/{activity_id}/attendance",
    ):
        assert p in paths
