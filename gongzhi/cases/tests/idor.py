"""IDOR cases of cases (see core/tests/test_idor.py): a case, category or grid station of
community B, a user of community A who may use the page on A's own, and A's object as control."""

import itertools

from gongzhi.cases import services
from gongzhi.cases.models import Case as CaseModel
from gongzhi.core import services as core_services
from gongzhi.core.tests.test_idor import Case

_n = itertools.count(1)


def _category(w, community, code=None):
    code = code or f"general{next(_n)}"
    return services.category_save(actor=None, org_unit=community, code=code, name="一般诉求")


def _case(w, community, grid):
    reporter = w.make_user(w.roles.RESIDENT, grid)
    return services.case_create(
        actor=reporter,
        channel=CaseModel.Channel.RESIDENT_FORM,
        category=_category(w, community),
        reporter=reporter,
        org_unit=grid,
        description="楼道灯坏了",
    )


def _case_b(w):
    return _case(w, w.tree.community_b, w.tree.grid_b1).pk


def _case_a(w):
    return _case(w, w.tree.community_a, w.tree.grid_a1).pk


def _category_b(w):
    return _category(w, w.tree.community_b).pk


def _category_a(w):
    return _category(w, w.tree.community_a).pk


def _station(w, grid):
    worker = w.make_user(w.roles.GRID_WORKER, grid)
    return core_services.gridstation_save(
        actor=None, org_unit=grid, name="一呼百应站", address="纳金路", phone="0891", duty_staff=[worker]
    )


def _station_b(w):
    return _station(w, w.tree.grid_b1).pk


def _staff(w):
    return w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_a)


def _secretary(w):
    return w.make_user(w.roles.SECRETARY, w.tree.community_a)


def _reporter_a(w):
    """A resident of A (the rating endpoints are the reporter's)."""
    return w.make_user(w.roles.RESIDENT, w.tree.grid_a1)


CASES = {
    "cases:detail": Case(_case_b, _staff, own=_case_a),
    "cases:act": Case(_case_b, _staff, method="post", data={"action": "accept"}),
    "cases:rate": Case(_case_b, _reporter_a, method="post", data={"stars": "5"}),
    "cases:merge": Case(_case_b, _staff, method="post", data={"master": "1"}),
    "cases:mediation": Case(_case_b, _staff, method="post", data={"what": "session"}),
    "cases:category_edit": Case(_category_b, _secretary, own=_category_a),
    # A station's duty page: a duty worker of A is not on B's station.
    "cases:station": Case(_station_b, lambda w: w.make_user(w.roles.GRID_WORKER, w.tree.grid_a1)),
    "cases:station_open": Case(_station_b, lambda w: w.make_user(w.roles.GRID_WORKER, w.tree.grid_a1)),
    "api:case_detail": Case(_case_b, _staff, own=_case_a),
    "api:case_transition": Case(_case_b, _staff, method="post", json={"action": "accept"}),
    "api:case_rating": Case(_case_b, _reporter_a, method="post", json={"stars": 5}),
}
