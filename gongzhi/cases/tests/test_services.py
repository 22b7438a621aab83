import datetime
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from gongzhi.cases import selectors, services
from gongzhi.cases.models import Case, CaseFollower, CaseTransition, Mediation, Tier
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Notification
from gongzhi.deliberation.models import Topic

from .conftest import advance, png_file

S = Case.Status


def test_resident_case_gets_deadlines_tracking_code_and_first_step(world, make_case):
    case = make_case(world.utilities, location_kind=Case.LocationKind.REGISTERED, photos=[png_file()])
    assert case.status == S.SUBMITTED
    assert case.org_unit == world.tree.grid_a1  # the registered address's grid
    assert case.community == world.tree.community_a
    assert case.address == "纳金路北段10号"
    assert len(case.tracking_code) == 10
    assert case.response_due > case.created_at and case.resolution_due > case.response_due
    assert case.reporter_resident == world.resident
    assert case.photos.count() == 1
    assert list(case.transitions.values_list("action", flat=True)) == ["submit"]


def test_deadlines_follow_the_working_calendar(world, make_case):
    # Saturday 10:00: 2 working hours fall on Monday morning, 7 working days end on a Tuesday.
    saturday = datetime.datetime(2026, 6, 6, 10, 0, tzinfo=timezone.get_current_timezone())
    case = make_case(world.emergency, now=saturday)
    assert timezone.localtime(case.response_due) == datetime.datetime(
        2026, 6, 8, 11, 30, tzinfo=saturday.tzinfo
    )
    general = make_case(world.general, now=saturday)
    assert timezone.localtime(general.resolution_due).date() == datetime.date(2026, 6, 16)


def test_description_over_4000_characters_is_refused(world, make_case):
    with pytest.raises(ApplicationError) as exc:
        make_case(description="漏" * 4001)
    assert exc.value.code == "too_long" and exc.value.field == "description"
    assert make_case(description="漏" * 4000).description == "漏" * 4000


def test_html_in_description_is_kept_as_plain_text(world, make_case):
    case = make_case(description="<script>alert(1)</script><b>灯</b>")
    assert case.description == "<script>alert(1)</script><b>灯</b>"


def test_no_category_is_refused(world, make_case):
    with pytest.raises(ApplicationError) as exc:
        services.case_create(
            actor=world.resident_user,
            channel="resident_form",
            category=None,
            description="x",
            reporter=world.resident_user,
        )
    assert exc.value.field == "category"
    assert Case.objects.count() == 0


def test_a_photo_that_is_not_an_image_is_refused(world, make_case):
    fake = io.BytesIO(b"MZ\x90\x00 this is an exe")
    fake.name = "photo.jpg"
    with pytest.raises(ApplicationError) as exc:
        make_case(photos=[fake])
    assert exc.value.code == "not_an_image"
    assert Case.objects.count() == 0


def test_at_most_three_photos(world, make_case):
    with pytest.raises(ApplicationError) as exc:
        make_case(photos=[png_file() for _ in range(4)])
    assert exc.value.code == "too_many_photos"


def test_category_of_another_community_is_refused(world, make_case):
    with pytest.raises(ApplicationError):
        make_case(world.category_b)


