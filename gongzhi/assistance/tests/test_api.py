import datetime
from decimal import Decimal

import pytest

from .. import services
from . import factories as f

API = "/api/v1/assistance"


@pytest.fixture
def setup(tree, make_user, roles):
    progs = f.programmes(tree)
    users = {
        "staff": make_user(roles.COMMUNITY_STAFF, tree.community_a),
        "secretary": make_user(roles.SECRETARY, tree.community_a),
        "street": make_user(roles.STREET_STAFF, tree.street),
        "county": make_user(roles.COUNTY_STAFF, tree.district),
        "auditor": make_user(roles.AUDITOR, tree.district),
        "staff_b": make_user(roles.COMMUNITY_STAFF, tree.community_b),
        "grid": make_user(roles.GRID_WORKER, tree.grid_a1),
    }
    return progs, users


def test_application_lifecycle_over_the_api(client, tree, setup):
    progs, users = setup
    hh, _ = f.household(tree.grid_a1, members=((40, "head"), (10, "child")))
    client.force_login(users["staff"])
    r = client.post(
        f"{API}/applications",
        {"household_id": hh.pk, "programme": "dibao-urban"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["state"] == "submitted"
    r = client.post(
        f"{API}/applications/{pk}/transitions",
        {"action": "check", "data": {"household_size": 2, "monthly_income": "800"}},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "checked"
    r = client.post(
        f"{API}/applications/{pk}/transitions",
        {"action": "review", "note": "x"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "wrong_state"
    r = client.post(
        f"{API}/applications/{pk}/transitions", {"action": "visit"}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["field"] == "note"
    # Another community's staff sees nothing and gets a 404.
    client.force_login(users["staff_b"])
    assert client.get(f"{API}/applications").json()["count"] == 0
    assert client.get(f"{API}/applications/{pk}").status_code == 404
    r = client.post(
        f"{API}/applications/{pk}/transitions",
        {"action": "visit", "note": "x"},
        content_type="application/json",
    )
    assert r.status_code == 404
    # Grid workers do not see assistance files at all.
    client.force_login(users["grid"])
    assert client.get(f"{API}/applications").status_code == 403
    client.force_login(users["auditor"])
    body = client.get(f"{API}/applications").json()
    assert body["count"] == 1 and body["items"][0]["monthly_income"] == "800.00"


def test_batches_and_report_over_the_api(client, tree, setup):
    progs, users = setup
    for age in (81, 92):
        hh, (p,) = f.household(tree.grid_a1, members=((age, "head"),))
        f.enrol(
            programme=progs["elderly"],
            hh=hh,
            beneficiary=p,
            staff=users["staff"],
            secretary=users["secretary"],
            street=users["street"],
            county=users["county"],
        )
    client.force_login(users["staff"])
    body = {"programme": "elderly", "org_unit_id": tree.community_a.pk, "month": "2026-06-01"}
    r = client.post(f"{API}/batches", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["total"] == "300.00" and r.json()["line_count"] == 2
    pk = r.json()["id"]
    r = client.post(f"{API}/batches", body, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "nothing_to_pay"
    r = client.post(f"{API}/batches/{pk}/transitions", {"action": "check"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "maker_checker"
    client.force_login(users["secretary"])
    assert (
        client.post(
            f"{API}/batches/{pk}/transitions", {"action": "check"}, content_type="application/json"
        ).status_code
        == 200
    )
    client.force_login(users["county"])
    for action in ("approve", "pay"):
        r = client.post(
            f"{API}/batches/{pk}/transitions", {"action": action}, content_type="application/json"
        )
        assert r.status_code == 200, r.content
    from ..models import Batch

    lines = list(Batch.objects.get(pk=pk).lines.values_list("id", flat=True))
    r = client.post(
        f"{API}/batches/{pk}/transitions",
        {"action": "reconcile", "results": {str(i): "paid" for i in lines}},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "reconciled"
    r = client.get(f"{API}/reports", {"org_unit": tree.district.pk, "from": "2026-01-01", "to": "2026-12-31"})
    assert r.status_code == 200
    group = r.json()["groups"][0]
    assert group["text"] == "2 households / 2 people, 300 yuan"
    assert Decimal(r.json()["total"]) == Decimal("300.00")
    client.force_login(users["staff_b"])
    r = client.get(
        f"{API}/reports", {"org_unit": tree.community_a.pk, "from": "2026-01-01", "to": "2026-12-31"}
    )
    assert r.status_code == 404
    assert client.get(f"{API}/batches").json()["count"] == 0


def test_programmes_and_standards_are_readable(client, tree, setup):
    progs, users = setup
    client.force_login(users["county"])
    body = client.get(f"{API}/programmes").json()
    assert {p["code"] for p in body["items"]} == {"dibao-urban", "elderly", "disability-nursing", "temporary"}
    std = client.get(f"{API}/standards", {"programme": "dibao-urban"}).json()["items"][0]
    assert std["amount"] == "1100.00" and std["valid_from"] == "2026-01-01"
    services.standard_create(
        actor=users["county"],
        programme=progs["dibao"],
        org_unit=tree.district,
        valid_from=datetime.date(2026, 7, 1),
        amount=Decimal("1150"),
    )
    assert client.get(f"{API}/standards", {"programme": "dibao-urban"}).json()["count"] == 2
