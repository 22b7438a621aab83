"""The map of the units below a cockpit: drawn from the org units' GeoJSON boundaries (no map tiles),
coloured by a chosen measure; nothing at all, not an empty box, while no unit has a boundary."""

import json

import pytest
from django.urls import reverse

from gongzhi.accounts.roles import Role
from gongzhi.core import services as core_services
from gongzhi.dashboard import services
from gongzhi.dashboard.tests.conftest import resident

pytestmark = pytest.mark.django_db

RING = [[91.160, 29.648], [91.168, 29.648], [91.168, 29.662], [91.160, 29.662], [91.160, 29.648]]


@pytest.fixture
def map_world(tree, make_user, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    for name in ("扎西", "卓玛"):
        resident(tree.grid_a1, name)
    resident(tree.grid_a2, "次仁")
    return {
        "secretary": make_user(Role.SECRETARY, tree.community_a),
        "display": make_user(Role.DISPLAY, tree.community_a),
        "street": make_user(Role.STREET_STAFF, tree.street),
    }


def _map_json(html: str) -> dict:
    start = html.index('id="dashboard-map"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_no_boundary_no_map(tree, map_world, login):
    services.summaries_refresh()
    html = (
        login(map_world["secretary"])
        .get(reverse("dashboard:cockpit", args=[tree.community_a.pk]))
        .content.decode()
    )
    assert 'data-chart="map"' not in html and "dashboard-map" not in html and "Grid map" not in html


def test_grids_with_a_boundary_are_drawn_and_coloured_by_a_measure(tree, map_world, login):
    core_services.orgunit_set_boundary(
        unit=tree.grid_a1, actor=None, boundary={"type": "Polygon", "coordinates": [RING]}
    )
    services.summaries_refresh()
    client = login(map_world["secretary"])
    html = client.get(reverse("dashboard:cockpit", args=[tree.community_a.pk])).content.decode()
    assert "Grid map" in html and 'data-chart="map"' in html and "data-map-measure" in html
    data = _map_json(html)
    [feature] = data["geojson"]["features"]
    assert feature["properties"] == {"name": str(tree.grid_a1.pk), "label": tree.grid_a1.name}
    assert feature["geometry"]["coordinates"] == [RING]
    measures = {m["key"]: m for m in data["measures"]}
    assert data["default"] == "registry.households"
    assert measures["registry.residents"]["values"] == {str(tree.grid_a1.pk): 2.0}
    # The grid without a boundary is named, not drawn.
    assert f'Not on the map (no boundary yet): <span translate="no">{tree.grid_a2.name}</span>' in html
    # The API gives the same as GeoJSON features with every figure.
    body = client.get(f"/api/v1/dashboard/units/{tree.community_a.pk}/map").json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 1
    assert float(body["features"][0]["properties"]["values"]["registry.residents"]) == 2
    assert body["features"][0]["geometry"]["type"] == "Polygon"
    # The wall display draws it too; the street level has no community boundaries, so no map there.
    screen = login(map_world["display"]).get(reverse("dashboard:screen", args=[tree.community_a.pk]))
    assert 'data-chart="map"' in screen.content.decode()
    street = login(map_world["street"]).get(reverse("dashboard:cockpit", args=[tree.street.pk]))
    assert street.status_code == 200 and 'data-chart="map"' not in street.content.decode()