def test_station_call_matches_the_caller_and_tells_the_grid_worker(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_create(
            actor=world.grid_worker,
            channel=Case.Channel.STATION_CALL,
            category=world.utilities,
            description="家里停水了",
            station=world.station,
            reporter_phone="+86 139-0000-3333",
        )
    assert case.reporter_resident == world.caller
    assert case.reporter_name == "卓玛"
    assert case.org_unit == world.tree.grid_a1
    assert case.reporter_phone_last4 == "3333"
    assert Notification.objects.filter(user=world.grid_worker, title__contains=f"#{case.pk}").exists()


def test_unknown_caller_is_still_logged(world):
    case = services.case_create(
        actor=world.grid_worker,
        channel=Case.Channel.STATION_CALL,
        category=world.general,
        description="路灯",
        station=world.station,
        reporter_phone="13700000000",
    )
    assert case.reporter_resident is None and case.reporter_phone_last4 == "0000"


def test_full_loop_with_rating_and_notifications(world, make_case, django_capture_on_commit_callbacks):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        case = advance(case, world.grid_worker, "accept", "assign", "start", "resolve")
    assert case.status == S.RESOLVED and case.assignee == world.grid_worker
    assert case.accepted_at is not None and case.resolved_at is not None
    case = services.case_rate(actor=world.resident_user, case=case, stars=5, comment="很快")
    assert (case.status, case.rating, case.close_reason) == (S.CLOSED, 5, "rated")
    steps = list(case.transitions.values_list("action", "to_status"))
    assert steps == [
        ("submit", "submitted"),
        ("accept", "accepted"),
        ("assign", "assigned"),
        ("start", "in_progress"),
        ("resolve", "resolved"),
        ("confirm", "closed"),
    ]
    assert all(t.actor_id for t in case.transitions.all())
    assert Notification.objects.filter(user=world.resident_user, title__contains=f"#{case.pk}").count() == 4


def test_transition_not_allowed_names_the_allowed_ones(world, make_case):
    case = make_case()
    with pytest.raises(ApplicationError) as exc:
        services.case_transition(actor=world.grid_worker, case=case, action="resolve", note="done")
    assert exc.value.status == 409 and exc.value.code == "invalid_transition"
    assert set(exc.value.extra["allowed"]) >= {"accept", "reject"}
    assert "resolve" not in exc.value.extra["allowed"]


def test_rating_by_someone_else_and_second_rating_are_refused(world, make_case):
    case = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    with pytest.raises(ApplicationError) as exc:
        services.case_rate(actor=world.other_resident, case=case, stars=5)
    assert exc.value.code == "not_reporter"
    services.case_rate(actor=world.resident_user, case=case, stars=2, comment="慢")
    with pytest.raises(ApplicationError) as exc:
        services.case_rate(actor=world.resident_user, case=case, stars=5)
    assert exc.value.code == "already_rated"
    case.refresh_from_db()
    assert case.rating == 2


def test_stars_out_of_range_refused(world, make_case):
    case = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    for stars in (0, 6, "x"):
        with pytest.raises(ApplicationError):
            services.case_rate(actor=world.resident_user, case=case, stars=stars)


def test_anonymous_case_is_rated_with_its_tracking_code(world, make_case):
    case = make_case(anonymous=True)
    assert case.reporter is None and case.reporter_display == "Anonymous"
    case = advance(case, world.grid_worker, "accept", "assign", "start", "resolve")
    with pytest.raises(ApplicationError):
        services.case_rate(actor=None, case=case, stars=4, tracking_code="WRONGCODE1")
    case = services.case_rate(actor=None, case=case, stars=4, tracking_code=case.tracking_code.lower())
    assert case.rating == 4


def test_dispute_reopens_and_counts_rehandling(world, make_case):
    case = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    with pytest.raises(ApplicationError):
        services.case_transition(actor=world.resident_user, case=case, action="dispute", note="")
    case = services.case_transition(actor=world.resident_user, case=case, action="dispute", note="灯还是不亮")
    assert case.status == S.REOPENED and case.reopen_count == 1 and case.resolved_at is None
    case = advance(case, world.grid_worker, "start", "resolve")
    assert case.status == S.RESOLVED
    with pytest.raises(ApplicationError):
        services.case_transition(actor=world.other_resident, case=case, action="dispute", note="no")


def test_reject_needs_a_reason_and_duplicate_needs_the_master(world, make_case):
    case = make_case()
    with pytest.raises(ApplicationError):
        services.case_transition(
            actor=world.staff, case=case, action="reject", reason="out_of_scope", note=""
        )
    with pytest.raises(ApplicationError):
        services.case_transition(
            actor=world.staff, case=case, action="reject", reason="duplicate", note="dup"
        )
    case = services.case_transition(
        actor=world.staff, case=case, action="reject", reason="out_of_scope", note="不属于社区职责"
    )
    assert case.status == S.REJECTED and case.reject_reason == "out_of_scope"


def test_resolved_case_closes_unrated_after_seven_days(world, make_case):
    case = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    assert services.case_autoclose_stale(now=timezone.now() + datetime.timedelta(days=6)) == 0
    assert services.case_autoclose_stale(now=timezone.now() + datetime.timedelta(days=7, minutes=1)) == 1
    case.refresh_from_db()
    assert (case.status, case.close_reason, case.rating) == (S.CLOSED, "not_rated", None)
    assert case.transitions.last().action == "autoclose"
    with pytest.raises(ApplicationError):
        services.case_rate(actor=world.resident_user, case=case, stars=5)


def test_overdue_cases_escalate_once_to_the_secretary(
    world, make_case, make_user, django_capture_on_commit_callbacks
):
    from gongzhi.accounts.roles import Role
    from gongzhi.core.sms import LoggingSmsBackend

    LoggingSmsBackend.sent.clear()
    texted = make_user(Role.SECRETARY, world.tree.community_a, phone="13800009999")
    case = advance(make_case(world.emergency), world.grid_worker, "accept")
    other = advance(make_case(world.emergency), world.grid_worker, "accept")
    later = max(case.resolution_due, other.resolution_due) + datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.case_escalate_overdue(now=later) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.case_escalate_overdue(now=later) == 0
    # The secretary with a phone gets one text for both cases, and only on the first run.
    texts = [text for phone, text in LoggingSmsBackend.sent if phone == texted.phone]
    assert len(texts) == 1 and texts[0].startswith("2 overdue cases")
    assert Notification.objects.filter(user=texted).count() == 2
    case.refresh_from_db()
    assert case.escalated_at == later
    assert Notification.objects.filter(user=world.secretary, title__contains=f"#{case.pk}").count() == 1
    assert case.transitions.last().action == "escalate_overdue"
    assert case in selectors.case_queue(user=world.staff, overdue=True, now=later)


def test_escalation_needs_a_reason_and_consultation_opens_a_topic(world, make_case):
    case = advance(make_case(), world.grid_worker, "accept")
    with pytest.raises(ApplicationError):
        services.case_transition(actor=world.grid_worker, case=case, action="escalate", tier="joint", note="")
    with pytest.raises(ApplicationError):
        services.case_transition(
            actor=world.grid_worker, case=case, action="deescalate", tier="joint", note="why"
        )
    case = services.case_transition(
        actor=world.grid_worker, case=case, action="escalate", tier="joint", note="需要城管"
    )
    case = services.case_transition(
        actor=world.staff, case=case, action="escalate", tier="consultation", note="涉及全体居民"
    )
    assert case.tier == Tier.CONSULTATION and case.topic is not None
    topic = Topic.objects.get()
    assert topic.org_unit == world.tree.community_a and topic.source == f"case #{case.pk}"
    case = services.case_transition(
        actor=world.staff, case=case, action="deescalate", tier="grid", note="已协商"
    )
    assert case.tier == Tier.GRID
    assert [
        t.detail.get("to_tier") for t in case.transitions.filter(action__in=["escalate", "deescalate"])
    ] == [
        "joint",
        "consultation",
        "grid",
    ]


def test_joint_case_first_assignee_leads_and_every_part_reports(world, make_case):
    case = advance(make_case(world.complex), world.staff, "accept")
    assert case.tier == Tier.JOINT
    case = services.case_transition(
        actor=world.staff, case=case, action="assign", partners=[world.partner1], assignee=world.staff
    )
    case = services.case_transition(
        actor=world.staff,
        case=case,
        action="assign",
        partners=[world.partner2, world.partner1],
        assignee=world.staff,
    )
    assert case.lead_partner == world.partner1
    assert list(case.participants.values_list("partner__name", "is_lead")) == [
        ("卫生服务站", True),
        ("城管", False),
    ]
    case = advance(case, world.staff, "start")
    with pytest.raises(ApplicationError) as exc:
        services.case_transition(actor=world.staff, case=case, action="resolve", note="done")
    assert exc.value.code == "parts_missing"
    services.case_transition(actor=world.partner_staff, case=case, action="report_part", note="已上门义诊")
    with pytest.raises(ApplicationError):
        services.case_transition(actor=world.other_resident, case=case, action="report_part", note="x")
    services.case_transition(
        actor=world.staff, case=case, action="report_part", partner=world.partner2, note="清理完毕"
    )
    case = services.case_transition(actor=world.staff, case=case, action="resolve", note="联合处置完毕")
    assert case.status == S.RESOLVED


def test_duplicates_within_200_metres_or_same_address(world, make_case):
    near = make_case(world.utilities, location_kind="point", lat="29.650000", long="91.130000")
    make_case(world.utilities, location_kind="point", lat="29.653000", long="91.130000")  # ~330 m north
    make_case(world.general, location_kind="point", lat="29.650100", long="91.130100")  # other category
    same_address = make_case(world.utilities, location_kind="address", address="纳金路18号")
    found = selectors.duplicates_near(
        community=world.tree.community_a, category=world.utilities, lat=29.6012 + 0.0488, long=91.1301
    )
    assert [c.pk for c in found] == [near.pk]
    assert 0 < found[0].distance_m <= 200
    by_address = selectors.duplicates_near(
        community=world.tree.community_a, category=world.utilities, address="纳金路18号"
    )
    assert [c.pk for c in by_address] == [same_address.pk]


def test_merge_makes_the_duplicates_reporter_follow_the_master(world, make_case):
    master = make_case(world.utilities)
    duplicate = make_case(world.utilities, reporter=world.other_resident)
    services.case_merge(actor=world.staff, duplicate=duplicate, master=master, note="同一问题")
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.reject_reason, duplicate.duplicate_of) == (
        S.REJECTED,
        "duplicate",
        master,
    )
    assert CaseFollower.objects.filter(case=master, user=world.other_resident).exists()
    assert master in selectors.my_cases(user=world.other_resident)
    assert master.transitions.last().action == "merged_in"
    with pytest.raises(ApplicationError):
        services.case_merge(actor=world.staff, duplicate=master, master=master)


