"""IDOR cases of activities (see core/tests/test_idor.py): an activity, session or enrolment of
community B, a staff member of community A, and A's object as the control."""

from gongzhi.activities import services
from gongzhi.core.tests.test_idor import Case

from .factories import make_activity, make_household, make_resident


def _activity(w, community):
    return make_activity(community)


def _activity_b(w):
    return _activity(w, w.tree.community_b).pk


def _activity_a(w):
    return _activity(w, w.tree.community_a).pk


def _session_b(w):
    return _activity(w, w.tree.community_b).sessions.first().pk


def _session_a(w):
    return _activity(w, w.tree.community_a).sessions.first().pk


def _enrolment(w, community, grid):
    activity = _activity(w, community)
    resident = make_resident(make_household(grid))
    return services.enrolment_create(
        actor=w.make_user(w.roles.COMMUNITY_STAFF, community), activity=activity, resident=resident
    )


def _enrolment_b(w):
    return _enrolment(w, w.tree.community_b, w.tree.grid_b1).pk


def _partner(w, community):
    from gongzhi.core.services import partnerunit_save

    return partnerunit_save(actor=None, org_unit=community, kind="school", name=f"学校{community.pk}").pk


def _partner_b(w):
    return _partner(w, w.tree.community_b)


def _partner_a(w):
    return _partner(w, w.tree.community_a)


def _staff(w):
    return w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_a)


CASES = {
    "activities:activity_detail": Case(_activity_b, _staff, own=_activity_a),
    "activities:activity_edit": Case(_activity_b, _staff, own=_activity_a),
    "activities:activity_qr": Case(_activity_b, _staff, own=_activity_a),
    "activities:activity_cancel": Case(_activity_b, _staff, method="post", data={"reason": "下雨"}),
    "activities:enrol": Case(_activity_b, _staff, method="post", data={}),
    "activities:enrolment_cancel": Case(_enrolment_b, _staff, method="post", data={}),
    "activities:session_detail": Case(_session_b, _staff, own=_session_a),
    "activities:session_scan": Case(_session_b, _staff, method="post", data={"token": "x"}),
    "activities:partner_detail": Case(_partner_b, _staff, own=_partner_a),
    "activities:counter_attendance": Case(_session_b, _staff, method="post", data={"resident": 1}),
    "activities:session_confirm": Case(_session_b, _staff, method="post", data={}),
    "activities:session_manual": Case(_session_b, _staff, method="post", data={}),
    "api:enrolments": Case(_activity_b, _staff, own=_activity_a),
    "api:enrolment_create": Case(_activity_b, _staff, method="post", json={"resident_id": 1}),
    "api:attendance": Case(_activity_b, _staff, method="post", json={"token": "x"}),
}
