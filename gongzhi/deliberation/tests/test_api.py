from gongzhi.deliberation import services
from gongzhi.deliberation.models import Topic, Vote

API = "/api/v1/deliberation"


def _topic(world):
    return services.topic_create(
        actor=world.secretary, org_unit=world.tree.community_a, title="加装电梯", description="d"
    )


def test_topics_supports_and_the_household_rule_over_the_api(world, login):
    r = login(world.alice).post(
        f"{API}/topics",
        {"title": "路灯", "description": "太暗", "category": "facilities"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    topic_id = r.json()["id"]
    assert r.json()["status"] == "proposed" and r.json()["support_count"] == 1
    r = login(world.alice_spouse).post(f"{API}/topics/{topic_id}/supports")
    assert r.status_code == 409 and r.json()["code"] == "already_supported"
    r = login(world.bob).post(f"{API}/topics/{topic_id}/supports")
    assert r.status_code == 201 and r.json()["support_count"] == 2
    r = login(world.resident_b).post(f"{API}/topics/{topic_id}/supports")
    assert r.status_code == 404
    listing = login(world.alice).get(f"{API}/topics").json()
    assert listing["count"] == 1 and listing["items"][0]["title"] == "路灯"
    r = login(world.alice).post(
        f"{API}/topics", {"title": "", "description": "x"}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["code"] == "required"


def test_votes_over_the_api_hide_counts_until_the_close(world, login):
    topic = _topic(world)
    r = login(world.secretary).post(
        f"{API}/topics/{topic.pk}/decisions",
        {"method": "households", "quorum_percent": 0},
        content_type="application/json",
    )
    assert r.status_code == 201
    decision_id = r.json()["id"]
    assert login(world.alice).get(f"{API}/decisions/{decision_id}/votes/mine").status_code == 204
    r = login(world.alice).post(
        f"{API}/decisions/{decision_id}/votes", {"choice": "yes"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["changes"] == 0
    r = login(world.alice_spouse).post(
        f"{API}/decisions/{decision_id}/votes", {"choice": "abstain"}, content_type="application/json"
    )
    assert r.json()["changes"] == 1
    assert Vote.objects.count() == 1
    body = login(world.alice).get(f"{API}/decisions/{decision_id}").json()
    assert body["turnout"] == 1 and body["yes"] is None
    r = login(world.alice).post(
        f"{API}/decisions/{decision_id}/votes", {"choice": "bogus"}, content_type="application/json"
    )
    assert r.status_code == 400
    assert login(world.alice).post(f"{API}/decisions/{decision_id}/close").status_code == 404
    body = login(world.secretary).post(f"{API}/decisions/{decision_id}/close").json()
    assert (body["yes"], body["no"], body["abstain"], body["outcome"]) == (0, 0, 1, "rejected")
    assert login(world.staff_b).get(f"{API}/decisions/{decision_id}").status_code == 404


def test_meetings_and_results_over_the_api(world, login, future):
    topic = _topic(world)
    start, end = future()
    r = login(world.secretary).post(
        f"{API}/meetings",
        {
            "title": "议事会",
            "start": start.isoformat(),
            "end": end.isoformat(),
            "place": "活动室",
            "topic_ids": [topic.pk],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    meeting_id = r.json()["id"]
    assert r.json()["topic_ids"] == [topic.pk]
    assert login(world.alice).get(f"{API}/meetings/{meeting_id}").status_code == 404  # a draft
    services.meeting_publish(actor=world.secretary, meeting=topic.agenda_items.get().meeting)
    r = login(world.alice).post(f"{API}/meetings/{meeting_id}/registrations")
    assert r.status_code == 201
    token = r.json()["token"]
    r = login(world.secretary).post(
        f"{API}/meetings/{meeting_id}/checkins", {"token": token}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["checked_in"] is True
    decision = services.decision_open(
        actor=world.secretary, topic=topic, method="households", quorum_percent=0
    )
    services.vote_cast(actor=world.bob, decision=decision, choice="yes")
    services.decision_close(actor=world.secretary, decision=decision)
    result = services.result_create(
        actor=world.secretary, topic=Topic.objects.get(pk=topic.pk), title="装电梯", owner_kind="community"
    )
    r = login(world.secretary).post(
        f"{API}/results/{result.pk}/updates",
        {"text": "完成", "progress": 100},
        content_type="application/json",
    )
    assert r.status_code == 201
    body = login(world.alice).get(f"{API}/results/{result.pk}").json()
    assert (body["status"], body["progress"], body["owner_name"]) == ("done", 100, "The community")
    r = login(world.secretary).post(
        f"{API}/results/{result.pk}/updates",
        {"text": "again", "progress": 100},
        content_type="application/json",
    )
    assert r.status_code == 409
