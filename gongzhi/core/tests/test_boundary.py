"""Org unit boundaries: a GeoJSON Polygon or MultiPolygon with sane coordinates, set by pasting or
uploading on the org unit's edit page; anything else is refused with a clear message and changes
nothing."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from gongzhi.accounts.roles import Role
from gongzhi.core import services
from gongzhi.core.errors import ApplicationError
from gongzhi.core.geo import boundary_clean
from gongzhi.core.models import AuditEntry, OrgUnit


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


RING = [[91.160, 29.648], [91.168, 29.648], [91.168, 29.662], [91.160, 29.662], [91.160, 29.648]]
POLYGON = {"type": "Polygon", "coordinates": [RING]}


def test_a_polygon_a_feature_and_a_one_feature_collection_keep_the_geometry():
    assert boundary_clean(POLYGON) == POLYGON
    assert boundary_clean(json.dumps({"type": "Feature", "properties": {}, "geometry": POLYGON})) == POLYGON
    collection = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": POLYGON}]}
    assert boundary_clean(json.dumps(collection).encode()) == POLYGON
    multi = {"type": "MultiPolygon", "coordinates": [[RING], [[[p[0] + 0.01, p[1]] for p in RING]]]}
    assert boundary_clean(multi)["type"] == "MultiPolygon"
    assert boundary_clean("") is None and boundary_clean(None) is None


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("{not json", "not valid JSON"),
        ({"type": "Point", "coordinates": [91.16, 29.65]}, "Polygon or MultiPolygon"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[29.648, 91.16], [29.648, 91.17], [29.66, 91.17], [29.648, 91.16]]],
            },
            "longitude first",
        ),
        ({"type": "Polygon", "coordinates": [RING[:-1]]}, "end where it starts"),
        ({"type": "Polygon", "coordinates": [RING[:3]]}, "at least four positions"),
        (
            {"type": "Polygon", "coordinates": [[[91.1, 29.6], [91.2, 29.6], [91.3, 29.6], [91.1, 29.6]]]},
            "no area",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[["91.1", 29.6], [91.2, 29.6], [91.2, 29.7], ["91.1", 29.6]]],
            },
            "in numbers",
        ),
        ({"type": "FeatureCollection", "features": []}, "exactly one feature"),
        ({"type": "Polygon", "coordinates": []}, "no rings"),
    ],
)
def test_anything_else_is_refused_with_a_clear_message(value, says):
    with pytest.raises(ApplicationError) as exc:
        boundary_clean(value)
    assert exc.value.field == "boundary"
    assert says in str(exc.value.message)


@pytest.mark.django_db
def test_the_service_sets_and_clears_the_boundary_and_audits_it(tree):
    unit = services.orgunit_set_boundary(unit=tree.grid_a1, actor=None, boundary=json.dumps(POLYGON))
    assert OrgUnit.objects.get(pk=unit.pk).boundary == POLYGON
    entry = AuditEntry.objects.get(action="orgunit.boundary_set")
    assert entry.detail == {"type": "Polygon", "positions": 5}
    services.orgunit_set_boundary(unit=unit, actor=None, boundary="")
    assert OrgUnit.objects.get(pk=unit.pk).boundary is None
    assert AuditEntry.objects.filter(action="orgunit.boundary_clear").count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_boundary_that_is_not_a_polygon(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgUnit.objects.filter(pk=tree.grid_a1.pk).update(boundary={"type": "Point", "coordinates": [91, 29]})


@pytest.mark.django_db
def test_staff_paste_or_upload_a_boundary_on_the_edit_page(tree, make_user, login):
    admin = make_user(Role.SYSTEM_ADMIN, tree.district)
    client = login(admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("core:orgunit_edit", args=[tree.grid_a1.pk])
    base = {"name": tree.grid_a1.name, "name_bo": "", "address": "", "phone": ""}
    response = client.post(url, {**base, "boundary": json.dumps(POLYGON)})
    assert response.status_code == 302
    assert OrgUnit.objects.get(pk=tree.grid_a1.pk).boundary == POLYGON
    assert (
        "GeoJSON Polygon"
        in client.get(reverse("core:orgunit_detail", args=[tree.grid_a1.pk])).content.decode()
    )
    # An upload wins over the text area.
    multi = {"type": "MultiPolygon", "coordinates": [[RING]]}
    upload = SimpleUploadedFile(
        "grid.geojson", json.dumps(multi).encode(), content_type="application/geo+json"
    )
    assert client.post(url, {**base, "boundary": "", "boundary_file": upload}).status_code == 302
    assert OrgUnit.objects.get(pk=tree.grid_a1.pk).boundary["type"] == "MultiPolygon"
    # Bad input: the page says why, and neither the boundary nor the name changes.
    page = client.post(url, {**base, "name": "改名", "boundary": '{"type": "Point", "coordinates": [1, 2]}'})
    assert page.status_code == 200
    assert "must be a GeoJSON Polygon or MultiPolygon" in page.content.decode()
    unit = OrgUnit.objects.get(pk=tree.grid_a1.pk)
    assert unit.boundary["type"] == "MultiPolygon" and unit.name == tree.grid_a1.name
