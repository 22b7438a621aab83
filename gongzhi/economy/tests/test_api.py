import datetime
from decimal import Decimal

import pytest

from gongzhi.economy.codes import make_uscc
from gongzhi.economy.models import Lease

from . import factories as f

D = Decimal
d = datetime.date


@pytest.fixture
def setup(tree):
    project = f.project(tree.community_a)
    unit = f.unit(project, "A101", area="50.00")
    tenant = f.enterprise(tree.community_a, name="雪域茶馆")
    lease = f.lease(unit, tenant, d(2026, 1, 1), d(2026, 12, 31))
    return {"project": project, "unit": unit, "tenant": tenant, "lease": lease}


def test_lists_answer_items_and_count(tree, setup, make_user, login):
    client = login(make_user("county_staff", tree.district))
    for path in ("units", "tenants", "leases", "projects"):
        body = client.get(f"/api/v1/economy/{path}").json()
        assert body["count"] == 1 and len(body["items"]) == 1
    assert client.get("/api/v1/economy/units?status=vacant").json()["count"] == 0


def test_other_community_gets_404_and_partner_403(tree, setup, make_user, login):
    client = login(make_user("finance_staff", tree.community_b))
    lease = setup["lease"]
    resp = client.get(f"/api/v1/economy/leases/{lease.pk}")
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"
    assert client.get(f"/api/v1/economy/units/{setup['unit'].pk}").status_code == 404
    assert client.get("/api/v1/economy/leases").json()["count"] == 0
    partner = login(make_user("partner_staff", tree.community_a))
    assert partner.get("/api/v1/economy/leases").status_code == 403


def test_create_lease_overlap_is_409(tree, setup, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    body = {
        "unit_id": setup["unit"].pk,
        "tenant_id": setup["tenant"].pk,
        "start_date": "2026-06-01",
        "end_date": "2027-05-31",
        "rent_basis": "per_m2",
        "rent_rate": "60.00",
        "payment_cycle": "monthly",
    }
    resp = client.post("/api/v1/economy/leases", body, content_type="application/json")
    assert resp.status_code == 409 and resp.json()["code"] == "lease_overlap"
    body |= {"start_date": "2027-01-01", "end_date": "2027-12-31"}
    resp = client.post("/api/v1/economy/leases", body, content_type="application/json")
    assert resp.status_code == 201 and resp.json()["start_date"] == "2027-01-01"
    bad = body | {"start_date": "2028-05-01", "end_date": "2028-04-01"}
    resp = client.post("/api/v1/economy/leases", bad, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["code"] == "invalid_dates"
    assert Lease.objects.count() == 2


def test_create_tenant_checks_the_credit_code(tree, make_user, login):
    client = login(make_user("secretary", tree.community_a))
    resp = client.post(
        "/api/v1/economy/tenants",
        {"kind": "enterprise", "name": "坏", "credit_code": "91350100M000100Y44"},
        content_type="application/json",
    )
    assert resp.status_code == 400 and resp.json()["field"] == "credit_code"
    resp = client.post(
        "/api/v1/economy/tenants",
        {
            "kind": "enterprise",
            "name": "好",
            "credit_code": make_uscc("92540102MA6T0000X"),
            "local_employees": 4,
        },
        content_type="application/json",
    )
    assert resp.status_code == 201 and resp.json()["local_employees"] == 4
    street = login(make_user("street_staff", tree.street))
    resp = street.post(
        "/api/v1/economy/tenants", {"kind": "enterprise", "name": "x"}, content_type="application/json"
    )
    assert resp.status_code == 403


def test_generate_pay_and_report(tree, setup, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    first = client.post(
        "/api/v1/economy/invoices/generate", {"as_of": "2026-03-01"}, content_type="application/json"
    )
    again = client.post(
        "/api/v1/economy/invoices/generate", {"as_of": "2026-03-01"}, content_type="application/json"
    )
    assert first.json()["count"] == 3 and again.json()["count"] == 0
    invoices = client.get("/api/v1/economy/invoices").json()["items"]
    jan = next(i for i in invoices if i["period_start"] == "2026-01-01")
    assert jan["amount"] == "3000.00" and jan["late"] is True
    resp = client.post(
        f"/api/v1/economy/invoices/{jan['id']}/payments",
        {"amount": "3000.01", "paid_on": "2026-01-10"},
        content_type="application/json",
    )
    assert resp.status_code == 409 and resp.json()["code"] == "overpayment"
    resp = client.post(
        f"/api/v1/economy/invoices/{jan['id']}/payments",
        {"amount": "3000.00", "paid_on": "2026-01-10"},
        content_type="application/json",
    )
    assert resp.status_code == 201 and resp.json()["receipt_number"].startswith("SJ2026-")
    assert client.get("/api/v1/economy/payments").json()["count"] == 1
    report = client.get(f"/api/v1/economy/income?project_id={setup['project'].pk}&year=2026").json()
    assert (
        report["expected"] == "36000.00"
        and report["collected"] == "3000.00"
        and report["invoiced"] == "9000.00"
    )
    assert report["target"] == "4500000.00" and report["months"][0]["occupancy"] == "100.0"
    arrears = client.get("/api/v1/economy/arrears?as_of=2026-03-31").json()
    assert (
        arrears["days_0_30"] == "3000.00"
        and arrears["days_31_90"] == "3000.00"
        and arrears["total"] == "6000.00"
    )
    assert client.get(f"/api/v1/economy/income?project_id={setup['project'].pk}&year=1800").status_code == 400


def test_openapi_lists_the_economy_endpoints(client, tree, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for p in ("units", "tenants", "leases", "invoices", "payments", "income", "arrears"):
        assert f"/api/v1/economy/{p}" in paths
