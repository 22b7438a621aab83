"""IDOR cases of venues (see core/tests/test_idor.py): a room or booking of community B, a user
of community A who may use the page on A's own, and A's object as the control."""

from gongzhi.core.tests.test_idor import Case
from gongzhi.venues import services

from .factories import at, make_room


def _room(w, unit):
    return make_room(unit, name="活动室", requires_approval=True)


def _room_b(w):
    return _room(w, w.tree.community_b).pk


def _room_a(w):
    return _room(w, w.tree.community_a).pk


def _booking(w, unit):
    resident = w.make_user(w.roles.RESIDENT, unit)
    room = _room(w, unit)
    return services.booking_create(
        actor=resident, room=room, start=at(3, 10), end=at(3, 11), purpose="读书会", headcount=3
    )


def _booking_b(w):
    return _booking(w, w.tree.community_b).pk


def _booking_a(w):
    return _booking(w, w.tree.community_a).pk


def _staff(w):
    return w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_a)


def _resident(w):
    return w.make_user(w.roles.RESIDENT, w.tree.community_a)


def _action(action):
    return lambda make: lambda w: {"pk": make(w), "action": action}


CASES = {
    "venues:room_detail": Case(_room_b, _resident, own=_room_a),
    "venues:room_week": Case(_room_b, _resident, own=_room_a),
    "venues:room_edit": Case(_room_b, _staff, own=_room_a),
    "venues:booking_new": Case(_room_b, _resident, own=_room_a),
    "venues:booking_action": Case(
        _action("approve")(_booking_b), _staff, method="post", own=_action("approve")(_booking_a)
    ),
    "api:booking_approve": Case(_booking_b, _staff, method="post", own=_booking_a),
    "api:booking_reject": Case(_booking_b, _staff, method="post", json={"reason": "维修"}, own=_booking_a),
    "api:booking_cancel": Case(_booking_b, _staff, method="post", json={"reason": "维修"}, own=_booking_a),
    "api:booking_no_show": Case(_booking_b, _staff, method="post"),
}
