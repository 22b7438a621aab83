"""IDOR cases of core (see core/tests/test_idor.py): for each URL with an object id, how to make
an object in community B and a user of community A who may use the page for their own objects."""

from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core import services, uploads
from gongzhi.core.tests.test_idor import Case


def _station(w):
    return services.gridstation_save(
        actor=None, org_unit=w.tree.grid_b1, name="B站", address="B路", phone="0891-6000000"
    ).pk


def _partner(w):
    return services.partnerunit_save(actor=None, org_unit=w.tree.community_b, kind="school", name="B小学").pk


def _upload(w):
    owner = w.make_user(w.roles.GRID_WORKER, w.tree.grid_b1)
    return uploads.upload_store(
        actor=owner,
        file=SimpleUploadedFile("b.pdf", b"%PDF-1.4 b"),
        org_unit=w.tree.grid_b1,
        purpose="test.doc",
    ).pk


CASES = {
    "core:orgunit_detail": Case(lambda w: w.tree.community_b.pk, lambda w: w.staff_a()),
    "core:orgunit_edit": Case(lambda w: w.tree.community_b.pk, lambda w: w.admin_a(w.roles.SYSTEM_ADMIN)),
    "core:station_edit": Case(_station, lambda w: w.staff_a()),
    "core:partner_detail": Case(_partner, lambda w: w.staff_a()),
    "core:partner_edit": Case(_partner, lambda w: w.staff_a()),
    "core:upload": Case(_upload, lambda w: w.staff_a()),
    "api:get_org_unit": Case(lambda w: w.tree.community_b.pk, lambda w: w.staff_a()),
    "api:get_grid_station": Case(_station, lambda w: w.staff_a()),
    "api:get_partner_unit": Case(_partner, lambda w: w.staff_a()),
}
