"""IDOR cases of the deliberation corner (see core/tests/test_idor.py): an object of community B,
a user of community A who may use the page on A's objects, and A's own object as the control."""

import datetime

from django.utils import timezone

from gongzhi.core.tests.test_idor import Case
from gongzhi.deliberation import services
from gongzhi.deliberation.models import Topic


def _community(w, side):
    return w.tree.community_a if side == "a" else w.tree.community_b


def _topic(w, side="b"):
    return services.topic_create(actor=None, org_unit=_community(w, side), title="议题", description="d")


def _meeting(w, side="b", publish=True):
    staff = w.make_user(w.roles.SECRETARY, _community(w, side))
    start = timezone.now() + datetime.timedelta(days=3)
    meeting = services.meeting_create(
        actor=staff,
        org_unit=_community(w, side),
        title="议事会",
        start=start,
        end=start + datetime.timedelta(hours=2),
        place="会议室",
        topics=[_topic(w, side)],
    )
    if publish:
        services.meeting_publish(actor=staff, meeting=meeting)
    return meeting


def _decision(w, side="b"):
    from gongzhi.registry import services as registry_services

    registry_services.household_create(
        actor=None, org_unit=w.tree.grid_a1 if side == "a" else w.tree.grid_b1, address="纳金路9号"
    )
    return services.decision_open(actor=None, topic=_topic(w, side), method="households")


def _result(w, side="b"):
    topic = _topic(w, side)
    services.topic_set_status(actor=None, topic=topic, status=Topic.Status.SCHEDULED)
    services.topic_set_status(actor=None, topic=topic, status=Topic.Status.DECIDED)
    return services.result_create(actor=None, topic=topic, title="结果", owner_kind="community")


def _comment(w, side="b"):
    author = w.make_user(w.roles.COMMUNITY_STAFF, _community(w, side))
    return services.comment_add(actor=author, topic=_topic(w, side), body="评论")


def topic_b(w):
    return _topic(w).pk


def topic_a(w):
    return _topic(w, "a").pk


def meeting_b(w):
    return _meeting(w).pk


def meeting_a(w):
    return _meeting(w, "a").pk


def item_b(w):
    return _meeting(w).agenda.get().pk


def decision_b(w):
    return _decision(w).pk


def decision_a(w):
    return _decision(w, "a").pk


def result_b(w):
    return _result(w).pk


def result_a(w):
    return _result(w, "a").pk


def comment_b(w):
    return _comment(w).pk


def staff(w):
    return w.make_user(w.roles.SECRETARY, w.tree.community_a)


def resident(w):
    return w.make_user(w.roles.RESIDENT, w.tree.grid_a1)


CASES = {
    "deliberation:topic_detail": Case(topic_b, resident, own=topic_a),
    "deliberation:topic_status": Case(topic_b, staff, method="post"),
    "deliberation:topic_support": Case(topic_b, resident, method="post"),
    "deliberation:topic_agenda": Case(topic_b, staff, method="post"),
    "deliberation:comment_add": Case(topic_b, resident, method="post"),
    "deliberation:decision_open": Case(topic_b, staff, method="post"),
    "deliberation:result_create": Case(topic_b, staff),
    "deliberation:comment_report": Case(comment_b, resident, method="post"),
    "deliberation:comment_review": Case(comment_b, staff, method="post"),
    "deliberation:decision_detail": Case(decision_b, resident, own=decision_a),
    "deliberation:vote_cast": Case(decision_b, resident, method="post"),
    "deliberation:vote_record": Case(decision_b, staff, method="post"),
    "deliberation:decision_close": Case(decision_b, staff, method="post"),
    "deliberation:meeting_detail": Case(meeting_b, staff, own=meeting_a),
    "deliberation:meeting_notice": Case(meeting_b, resident, own=meeting_a),
    "deliberation:meeting_publish": Case(meeting_b, staff, method="post"),
    "deliberation:meeting_cancel": Case(meeting_b, staff, method="post"),
    "deliberation:meeting_held": Case(meeting_b, staff, method="post"),
    "deliberation:meeting_agenda": Case(meeting_b, staff, method="post"),
    "deliberation:meeting_invite": Case(meeting_b, staff, method="post"),
    "deliberation:meeting_register": Case(meeting_b, resident, method="post"),
    "deliberation:meeting_checkin": Case(meeting_b, staff, own=meeting_a),
    "deliberation:meeting_photos": Case(meeting_b, staff, method="post"),
    "deliberation:minutes_record": Case(item_b, staff, method="post"),
    "deliberation:result_detail": Case(result_b, resident, own=result_a),
    "deliberation:result_update": Case(result_b, staff, method="post"),
    "deliberation:milestone_add": Case(result_b, staff, method="post"),
    "deliberation:milestone_done": Case(result_b, staff, method="post"),
    "api:deliberation_topic_detail": Case(topic_b, resident, own=topic_a),
    "api:deliberation_support_add": Case(topic_b, resident, method="post"),
    "api:deliberation_support_withdraw": Case(topic_b, resident, method="delete"),
    "api:deliberation_comments": Case(topic_b, resident, own=topic_a),
    "api:deliberation_comment_add": Case(topic_b, resident, method="post", json={"body": "x"}),
    "api:deliberation_comment_report": Case(comment_b, resident, method="post"),
    "api:deliberation_decision_open": Case(topic_b, staff, method="post", json={"method": "households"}),
    "api:deliberation_decision_detail": Case(decision_b, resident, own=decision_a),
    "api:deliberation_vote_cast": Case(decision_b, resident, method="post", json={"choice": "yes"}),
    "api:deliberation_my_vote": Case(decision_b, resident),
    "api:deliberation_decision_close": Case(decision_b, staff, method="post"),
    "api:deliberation_meeting_detail": Case(meeting_b, resident, own=meeting_a),
    "api:deliberation_meeting_register": Case(meeting_b, resident, method="post"),
    "api:deliberation_meeting_checkin": Case(meeting_b, staff, method="post", json={"token": "x"}),
    "api:deliberation_result_detail": Case(result_b, resident, own=result_a),
    "api:deliberation_result_update": Case(
        result_b, staff, method="post", json={"text": "x", "progress": 10}
    ),
}
