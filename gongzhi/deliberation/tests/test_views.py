import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.deliberation import services
from gongzhi.deliberation.models import Decision, Meeting, Participant, Topic, Vote
from gongzhi.registry.selectors import resident_of_user


def _topic(world, **kw):
    return services.topic_create(
        actor=world.secretary, org_unit=world.tree.community_a, title="加装电梯", description="三号楼", **kw
    )


def _fill(world, n=5):
    for i in range(n):
        services.topic_create(
            actor=world.secretary, org_unit=world.tree.community_a, title=f"议题{i}", description="d"
        )


def test_a_resident_proposes_supports_and_comments_through_the_pages(world, login):
    page = login(world.alice).get(reverse("deliberation:topic_create"))
    assert page.status_code == 200 and "10" in page.content.decode()
    r = login(world.alice).post(
        reverse("deliberation:topic_create"),
        {
            "title": "小区路灯太暗",
            "description": "晚上老人看不清路",
            "category": "facilities",
            "grids": [world.tree.grid_a1.pk],
        },
    )
    topic = Topic.objects.get(title="小区路灯太暗")
    assert r.status_code == 302 and topic.status == "proposed" and topic.support_count == 1
    login(world.bob).post(reverse("deliberation:topic_support", args=[topic.pk]))
    login(world.bob).post(reverse("deliberation:comment_add", args=[topic.pk]), {"body": "支持！"})
    page = login(world.bob).get(reverse("deliberation:topic_detail", args=[topic.pk])).content.decode()
    assert "2 of 10 households support this topic." in page and "支持！" in page
    assert "Withdraw our support" in page


def test_bad_input_shows_a_clear_error_and_changes_nothing(world, login):
    r = login(world.alice).post(
        reverse("deliberation:topic_create"), {"title": "", "description": "", "category": "nonsense"}
    )
    assert r.status_code == 200 and "This field is required." in r.content.decode()
    r = login(world.alice).post(
        reverse("deliberation:topic_create"),
        {"title": "t", "description": "d", "category": "other", "grids": [world.tree.grid_b1.pk]},
    )
    assert r.status_code == 200
    assert not Topic.objects.exists()


def test_staff_from_another_community_get_404s(world, login):
    topic = _topic(world)
    for name in ("topic_detail", "result_create"):
        assert login(world.staff_b).get(reverse(f"deliberation:{name}", args=[topic.pk])).status_code == 404
    assert (
        login(world.staff_b)
        .post(reverse("deliberation:decision_open", args=[topic.pk]), {"method": "households"})
        .status_code
        == 404
    )
    assert not Decision.objects.exists()


