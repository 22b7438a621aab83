import pytest
from django.utils import timezone

from gongzhi.dashboard import services

pytestmark = pytest.mark.django_db
API = "/api/v1/dashboard"


def test_the_cockpit_api_answers_figures_a_year_earlier_and_children(world, login):
    services.summaries_refresh()
    client = login(world.street_staff)
    body = client.get(f"{API}/units/{world.tree.street.pk}/cockpit").json()
    assert body["period"] == str(timezone.localdate().year)
    figures = {f["key"]: f for f in body["figures"]}
    assert float(figures["servicedesk.services"]["value"]) == 2
    assert (
        figures["servicedesk.services"]["change"] is None
        and figures["servicedesk.services"]["change_text"] == "—"
    )
    names = [c["name"] for c in body["children"]]
    assert names == [world.tree.community_a.name, world.tree.community_b.name]
    total = sum(float(c["values"]["registry.residents"]) for c in body["children"])
    assert total == float(figures["registry.residents"]["value"])


def test_bad_period_is_a_400_with_a_code_and_foreign_units_are_404(world, login):
    client = login(world.secretary)
    bad = client.get(f"{API}/units/{world.tree.community_a.pk}/cockpit", {"period": "2026-00"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_period"
    assert client.get(f"{API}/units/{world.tree.community_b.pk}/cockpit").status_code == 404


def test_the_display_account_reads_aggregates_and_units(world, login):
    services.summaries_refresh()
    client = login(world.display)
    units = client.get(f"{API}/units").json()
    assert [u["id"] for u in units["items"]] == [world.tree.community_a.pk]
    report = client.get(f"{API}/units/{world.tree.community_a.pk}/report").json()
    assert report["sentences"]
    metrics = client.get(f"{API}/metrics").json()
    assert {"cases.response_rate", "registry.residents"} <= {m["key"] for m in metrics}


def test_a_resident_may_not_read_the_cockpit_api(world, login, make_user, roles):
    client = login(make_user(roles.RESIDENT, world.tree.grid_a1, phone="13800009999"))
    assert client.get(f"{API}/metrics").status_code == 403
    assert client.get(f"{API}/units/{world.tree.community_a.pk}/cockpit").status_code == 403