def test_mediation_sessions_outcome_and_follow_up(world, make_case):
    case = make_case(world.dispute, description="邻居漏水纠纷")
    assert case.kind == Case.Kind.MEDIATION and case.mediation.outcome == Mediation.Outcome.PENDING
    services.mediation_update(actor=world.staff, case=case, dispute_type="neighbour")
    services.mediation_party_add(actor=world.staff, case=case, resident=world.resident, role="楼上")
    services.mediation_party_add(actor=world.staff, case=case, name="王先生", role="楼下")
    services.mediation_session_add(
        actor=world.staff,
        case=case,
        held_at=timezone.now(),
        room="调解室",
        notes="初次调解",
        volunteer=world.caller,
    )
    with pytest.raises(ApplicationError):
        services.mediation_follow_up(actor=world.staff, case=case, visited_at=timezone.now(), note="回访")
    with pytest.raises(ApplicationError):
        services.mediation_record_outcome(
            actor=world.staff, case=case, outcome="agreement", agreement_text=""
        )
    services.mediation_record_outcome(
        actor=world.staff, case=case, outcome="agreement", agreement_text="楼上负责维修"
    )
    services.mediation_follow_up(actor=world.staff, case=case, visited_at=timezone.now(), note="双方满意")
    mediation = Mediation.objects.get(case=case)
    assert (
        mediation.dispute_type,
        mediation.outcome,
        mediation.parties.count(),
        mediation.sessions.count(),
    ) == (
        "neighbour",
        "agreement",
        2,
        1,
    )
    assert mediation.follow_up_note == "双方满意"


