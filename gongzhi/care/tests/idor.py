"""IDOR cases of care (see core/tests/test_idor.py): an object of community B, a user of community
A allowed to use the page on A's objects, and A's own object as the control."""

import datetime

from gongzhi.care import services
from gongzhi.care.models import ServiceType
from gongzhi.core.tests.test_idor import Case

from .factories import answers, resident


def _elder(w, grid):
    return resident(grid)


def _worker(w):
    return w.make_user(w.roles.GRID_WORKER, w.tree.grid_a1)


def _health(w):
    return w.make_user(w.roles.HEALTH_WORKER, w.tree.community_a)


def _person_b(w):
    return _elder(w, w.tree.grid_b1).pk


def _person_a(w):
    return _elder(w, w.tree.grid_a1).pk


def _assessment(grid):
    def build(w):
        r = _elder(w, grid(w))
        assessor = w.make_user(w.roles.GRID_WORKER, grid(w))
        return services.assessment_record(
            actor=assessor, resident=r, assessed_on=datetime.date(2026, 1, 1), answers=answers(60)
        ).pk

    return build


def _order(grid):
    def build(w):
        r = _elder(w, grid(w))
        actor = w.make_user(w.roles.GRID_WORKER, grid(w))
        return services.order_create(
            actor=actor, resident=r, service_type=ServiceType.objects.get(code="meal")
        ).pk

    return build


def _record(grid):
    def build(w):
        r = _elder(w, grid(w))
        return services.health_record_create(actor=None, resident=r, basis="statutory", statute="法").pk

    return build


def _clinic(community):
    def build(w):
        actor = w.make_user(w.roles.HEALTH_WORKER, community(w))
        return services.clinic_create(
            actor=actor, org_unit=community(w), name="义诊", held_on=datetime.date(2026, 11, 1)
        ).pk

    return build


def _child(grid):
    def build(w):
        r = resident(grid(w), tags=("left_behind_child",), birth_date=datetime.date(2016, 1, 1))
        return services.child_profile_create(actor=None, resident=r, kind="left_behind").pk

    return build


def B(w):
    return w.tree.grid_b1


def A(w):
    return w.tree.grid_a1


PERSON_PAGES = ["person", "visit_new", "assessment_new", "order_new", "recurring_new", "child_new"]

CASES = {
    **{f"care:{n}": Case(_person_b, _worker, own=_person_a) for n in PERSON_PAGES},
    "care:risk_set": Case(_person_b, _worker, method="post"),
    "care:health_new": Case(_person_b, _health, own=_person_a),
    "care:assessment_detail": Case(_assessment(B), _worker, own=_assessment(A)),
    "care:order_detail": Case(_order(B), _worker, own=_order(A)),
    "care:order_step": Case(_order(B), _worker, method="post"),
    "care:health_detail": Case(_record(B), _health, own=_record(A)),
    "care:health_edit": Case(_record(B), _health, method="post"),
    "care:clinic_detail": Case(
        _clinic(lambda w: w.tree.community_b), _health, own=_clinic(lambda w: w.tree.community_a)
    ),
    "care:child_detail": Case(_child(B), _worker, own=_child(A)),
    "care:child_edit": Case(_child(B), _worker, method="post"),
    "api:care_risk_set": Case(_person_b, _worker, method="post", json={"risk_level": "high", "reason": "x"}),
    "api:care_visit_create": Case(
        _person_b, _worker, method="post", json={"visited_on": "2026-11-01", "situation": "x"}
    ),
    "api:care_assessment": Case(_assessment(B), _worker, own=_assessment(A)),
    "api:care_assessment_create": Case(
        _person_b, _worker, method="post", json={"assessed_on": "2026-11-01", "answers": answers(60)}
    ),
    "api:care_order": Case(_order(B), _worker, own=_order(A)),
    "api:care_order_transition": Case(
        _order(B), _worker, method="post", json={"action": "cancel", "note": "x"}
    ),
    "api:care_health_record": Case(_record(B), _health, own=_record(A)),
    "api:care_measurements_add": Case(
        _record(B), _health, method="post", json={"measured_on": "2026-11-01", "values": {"weight": "60"}}
    ),
}
