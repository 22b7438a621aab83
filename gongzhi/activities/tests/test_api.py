import datetime

import pytest

from gongzhi.registry import services as registry_services

from .factories import at, make_activity, make_household, make_resident


@pytest.fixture
def staff(make_user, roles, tree):
    return make_user(roles.COMMUNITY_STAFF, tree.community_a)


def test_create_and_list_activities(login, staff, tree, make_user, roles):
    client = login(staff)
    payload = {
        "title": "儿童烘焙下午",
        "category": "children",
        "capacity": 2,
        "enrol_opens": at(-1, 9).isoformat(),
        "enrol_closes": at(5, 9).isoformat(),
        "sessions": [{"start": at(6, 15).isoformat(), "end": at(6, 17).isoformat()}],
        "target_group": "children",
        "min_age": 6,
        "max_age": 12,
        "place": "雪域烘焙学校",
    }
    r = client.post("/api/v1/activities", payload, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["sessions"][0]["id"]
    other = login(make_user(roles.RESIDENT, tree.community_b))
    assert other.get("/api/v1/activities").json()["count"] == 0


def test_enrol_then_waitlist(login, tree, staff, make_user, roles):
    activity = make_activity(tree.community_a, capacity=1)
    statuses = []
    for _ in range(2):
        user = make_user(roles.RESIDENT, tree.community_a)
        make_resident(make_household(tree.grid_a1), age=66, user=user)
        r = login(user).post(
            f"/api/v1/activities/{activity.pk}/enrolments", {}, content_type="application/json"
        )
        assert r.status_code == 201, r.content
        statuses.append(r.json()["status"])
    assert statuses == ["enrolled", "waitlisted"]
    r = login(user).post(f"/api/v1/activities/{activity.pk}/enrolments", {}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "already_enrolled"


def test_guardian_enrols_a_child_by_the_api_a_stranger_cannot(login, tree, make_user, roles):
    from gongzhi.activities.models import Enrolment

    activity = make_activity(tree.community_a, min_age=6, max_age=12, category="children")
    parent = make_user(roles.RESIDENT, tree.community_a)
    household = make_household(tree.grid_a1)
    make_resident(household, age=36, user=parent)
    child = make_resident(household, age=9, relationship="child")
    url = f"/api/v1/activities/{activity.pk}/enrolments"
    stranger = make_user(roles.RESIDENT, tree.community_a)
    make_resident(make_household(tree.grid_a2), age=40, user=stranger)
    r = login(stranger).post(url, {"resident_id": child.pk}, content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "not_guardian" and r.json()["message"]
    assert not Enrolment.objects.exists()
    r = login(parent).post(url, {"resident_id": child.pk}, content_type="application/json")
    assert r.status_code == 201 and r.json()["resident_id"] == child.pk and r.json()["status"] == "enrolled"
    elsewhere = make_resident(make_household(tree.grid_b1), age=9, relationship="child")
    r = login(parent).post(url, {"resident_id": elsewhere.pk}, content_type="application/json")
    assert r.status_code == 404


def test_activity_of_another_community_is_404(login, tree, make_user, roles):
    activity = make_activity(tree.community_b)
    client = login(make_user(roles.RESIDENT, tree.community_a))
    assert (
        client.post(
            f"/api/v1/activities/{activity.pk}/enrolments", {}, content_type="application/json"
        ).status_code
        == 404
    )


def test_attendance_by_card(login, tree, staff):
    from django.utils import timezone

    start = timezone.now() - datetime.timedelta(minutes=10)
    activity = make_activity(tree.community_a, sessions=[(start, start + datetime.timedelta(hours=1))])
    resident = make_resident(make_household(tree.grid_a1), age=50)
    card = registry_services.card_issue(actor=staff, resident=resident)
    client = login(staff)
    url = f"/api/v1/activities/{activity.pk}/attendance"
    r = client.post(url, {"token": card.token}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["action"] == "check_in"
    assert r.json()["warnings"]  # walked in without enrolling
    # The activity has no participant rule: the answer says the check-in earns nothing.
    assert r.json()["points_state"] == "none" and r.json()["points"] is None and r.json()["points_message"]
    r = client.post(url, {"token": card.token}, content_type="application/json")
    assert r.json()["action"] == "check_out"
    assert r.json()["counted"] is False
    registry_services.card_revoke(actor=staff, card=card)
    r = client.post(url, {"token": card.token}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "unknown_card"
    r = client.post(url, {"token": "nope"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "unknown_card"