def test_mediation_without_agreement_is_referred(world, make_case):
    case = make_case(world.dispute)
    services.mediation_record_outcome(actor=world.staff, case=case, outcome="police")
    assert Mediation.objects.get(case=case).get_outcome_display() == "No agreement: referred to the police"


def _agreement_with_volunteer(world, make_case):
    case = make_case(world.dispute)
    services.mediation_session_add(
        actor=world.staff, case=case, held_at=timezone.now(), volunteer=world.caller
    )
    services.mediation_session_add(
        actor=world.staff, case=case, held_at=timezone.now(), volunteer=world.caller
    )
    services.mediation_record_outcome(
        actor=world.staff, case=case, outcome="agreement", agreement_text="和解"
    )
    return case


def test_volunteer_mediator_is_awarded_points_when_points_is_installed(world, make_case, monkeypatch):
    pytest.importorskip("gongzhi.points")
    from django.apps import apps

    if not apps.is_installed("gongzhi.points"):
        pytest.skip("points app not installed")
    import gongzhi.points.services as points_services

    calls = []
    monkeypatch.setattr(points_services, "award_create", lambda **kw: calls.append(kw))
    case = _agreement_with_volunteer(world, make_case)
    assert len(calls) == 1  # one award per volunteer and case, however many sessions
    assert calls[0]["resident"] == world.caller and calls[0]["rule_code"] == "mediation"
    assert calls[0]["idempotency_key"] == f"cases:mediation:{case.pk}:{world.caller.pk}"


