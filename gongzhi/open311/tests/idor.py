"""IDOR cases of Open311 (see core/tests/test_idor.py). The GeoReport requests are public but
answer for one jurisdiction: a case of community B is a 404 at the default jurisdiction (A)."""

from gongzhi.cases import services as case_services
from gongzhi.cases.models import Case
from gongzhi.core.tests.test_idor import Case as IdorCase
from gongzhi.open311 import services


def _case(w, community, grid):
    category = case_services.category_save(
        actor=None, org_unit=community, code=f"idor-{community.pk}", name="路灯"
    )
    return case_services.case_create(
        actor=None, channel=Case.Channel.STAFF_ENTRY, category=category, description="灯坏了", org_unit=grid
    ).pk


def _case_b(w):
    return _case(w, w.tree.community_b, w.tree.grid_b1)


def _case_a(w):
    return _case(w, w.tree.community_a, w.tree.grid_a1)


def _key(community, name="idor"):
    key, _secret = services.apikey_create(actor=None, community=community, name=name)
    return key.pk


def _key_b(w):
    return _key(w.tree.community_b)


def _key_a(w):
    return _key(w.tree.community_a)


def _staff(w):
    return w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_a)


CASES = {
    "open311:request_json": IdorCase(_case_b, _staff, own=_case_a),
    "open311:request_xml": IdorCase(_case_b, _staff, own=_case_a),
    "open311:key_revoke": IdorCase(_key_b, _staff, method="post"),
    "api:open311_key_detail": IdorCase(_key_b, _staff, own=_key_a),
    "api:open311_key_revoke": IdorCase(_key_b, _staff, method="post", own=_key_a),
}
