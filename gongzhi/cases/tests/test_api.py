import pytest
from django.core.cache import cache

from gongzhi.cases import services
from gongzhi.cases.models import Case

from .conftest import advance


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_create_by_address_and_by_point(world, login):
    client = login(world.resident_user)
    r = post(
        client,
        "/api/v1/cases",
        {"category_code": "general", "description": "路灯坏了", "address": "纳金路5号"},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) >= {"id", "tracking_code"} and len(body["tracking_code"]) == 10
    r = post(
        client,
        "/api/v1/cases",
        {"category_code": "utilities", "description": "停水", "lat": 29.65, "long": 91.13, "anonymous": True},
    )
    assert r.status_code == 201
    case = Case.objects.get(pk=r.json()["id"])
    assert case.anonymous and case.lat is not None and case.channel == "api"


def test_create_bad_input(world, login):
    client = login(world.resident_user)
    r = post(client, "/api/v1/cases", {"description": "x"})
    assert r.status_code == 400 and r.json()["field"] == "category"
    r = post(client, "/api/v1/cases", {"category_code": "general", "description": "x" * 4001})
    assert r.status_code == 400 and r.json()["code"] == "too_long"
    r = post(client, "/api/v1/cases", {"category_code": "general", "description": "x", "lat": 29.6})
    assert r.status_code == 400
    assert Case.objects.count() == 0


def test_detail_and_list_are_scoped(world, make_case, login):
    case = make_case()
    assert login(world.staff_b).get(f"/api/v1/cases/{case.pk}").json()["code"] == "not_found"
    assert login(world.staff_b).get(f"/api/v1/cases/{case.pk}").status_code == 404
    body = login(world.grid_worker).get("/api/v1/cases").json()
    assert body["count"] == 1 and body["items"][0]["id"] == case.pk
    assert login(world.grid_worker2).get("/api/v1/cases").json()["count"] == 0
    detail = login(world.resident_user).get(f"/api/v1/cases/{case.pk}").json()
    assert detail["status"] == "submitted" and detail["transitions"][0]["action"] == "submit"


def test_transitions_and_409_with_allowed(world, make_case, login):
    case = make_case()
    client = login(world.grid_worker)
    r = post(client, f"/api/v1/cases/{case.pk}/transitions", {"action": "resolve", "note": "x"})
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "invalid_transition" and "accept" in body["allowed"] and body["message"]
    r = post(client, f"/api/v1/cases/{case.pk}/transitions", {"action": "accept", "note": "收到"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = post(login(world.resident_user), f"/api/v1/cases/{case.pk}/transitions", {"action": "assign"})
    assert r.status_code == 403


def test_rating_by_reporter_only_and_once(world, make_case, login):
    case = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    r = post(login(world.other_resident), f"/api/v1/cases/{case.pk}/rating", {"stars": 5})
    assert r.status_code == 404  # not even visible to them
    r = post(login(world.grid_worker), f"/api/v1/cases/{case.pk}/rating", {"stars": 5})
    assert r.status_code == 403 and r.json()["code"] == "not_reporter"
    client = login(world.resident_user)
    r = post(client, f"/api/v1/cases/{case.pk}/rating", {"stars": 4, "comment": "好"})
    assert r.status_code == 200 and r.json()["rating"] == 4 and r.json()["status"] == "closed"
    r = post(client, f"/api/v1/cases/{case.pk}/rating", {"stars": 5})
    assert r.status_code == 409 and r.json()["code"] == "already_rated"


def test_metrics_endpoint(world, make_case, login):
    case = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    services.case_rate(actor=world.resident_user, case=case, stars=5)
    client = login(world.staff)
    body = client.get("/api/v1/cases/metrics", {"org_unit": world.tree.community_a.pk}).json()
    assert body["overall"]["satisfaction_rate"] == 100.0 and body["overall"]["total"] == 1
    assert client.get("/api/v1/cases/metrics", {"org_unit": world.tree.community_b.pk}).status_code == 404
    assert client.get("/api/v1/cases/metrics", {"month": "2026-13"}).status_code == 400
    assert login(world.resident_user).get("/api/v1/cases/metrics").status_code == 403


def test_openapi_lists_the_case_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/transitions",
        "/api/v1/cases/{case_id}/rating",
        "/api/v1/cases/metrics",
    ):
        assert path in paths, path


def test_html_in_a_description_is_stored_and_returned_as_plain_text(world, login):
    client = login(world.resident_user)
    text = '<script>alert("x")</script><b>灯</b>'
    r = post(client, "/api/v1/cases", {"category_code": "general", "description": text})
    assert r.status_code == 201
    assert client.get(f"/api/v1/cases/{r.json()['id']}").json()["description"] == text
    page = client.get(f"/cases/{r.json()['id']}/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_joint_case_over_the_api_the_lead_unit_reports_but_cannot_hand_it_back(world, make_case, login):
    case = advance(make_case(world.complex), world.staff, "accept")
    staff = login(world.staff)
    url = f"/api/v1/cases/{case.pk}/transitions"
    r = post(staff, url, {"action": "assign", "partners": [world.partner1.pk, world.partner2.pk]})
    assert r.status_code == 200, r.content
    partner = login(world.partner_staff)
    assert partner.get(f"/api/v1/cases/{case.pk}").status_code == 200
    for action in ("deescalate", "reject", "assign"):
        r = post(
            partner, url, {"action": action, "tier": "grid", "note": "不归我们管", "reason": "out_of_scope"}
        )
        assert r.status_code == 403, action
    r = post(partner, url, {"action": "report_part", "note": "已上门处理"})
    assert r.status_code == 200
    case.refresh_from_db()
    assert (case.tier, case.status, case.lead_partner) == ("joint", "assigned", world.partner1)
    assert case.participants.get(partner=world.partner1).report == "已上门处理"


def test_tier_changes_and_duplicates_over_the_api(world, make_case, login):
    master = make_case(world.utilities)
    duplicate = make_case(world.utilities, reporter=world.other_resident)
    staff = login(world.staff)
    url = f"/api/v1/cases/{duplicate.pk}/transitions"
    r = post(staff, url, {"action": "escalate", "tier": "joint"})
    assert r.status_code == 400 and r.json()["field"] == "note"
    r = post(staff, url, {"action": "reject", "reason": "duplicate"})
    assert r.status_code == 400 and r.json()["field"] == "duplicate_of"
    r = post(
        staff, url, {"action": "reject", "reason": "duplicate", "duplicate_of": master.pk, "note": "同一处"}
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["reject_reason"], body["duplicate_of_id"]) == (
        "rejected",
        "duplicate",
        master.pk,
    )
    # The duplicate's reporter now follows the master case.
    assert login(world.other_resident).get(f"/api/v1/cases/{master.pk}").status_code == 200