def test_points_award_path_with_a_stand_in_points_app(world, make_case, monkeypatch):
    """The call made to the points bank, checked without the points app being present."""
    import sys
    import types

    from django.apps import apps

    calls = []
    fake = types.ModuleType("gongzhi.points.services")
    fake.award_create = lambda **kw: calls.append(kw)
    monkeypatch.setitem(sys.modules, "gongzhi.points", types.ModuleType("gongzhi.points"))
    monkeypatch.setitem(sys.modules, "gongzhi.points.services", fake)
    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name == "gongzhi.points" or real(name))
    case = _agreement_with_volunteer(world, make_case)
    assert [(c["rule_code"], c["quantity"], c["idempotency_key"]) for c in calls] == [
        ("mediation", 1, f"cases:mediation:{case.pk}:{world.caller.pk}")
    ]
    assert calls[0]["source"] == f"cases.case:{case.pk}"


def test_no_points_app_no_award(world, make_case):
    from django.apps import apps

    if apps.is_installed("gongzhi.points"):
        pytest.skip("points app installed")
    case = _agreement_with_volunteer(world, make_case)
    assert services._award_volunteers(case, case.mediation, actor=world.staff) == 0


def test_metrics_count_what_the_definitions_say(world, make_case):
    on_time = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    services.case_rate(actor=world.resident_user, case=on_time, stars=5)
    low = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    services.case_rate(actor=world.resident_user, case=low, stars=3)
    late = make_case(world.emergency)  # overdue, never accepted
    advance(make_case(), world.grid_worker, "accept")
    rejected = make_case()
    services.case_transition(
        actor=world.staff, case=rejected, action="reject", reason="out_of_scope", note="no"
    )
    later = late.resolution_due + datetime.timedelta(hours=1)
    data = selectors.metrics(user=world.staff, now=later)
    overall = data["overall"]
    assert overall["total"] == 4  # rejected excluded
    assert overall["satisfaction_rate"] == 50.0
    assert overall["rated_share"] == 100.0
    assert overall["on_time_rate"] == 100.0
    # due for response: 3 accepted on time + the emergency one never accepted
    assert overall["response_rate"] == 75.0
    assert data["category"][0]["name"] in {"紧急求助", "一般诉求"}
    assert {row["name"] for row in data["grid"]} == {world.tree.grid_a1.name}
    assert data["month"][0]["total"] == 4
    assert selectors.metrics(user=world.staff_b, now=later)["overall"]["total"] == 0