def test_list_pages_cost_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    staff = login(world.secretary)
    _fill(world, 3)
    url = reverse("deliberation:topic_list")
    staff.get(url)
    with django_assert_max_num_queries(14):
        staff.get(url)
    _fill(world, 12)
    with django_assert_max_num_queries(14):
        assert staff.get(url).status_code == 200
    with django_assert_max_num_queries(14):
        assert staff.get(reverse("deliberation:meeting_list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert staff.get(reverse("deliberation:result_list")).status_code == 200


def test_a_household_votes_and_sees_only_its_own_vote(world, login):
    topic = _topic(world)
    r = login(world.secretary).post(
        reverse("deliberation:decision_open", args=[topic.pk]),
        {"method": "households", "days": 3, "quorum_percent": 30},
    )
    decision = Decision.objects.get()
    assert r.status_code == 302 and decision.quorum_percent == 30
    login(world.bob).post(reverse("deliberation:vote_cast", args=[decision.pk]), {"choice": "no"})
    login(world.alice).post(reverse("deliberation:vote_cast", args=[decision.pk]), {"choice": "yes"})
    page = (
        login(world.alice).get(reverse("deliberation:decision_detail", args=[decision.pk])).content.decode()
    )
    assert "Your household voted: In favour" in page
    assert "2 of 3 have voted" in page
    assert "In favour</dt>" not in page  # no counts while the vote is open
    login(world.secretary).post(reverse("deliberation:decision_close", args=[decision.pk]))
    page = (
        login(world.alice).get(reverse("deliberation:decision_detail", args=[decision.pk])).content.decode()
    )
    assert "Not passed" in page  # 1 yes, 1 no: a tie does not pass
    assert Vote.objects.count() == 2


def test_meeting_pages_plan_publish_register_and_check_in(
    world, login, future, django_assert_max_num_queries
):
    topic = _topic(world)
    start, end = future()
    r = login(world.secretary).post(
        reverse("deliberation:meeting_create"),
        {
            "title": "四月议事会",
            "start": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
            "end": timezone.localtime(end).strftime("%Y-%m-%dT%H:%M"),
            "place": "社区活动室",
            "topics": [topic.pk],
        },
    )
    meeting = Meeting.objects.get()
    assert r.status_code == 302
    rep = resident_of_user(world.carol)
    login(world.secretary).post(
        reverse("deliberation:meeting_invite", args=[meeting.pk]),
        {"kind": "representative", "resident_id": rep.pk},
    )
    resident_b = resident_of_user(world.resident_b)
    login(world.secretary).post(
        reverse("deliberation:meeting_invite", args=[meeting.pk]),
        {"kind": "representative", "resident_id": resident_b.pk},
    )
    assert meeting.participants.count() == 1  # a resident of another community is not invited
    login(world.secretary).post(reverse("deliberation:meeting_publish", args=[meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.status == "published"
    notice = login(world.bob).get(reverse("deliberation:meeting_notice", args=[meeting.pk])).content.decode()
    assert "四月议事会" in notice and "加装电梯" in notice and "社区活动室" in notice
    login(world.bob).post(reverse("deliberation:meeting_register", args=[meeting.pk]))
    page = login(world.bob).get(reverse("deliberation:meeting_detail", args=[meeting.pk])).content.decode()
    mine = Participant.objects.get(meeting=meeting, user=world.bob)
    assert "<svg" in page and mine.token in page
    r = login(world.secretary).post(
        reverse("deliberation:meeting_checkin", args=[meeting.pk]),
        {"token": mine.token},
        HTTP_HX_REQUEST="true",
    )
    assert "checked in" in r.content.decode()
    r = login(world.secretary).post(
        reverse("deliberation:meeting_checkin", args=[meeting.pk]), {"token": "bogus"}, HTTP_HX_REQUEST="true"
    )
    assert "unknown" in r.content.decode()
    item = meeting.agenda.get()
    login(world.secretary).post(
        reverse("deliberation:minutes_record", args=[item.pk]), {"minutes": "大家同意先做方案"}
    )
    staff = login(world.secretary)
    with django_assert_max_num_queries(25):
        page = staff.get(reverse("deliberation:meeting_detail", args=[meeting.pk])).content.decode()
    assert "大家同意先做方案" in page and "Residents&#x27; representative" in page
    # Residents of another community see nothing of it.
    assert (
        login(world.resident_b).get(reverse("deliberation:meeting_detail", args=[meeting.pk])).status_code
        == 404
    )


def test_a_draft_meeting_is_hidden_from_residents(world, login, future):
    start, end = future()
    meeting = services.meeting_create(
        actor=world.secretary, org_unit=world.tree.community_a, title="草稿", start=start, end=end, place="p"
    )
    assert (
        login(world.alice).get(reverse("deliberation:meeting_detail", args=[meeting.pk])).status_code == 404
    )


def test_result_pages_and_the_public_page(world, login, client, django_assert_max_num_queries):
    topic = _topic(world)
    decision = services.decision_open(
        actor=world.secretary, topic=topic, method="households", quorum_percent=0
    )
    services.vote_cast(actor=world.alice, decision=decision, choice="yes")
    services.decision_close(actor=world.secretary, decision=decision)
    r = login(world.secretary).post(
        reverse("deliberation:result_create", args=[topic.pk]),
        {"title": "装电梯", "owner_kind": "grid", "owner_grid": world.tree.grid_a1.pk},
    )
    result = topic.__class__.objects.get(pk=topic.pk).result
    assert r.status_code == 302 and result.owner_grid == world.tree.grid_a1
    login(world.secretary).post(
        reverse("deliberation:milestone_add", args=[result.pk]), {"title": "招标", "due_date": "2026-12-01"}
    )
    login(world.secretary).post(
        reverse("deliberation:result_update", args=[result.pk]), {"text": "已招标", "progress": 40}
    )
    r = login(world.secretary).post(
        reverse("deliberation:result_update", args=[result.pk]), {"text": "倒退", "progress": 10}
    )
    result.refresh_from_db()
    assert result.progress == 40
    page = login(world.alice).get(reverse("deliberation:result_detail", args=[result.pk])).content.decode()
    assert "已招标" in page and "招标" in page
    url = reverse("deliberation:public_page", args=[world.tree.community_a.code])
    _fill(world, 3)
    client.get(url)
    with django_assert_max_num_queries(16):
        page = client.get(url).content.decode()
    assert "装电梯" in page and "40 %" in page and "1 in favour, 0 against, 0 abstaining" in page
    assert client.get(reverse("deliberation:public_page", args=["NOPE"])).status_code == 404


def test_corner_settings_page(world, login):
    r = login(world.secretary).post(
        reverse("deliberation:corner_settings"),
        {"support_threshold": 5, "vote_days": 10, "quorum_percent": 40, "majority_percent": 66},
    )
    assert r.status_code == 302
    assert services.corner_of(world.tree.community_a).support_threshold == 5
    r = login(world.secretary).post(
        reverse("deliberation:corner_settings"),
        {"support_threshold": 0, "vote_days": 10, "quorum_percent": 40, "majority_percent": 66},
    )
    assert r.status_code == 200
    assert services.corner_of(world.tree.community_a).support_threshold == 5
    assert login(world.alice).get(reverse("deliberation:corner_settings")).status_code == 403


def test_three_reports_hide_a_comment_from_residents(world, login, add_hh):
    topic = _topic(world)
    comment = services.comment_add(actor=world.bob, topic=topic, body="难听的话")
    for user in (world.alice, world.carol, add_hh(world.tree.grid_a2)[1][0]):
        login(user).post(reverse("deliberation:comment_report", args=[comment.pk]))
    assert (
        "难听的话"
        not in login(world.alice).get(reverse("deliberation:topic_detail", args=[topic.pk])).content.decode()
    )
    assert (
        "难听的话"
        in login(world.secretary).get(reverse("deliberation:topic_detail", args=[topic.pk])).content.decode()
    )
    login(world.secretary).post(reverse("deliberation:comment_review", args=[comment.pk]), {"keep": "0"})
    comment.refresh_from_db()
    assert comment.status == "removed"


@pytest.mark.parametrize("lang", ["zh-hans", "bo", "en"])
def test_pages_render_in_each_language(world, login, lang):
    topic = _topic(world)
    for url in (reverse("deliberation:topic_list"), reverse("deliberation:topic_detail", args=[topic.pk])):
        r = login(world.alice).get(url, HTTP_ACCEPT_LANGUAGE=lang)
        assert r.status_code == 200


def test_the_door_closes_votes_after_the_time(world):
    topic = _topic(world)
    decision = services.decision_open(actor=world.secretary, topic=topic, method="households", days=1)
    assert services.decisions_close_due(now=timezone.now() + datetime.timedelta(days=1, minutes=1)) == 1
    decision.refresh_from_db()
    assert decision.status == "closed"


def test_topic_and_decision_pages_cost_the_same_queries_with_more_data(
    world, login, add_hh, django_assert_max_num_queries
):
    topic = services.topic_propose(
        actor=world.alice, title="健身器材", description="空地装器材", category="facilities"
    )
    services.comment_add(actor=world.bob, topic=topic, body="好")
    alice = login(world.alice)
    url = reverse("deliberation:topic_detail", args=[topic.pk])
    alice.get(url)
    with django_assert_max_num_queries(30) as few:
        alice.get(url)
    for _ in range(4):
        _hh, (user,) = add_hh(world.tree.grid_a2)
        services.support_add(actor=user, topic=topic)
        services.comment_add(actor=user, topic=topic, body="同意")
    with django_assert_max_num_queries(len(few)):
        page = alice.get(url).content.decode()
    assert "5 of 10 households support this topic." in page
