"""IDOR cases of social assistance (see core/tests/test_idor.py): an application, enrolment or batch
of community B, community A's assistance officer, and A's own object as the control on the pages
that read. `batch_file` and `review_complete` carry a second URL parameter the sweep cannot fill;
their views fetch the object through the same scoped selectors as `batch_detail` and
`enrolment_detail`."""

import datetime

from gongzhi.assistance import services
from gongzhi.assistance.models import Programme
from gongzhi.core.tests.test_idor import Case

from . import factories as f

JUNE = datetime.date(2026, 6, 1)


def _programme(w):
    if not Programme.objects.filter(code="dibao-urban").exists():
        f.programmes(w.tree)
    return Programme.objects.get(code="dibao-urban")


def _application(w, grid):
    hh, _ = f.household(grid)
    return services.application_submit(actor=None, household=hh, programme=_programme(w))


def _enrolment(w, grid):
    hh, _ = f.household(grid)
    return f.enrol(programme=_programme(w), hh=hh, staff=None, secretary=None, street=None, county=None)


def _batch(w, grid, community):
    _enrolment(w, grid)
    return services.batch_create(actor=None, programme=_programme(w), community=community, month=JUNE)


def app_b(w):
    return _application(w, w.tree.grid_b1).pk


def app_a(w):
    return _application(w, w.tree.grid_a1).pk


def enrolment_b(w):
    return _enrolment(w, w.tree.grid_b1).pk


def enrolment_a(w):
    return _enrolment(w, w.tree.grid_a1).pk


def batch_b(w):
    return _batch(w, w.tree.grid_b1, w.tree.community_b).pk


def batch_a(w):
    return _batch(w, w.tree.grid_a1, w.tree.community_a).pk


def officer(w):
    return w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_a)


CASES = {
    "assistance:application_detail": Case(app_b, officer, own=app_a),
    "assistance:application_notice": Case(app_b, officer),  # exists only once the notice is up
    "assistance:application_step": Case(app_b, officer, method="post"),
    "assistance:application_document": Case(app_b, officer, method="post"),
    "assistance:enrolment_detail": Case(enrolment_b, officer, own=enrolment_a),
    "assistance:batch_detail": Case(batch_b, officer, own=batch_a),
    "assistance:batch_step": Case(batch_b, officer, method="post"),
    "api:application_detail": Case(app_b, officer, own=app_a),
    "api:application_transition": Case(app_b, officer, method="post", json={"action": "check"}),
    "api:batch_transition": Case(batch_b, officer, method="post", json={"action": "check"}),
}