@pytest.mark.postgres
def test_the_one_scan_metrics_equal_the_query_per_grouping(world, make_case):
    """PostgreSQL answers the metrics in one scan with grouping sets: every figure of every grouping
    must be that of the query per grouping SQLite runs."""
    on_time = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    services.case_rate(actor=world.resident_user, case=on_time, stars=5)
    low = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    services.case_rate(actor=world.resident_user, case=low, stars=3)
    late = make_case(world.emergency)
    advance(make_case(world.emergency), world.grid_worker, "accept")
    rejected = make_case()
    services.case_transition(
        actor=world.staff, case=rejected, action="reject", reason="out_of_scope", note="no"
    )
    later = late.resolution_due + datetime.timedelta(hours=1)
    for user in (world.staff, world.staff_b):
        base = selectors.metrics_base(user=user)
        one_scan = selectors._metrics_grouped(base, later, tuple(selectors.GROUPS))
        per_grouping = selectors.metrics_by_query(base, later, tuple(selectors.GROUPS))
        assert one_scan == per_grouping
    assert one_scan["overall"]["total"] == 0  # staff_b: another community
    data = selectors.metrics(user=world.staff, now=later)
    assert data["overall"]["total"] == 4 and sum(row["total"] for row in data["category"]) == 4


def test_staff_of_another_community_cannot_see_the_case(world, make_case):
    case = make_case()
    with pytest.raises(Case.DoesNotExist):
        selectors.case_get(user=world.staff_b, pk=case.pk)
    with pytest.raises(Case.DoesNotExist):
        selectors.case_get(user=world.grid_worker2, pk=case.pk)
    assert selectors.case_get(user=world.grid_worker, pk=case.pk) == case
    assert selectors.case_get(user=world.resident_user, pk=case.pk) == case
    with pytest.raises(Case.DoesNotExist):
        selectors.case_get(user=world.other_resident, pk=case.pk)


def test_extra_fields_are_checked_against_the_schema(world, make_case):
    cat = services.category_save(
        actor=None,
        org_unit=world.tree.community_a,
        code="pets",
        name="宠物",
        extra_fields=[
            {
                "code": "kind",
                "label": "Kind",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "dog", "name": "Dog"}, {"key": "cat", "name": "Cat"}],
            },
            {"code": "count", "label": "How many", "datatype": "number"},
        ],
    )
    with pytest.raises(ApplicationError):
        make_case(cat)
    with pytest.raises(ApplicationError):
        make_case(cat, extra={"kind": "horse"})
    case = make_case(cat, extra={"kind": "dog", "count": "2"})
    assert case.extra == {"kind": "dog", "count": 2.0}
    with pytest.raises(ApplicationError):
        services.category_save(
            actor=None,
            org_unit=world.tree.community_a,
            code="bad",
            name="x",
            extra_fields=[{"code": "a", "label": "A", "datatype": "blob"}],
        )


def test_database_refuses_bad_ratings_and_half_coordinates(world, make_case):
    case = make_case()
    case.rating = 6
    with pytest.raises(ValidationError):
        case.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(rating=6, status="closed", close_reason="rated")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(lat=29.6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status="rejected", reject_reason="")


