"""IDOR cases of the registry (see core/tests/test_idor.py): an object of community B, a user of
community A who may use the page for A's objects, and A's own object as the control."""

import datetime

from gongzhi.core.tests.test_idor import Case
from gongzhi.registry import services
from gongzhi.registry.models import ImportJob


def _household(w, grid=None):
    return services.household_create(actor=None, org_unit=grid or w.tree.grid_b1, address="嘎玛贡桑路1号")


def _resident(w, grid=None):
    household = _household(w, grid)
    return services.resident_create(
        actor=None,
        household=household,
        name="卓玛",
        gender="female",
        birth_date=datetime.date(1980, 1, 1),
        relationship_to_head="head",
    )


def _household_b(w):
    return _household(w).pk


def _household_a(w):
    return _household(w, w.tree.grid_a1).pk


def _resident_b(w):
    return _resident(w).pk


def _resident_a(w):
    return _resident(w, w.tree.grid_a1).pk


def _import_b(w):
    owner = w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_b)
    return ImportJob.objects.create(
        org_unit=w.tree.community_b, created_by=owner, filename="b.xlsx", sha256="0" * 64, path="none.xlsx"
    ).pk


def _staff(w):
    return w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_a)


RESIDENT_PAGES = ["resident_detail", "resident_edit", "resident_move", "resident_status", "card_print"]

CASES = {
    **{f"registry:{name}": Case(_resident_b, _staff, own=_resident_a) for name in RESIDENT_PAGES},
    "registry:resident_unmask": Case(_resident_b, _staff, method="post"),
    "registry:household_detail": Case(_household_b, _staff, own=_household_a),
    "registry:household_move": Case(_household_b, _staff, own=_household_a),
    "registry:resident_create": Case(_household_b, _staff, own=_household_a),
    "registry:import_detail": Case(_import_b, _staff),
    "registry:import_progress": Case(_import_b, _staff),
    "registry:import_errors_file": Case(_import_b, _staff),
    "api:get_household": Case(_household_b, _staff, own=_household_a),
    "api:get_resident": Case(_resident_b, _staff, own=_resident_a),
    "api:update_resident": Case(
        _resident_b, _staff, method="patch", json={"name_bo": "སྒྲོལ་མ།"}, own=_resident_a
    ),
}
