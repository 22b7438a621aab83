import datetime

import pytest
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.care import services
from gongzhi.core.models import AuditEntry

from . import factories
from .factories import answers

API = "/api/v1/care"
pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_roster_visit_and_assessment_over_the_api(tree, worker, elder, login):
    factories.resident(tree.grid_b1, name="B的人")
    client = login(worker)
    body = client.get(f"{API}/roster").json()
    assert body["count"] == 1 and body["items"][0]["overdue"] is True
    r = _post(client, f"{API}/roster/{elder.pk}/risk", {"risk_level": "high", "reason": "独居"})
    assert r.status_code == 200 and r.json()["risk_level"] == "high"
    today = timezone.localdate().isoformat()
    r = _post(
        client,
        f"{API}/roster/{elder.pk}/visits",
        {"visited_on": today, "situation": "好", "client_key": "x1"},
    )
    assert r.status_code == 201
    assert (
        client.get(f"{API}/roster").json()["items"][0]["next_due_on"]
        == (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    )
    r = _post(client, f"{API}/roster/{elder.pk}/assessments", {"assessed_on": today, "answers": answers(45)})
    assert r.status_code == 201 and r.json()["level"] == 3
    assert client.get(f"{API}/assessments").json()["count"] == 1
    assert len(client.get(f"{API}/assessment-items").json()) == 26


def test_bad_input_is_a_400_with_a_code(worker, elder, login):
    client = login(worker)
    r = _post(
        client,
        f"{API}/roster/{elder.pk}/assessments",
        {"assessed_on": "2026-01-01", "answers": {"eating": 9}},
    )
    assert r.status_code == 400 and r.json()["code"]
    r = _post(client, f"{API}/roster/{elder.pk}/risk", {"risk_level": "high", "reason": ""})
    assert r.status_code == 400


def test_service_order_life_over_the_api(tree, worker, elder, login):
    from gongzhi.core.services import partnerunit_save

    partner = partnerunit_save(actor=None, org_unit=tree.community_a, kind="provider", name="助浴队")
    client = login(worker)
    r = _post(client, f"{API}/orders", {"resident_id": elder.pk, "service_type": "bathing"})
    assert r.status_code == 201
    pk = r.json()["id"]
    steps = [
        {"action": "assign", "partner_id": partner.pk},
        {"action": "schedule", "scheduled_for": "2026-12-01T10:00:00+08:00"},
        {"action": "complete", "done_note": "洗澡完成", "confirmed_by": "女儿"},
        {"action": "rate", "rating": 4},
    ]
    for step in steps:
        r = _post(client, f"{API}/orders/{pk}/transition", step)
        assert r.status_code == 200, r.json()
    assert r.json()["state"] == "rated"
    r = _post(client, f"{API}/orders/{pk}/transition", {"action": "cancel", "note": "x"})
    assert r.status_code == 409


def test_health_record_api_is_logged_and_refused_to_other_roles(tree, worker, health_worker, elder, login):
    record = services.health_record_create(
        actor=health_worker, resident=elder, basis="statutory", statute="法"
    )
    r = login(health_worker).get(f"{API}/health-records/{record.pk}")
    assert r.status_code == 200 and r.json()["resident_id"] == elder.pk
    r = login(worker).get(f"{API}/health-records/{record.pk}")
    assert r.status_code == 403
    outcomes = set(
        AuditEntry.objects.filter(action="view:health_record", object_id=str(record.pk)).values_list(
            "actor", "outcome"
        )
    )
    assert outcomes == {(health_worker.pk, "success"), (worker.pk, "denied")}
    assert login(worker).get(f"{API}/health-records").status_code == 403


def test_health_worker_of_another_community_gets_a_404(tree, make_user, health_worker, elder, login):
    record = services.health_record_create(
        actor=health_worker, resident=elder, basis="statutory", statute="法"
    )
    other = make_user(Role.HEALTH_WORKER, tree.community_b)
    assert login(other).get(f"{API}/health-records/{record.pk}").status_code == 404