def test_transitions_record_actor_time_and_note(world, make_case):
    case = advance(make_case(), world.grid_worker, "accept")
    step = CaseTransition.objects.filter(case=case).last()
    assert (step.actor, step.from_status, step.to_status) == (world.grid_worker, "submitted", "accepted")
    assert step.at <= timezone.now()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_ratings_racing_only_one_lands(tree, make_user):

    from gongzhi.accounts.roles import Role
    from gongzhi.cases.models import DeadlineUnit

    cat = services.category_save(
        actor=None, org_unit=tree.community_a, code="race", name="race", response_unit=DeadlineUnit.DAYS
    )
    resident = make_user(Role.RESIDENT, tree.community_a)
    worker = make_user(Role.GRID_WORKER, tree.grid_a1)
    case = services.case_create(
        actor=resident,
        reporter=resident,
        channel="resident_form",
        category=cat,
        description="x",
        org_unit=tree.grid_a1,
    )
    for action in ("accept", "assign", "start", "resolve"):
        case = services.case_transition(actor=worker, case=case, action=action, note="done")
    results, barrier = [], threading.Barrier(2)

    def rate(stars):
        try:
            barrier.wait()
            services.case_rate(actor=resident, case=case, stars=stars)
            results.append("ok")
        except ApplicationError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=rate, args=(s,)) for s in (1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["already_rated", "ok"]
    assert CaseTransition.objects.filter(case=case, action="confirm").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_accepting_at_once_one_gets_409(tree, make_user):
    from gongzhi.accounts.roles import Role

    cat = services.category_save(actor=None, org_unit=tree.community_a, code="race2", name="race2")
    worker1 = make_user(Role.GRID_WORKER, tree.grid_a1)
    worker2 = make_user(Role.COMMUNITY_STAFF, tree.community_a)
    case = services.case_create(
        actor=worker1, channel="patrol", category=cat, description="x", org_unit=tree.grid_a1
    )
    results, barrier = [], threading.Barrier(2)

    def accept(user):
        try:
            barrier.wait()
            services.case_transition(actor=user, case=case, action="accept")
            results.append("ok")
        except ApplicationError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(u,)) for u in (worker1, worker2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["invalid_transition", "ok"]
    assert CaseTransition.objects.filter(case=case, action="accept").count() == 1


def test_periodic_commands_close_and_escalate(world, make_case, monkeypatch):
    from django.core.management import call_command

    stale = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    Case.objects.filter(pk=stale.pk).update(resolved_at=timezone.now() - datetime.timedelta(days=8))
    late = make_case(world.emergency)
    Case.objects.filter(pk=late.pk).update(
        response_due=timezone.now() - datetime.timedelta(hours=3),
        resolution_due=timezone.now() - datetime.timedelta(hours=1),
    )
    out = io.StringIO()
    call_command("cases_autoclose", stdout=out)
    call_command("cases_escalate_overdue", stdout=out)
    assert "closed 1 case(s)" in out.getvalue() and "escalated 1 overdue case(s)" in out.getvalue()
    stale.refresh_from_db()
    late.refresh_from_db()
    assert stale.close_reason == "not_rated" and late.escalated_at is not None


def test_an_agreement_earns_the_volunteer_the_real_mediation_rule(world, make_case):
    """With the points bank installed: the volunteer mediator's balance rises by the rule's points,
    once per case however many sessions they held."""
    from gongzhi.points import selectors as points_selectors
    from gongzhi.points import services as points_services

    community = world.caller.org_unit.parent
    points_services.rule_create(
        actor=world.staff,
        org_unit=community,
        code="mediation",
        name="矛盾纠纷调解",
        category="mediation",
        points=10,
    )
    _agreement_with_volunteer(world, make_case)
    account = points_selectors.account_for(world.caller, community)
    assert account is not None and account.balance == 10 and account.lifetime_earned == 10


def test_without_a_mediation_rule_the_agreement_is_still_recorded(world, make_case):
    case = _agreement_with_volunteer(world, make_case)
    case.mediation.refresh_from_db()
    assert case.mediation.outcome == "agreement"


def test_joint_case_without_a_choice_goes_to_the_categorys_default_units(world, make_case):
    from gongzhi.core import services as core_services

    unit_b = core_services.partnerunit_save(
        actor=None, org_unit=world.tree.community_b, kind="school", name="B 学校"
    )
    world.complex.handling_units.set([world.partner2, world.partner1, unit_b])
    case = advance(make_case(world.complex), world.staff, "accept")
    case = services.case_transition(actor=world.staff, case=case, action="assign", assignee=world.staff)
    parts = list(case.participants.values_list("partner__name", "is_lead"))
    # The first default unit (the oldest) leads; a unit of another community never takes part.
    assert parts == [("卫生服务站", True), ("城管", False)]
    assert case.lead_partner == world.partner1
    # A later dispatch adds a unit but the lead stays: the first assignee cannot hand it back.
    unit_a3 = core_services.partnerunit_save(
        actor=None, org_unit=world.tree.community_a, kind="school", name="纳金小学"
    )
    case = services.case_transition(
        actor=world.staff, case=case, action="assign", partners=[unit_a3], assignee=world.staff
    )
    assert case.lead_partner == world.partner1
    assert case.participants.get(is_lead=True).partner == world.partner1
    assert case.participants.count() == 3


def test_a_grid_case_is_never_dispatched_to_default_units(world, make_case):
    world.utilities.handling_units.set([world.partner1])
    case = advance(make_case(world.utilities), world.staff, "accept", grid=world.tree.grid_a1)
    case = services.case_transition(actor=world.staff, case=case, action="assign")
    assert case.assignee == world.grid_worker and case.participants.count() == 0


def test_extra_answers_read_with_the_questions_and_value_names(world, make_case):
    category = services.category_save(
        actor=None,
        org_unit=world.tree.community_a,
        code="elderly",
        name="助老",
        extra_fields=[
            {"code": "floor", "label": "Floor", "datatype": "number"},
            {
                "code": "service",
                "label": "Service",
                "datatype": "multivaluelist",
                "values": [{"key": "errand", "name": "Errand"}, {"key": "escort", "name": "Escort"}],
            },
        ],
    )
    for not_a_number in ("nan", "inf", "三楼"):
        with pytest.raises(ApplicationError) as exc:
            make_case(category, extra={"floor": not_a_number})
        assert exc.value.field == "extra_floor"
    case = make_case(category, extra={"service": ["escort", "errand"], "floor": "3"})
    assert case.extra_answers == [("Floor", "3"), ("Service", "Escort, Errand")]


def test_map_points_show_open_public_cases_of_the_community_only(world, make_case):
    shown = make_case(world.utilities, location_kind="point", lat="29.650000", long="91.130000")
    make_case(world.general, location_kind="point", lat="29.652000", long="91.132000")
    make_case(world.general, location_kind="address", address="纳金路1号")  # no point
    make_case(world.general, channel=Case.Channel.RED_MAILBOX, location_kind="point", lat="29.6", long="91.1")
    make_case(world.dispute, location_kind="point", lat="29.6", long="91.1")  # a dispute stays private
    closed = make_case(world.general, location_kind="point", lat="29.6", long="91.1")
    services.case_transition(actor=world.staff, case=closed, action="reject", note="不属于本社区")
    services.case_create(
        actor=world.staff_b,
        channel=Case.Channel.STAFF_ENTRY,
        category=world.category_b,
        description="B",
        org_unit=world.tree.grid_b1,
        location_kind="point",
        lat="29.7",
        long="91.2",
    )
    data = selectors.map_points(community=world.tree.community_a)
    assert sorted((p["lat"], p["name"]) for p in data["points"]) == [(29.65, "水电暖"), (29.652, "一般诉求")]
    assert data["centre"] == [29.651, 91.131]
    assert "description" not in data["points"][0]
    assert shown.pk  # the case the dot stands for exists
    assert selectors.map_points(community=world.tree.community_b)["centre"] == [29.7, 91.2]
    assert selectors.map_points(community=None) == {"centre": [29.65, 91.13], "points": []}
