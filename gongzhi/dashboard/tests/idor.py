"""IDOR cases of the dashboard (see core/tests/test_idor.py): the objects are org units, so the
object of community B is community B itself, asked for by community A's secretary."""

from gongzhi.core.tests.test_idor import Case


def _b(w):
    return w.tree.community_b.pk


def _a(w):
    return w.tree.community_a.pk


def _secretary(w):
    return w.staff_a()


def _display(w):
    return w.make_user(w.roles.DISPLAY, w.tree.community_a)


CASES = {
    "dashboard:cockpit": Case(build=_b, actor=_secretary, own=_a),
    "dashboard:screen": Case(build=_b, actor=_display, own=_a),
    "dashboard:report": Case(build=_b, actor=_secretary, own=_a),
    "dashboard:report_xlsx": Case(build=_b, actor=_secretary, own=_a),
    "api:dashboard_cockpit": Case(build=_b, actor=_secretary, own=_a),
    "api:dashboard_report": Case(build=_b, actor=_display, own=_a),
    "api:dashboard_map": Case(build=_b, actor=_display, own=_a),
}
