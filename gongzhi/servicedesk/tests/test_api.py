import datetime

from gongzhi.servicedesk import services
from gongzhi.servicedesk.models import Rating

from .conftest import TZ

API = "/api/v1/servicedesk"


def _record(desk):
    start = datetime.datetime(2026, 6, 1, 10, tzinfo=TZ)
    return services.record_create(
        actor=desk.staff,
        item=desk.proof_item,
        channel="counter",
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=5),
        outcome="done",
        resident=desk.resident,
    )


def test_catalogue_is_public_and_paginated(client, desk):
    body = client.get(f"{API}/catalogue", {"community_id": desk.tree.community_a.pk}).json()
    assert body["count"] == 2
    first = body["items"][0]
    assert (first["code"], first["materials"], first["handling"]) == (
        "P01",
        ["身份证", "户口簿"],
        "on_the_spot",
    )
    assert body["items"][1]["forward_to"] == desk.tree.street.name


def test_appointment_in_a_closed_day_answers_400(login, desk):
    client = login(desk.resident_user)
    response = client.post(
        f"{API}/appointments",
        {"item_id": desk.proof_item.pk, "date": "2030-06-01", "slot_start": "10:00"},  # a Saturday
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "closed_day"


def test_ticket_for_another_communitys_item_is_404_and_duplicates_409(login, desk, monkeypatch):
    from django.utils import timezone

    monday = datetime.datetime(2026, 6, 1, 10, tzinfo=TZ)
    monkeypatch.setattr(timezone, "now", lambda: monday)
    b = login(desk.staff_b)
    response = b.post(f"{API}/tickets", {"item_id": desk.proof_item.pk}, content_type="application/json")
    assert response.status_code == 404
    a = login(desk.staff)
    payload = {"item_id": desk.proof_item.pk, "resident_id": desk.resident.pk}
    first = a.post(f"{API}/tickets", payload, content_type="application/json")
    assert first.status_code == 201 and first.json()["code"] == "A001"
    second = a.post(f"{API}/tickets", payload, content_type="application/json")
    assert second.status_code == 409 and second.json()["code"] == "duplicate_ticket"
    called = a.post(f"{API}/counters/{desk.counter1.pk}/call-next")
    assert called.json()["counter_number"] == 1


def test_forwarded_record_without_target_answers_400(login, desk):
    client = login(desk.staff)
    response = client.post(
        f"{API}/records",
        {
            "item_id": desk.proof_item.pk,
            "visitor_name": "王芳",
            "outcome": "forwarded",
            "started_at": "2026-06-01T10:00:00+08:00",
            "ended_at": "2026-06-01T10:10:00+08:00",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "no_target"


def test_proof_issue_and_public_verify(login, client, desk):
    staff = login(desk.staff)
    response = staff.post(
        f"{API}/proofs",
        {"template_id": desk.template.pk, "resident_id": desk.resident.pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    code = response.json()["verification_code"]
    proof_id = response.json()["id"]
    staff.logout()
    ok = client.get(f"{API}/proofs/verify/{code}").json()
    assert ok["valid"] is True and ok["holder"] == "扎*"
    assert "body" not in ok
    assert client.get(f"{API}/proofs/verify/WRONG12345").status_code == 404
    login(desk.secretary).post(
        f"{API}/proofs/{proof_id}/revoke", {"reason": "重开"}, content_type="application/json"
    )
    client.logout()
    revoked = client.get(f"{API}/proofs/verify/{code}").json()
    assert revoked["valid"] is False and revoked["revoked_on"] is not None


def test_ratings_not_yours_twice_and_by_token(login, client, desk):
    record = _record(desk)
    other = login(desk.other_resident_user)
    response = other.post(
        f"{API}/ratings", {"record_id": record.pk, "level": "satisfied"}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "not_yours"
    other.logout()
    by_token = client.post(
        f"{API}/ratings",
        {"token": record.rating_token, "level": "dissatisfied", "reason": "慢"},
        content_type="application/json",
    )
    assert by_token.status_code == 201
    again = client.post(
        f"{API}/ratings",
        {"token": record.rating_token, "level": "satisfied"},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert Rating.objects.get().level == "dissatisfied"
    callbacks = login(desk.secretary).get(f"{API}/ratings/callbacks").json()
    assert callbacks["count"] == 1


def test_records_are_scoped(login, desk):
    record = _record(desk)
    assert login(desk.staff).get(f"{API}/records").json()["count"] == 1
    assert login(desk.staff_b).get(f"{API}/records").json()["count"] == 0
    assert login(desk.staff_b).get(f"{API}/records/{record.pk}").status_code == 404
    assert login(desk.resident_user).get(f"{API}/records").status_code == 403


def test_openapi_lists_the_servicedesk_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/catalogue",
        "/appointments",
        "/tickets",
        "/records",
        "/proofs",
        "/proofs/verify/{code}",
        "/ratings",
    ):
        assert f"{API}{path}" in paths
