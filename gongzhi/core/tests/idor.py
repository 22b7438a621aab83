"""IDOR cases of core (see core/tests/test_idor.py): for each URL with an object id, how to make
an object in community B and a user of community A who may use the page for their own objects."""

from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core import services, uploads
from gongzhi.core.tests.test_idor import Case


def _station(w, grid=None):
    return services.gridstation_save(
        actor=None, org_unit=grid or w.tree.grid_b1, name="站", address="路", phone="0891-6000000"
    ).pk


def _partner(w, community=None):
    return services.partnerunit_save(
        actor=None, org_unit=community or w.tree.community_b, kind="school", name="小学"
    ).pk


def _station_a(w):
    return _station(w, w.tree.grid_a1)


def _partner_a(w):
    return _partner(w, w.tree.community_a)


def _upload(w):
    owner = w.make_user(w.roles.GRID_WORKER, w.tree.grid_b1)
    return uploads.upload_store(
        actor=owner,
        file=SimpleUploadedFile("b.pdf", b"%PDF-1.4 b"),
        org_unit=w.tree.grid_b1,
        purpose="test.doc",
    ).pk


CASES = {
    "core:orgunit_detail": Case(
        lambda w: w.tree.community_b.pk, lambda w: w.staff_a(), own=lambda w: w.tree.community_a.pk
    ),
    "core:orgunit_edit": Case(lambda w: w.tree.community_b.pk, lambda w: w.admin_a(w.roles.SYSTEM_ADMIN)),
    "core:station_edit": Case(_station, lambda w: w.staff_a(), own=_station_a),
    "core:partner_detail": Case(_partner, lambda w: w.staff_a(), own=_partner_a),
    "core:partner_edit": Case(_partner, lambda w: w.staff_a(), own=_partner_a),
    "core:upload": Case(_upload, lambda w: w.staff_a()),
    "api:get_org_unit": Case(
        lambda w: w.tree.community_b.pk, lambda w: w.staff_a(), own=lambda w: w.tree.community_a.pk
    ),
    "api:get_grid_station": Case(_station, lambda w: w.staff_a(), own=_station_a),
    "api:get_partner_unit": Case(_partner, lambda w: w.staff_a(), own=_partner_a),
}
