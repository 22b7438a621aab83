import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from gongzhi.accounts.roles import Role
from gongzhi.care import services
from gongzhi.care.models import CareProfile, ChildProfile, Measurement, ServiceOrder, ServiceType, Visit
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEntry, DataProcessingBasis
from gongzhi.core.services import partnerunit_save

from . import factories
from .factories import answers

TODAY = datetime.date(2026, 11, 20)

pytestmark = pytest.mark.django_db


# --- visit due computation -------------------------------------------------------------------


@pytest.mark.parametrize(("level", "days"), [("high", 7), ("medium", 30), ("low", 90)])
def test_next_visit_due_per_risk_level(level, days):
    last = datetime.date(2026, 11, 1)
    assert services.next_visit_due(last, level) == last + datetime.timedelta(days=days)


def test_never_visited_is_due_now():
    assert services.next_visit_due(None, "low") is None


def test_a_communitys_own_frequency_wins_over_the_default(tree):
    services.frequency_set(actor=None, org_unit=tree.community_a, level="high", days=3)
    last = datetime.date(2026, 11, 1)
    assert services.next_visit_due(last, "high", tree.grid_a1) == datetime.date(2026, 11, 4)
    assert services.next_visit_due(last, "high", tree.grid_b1) == datetime.date(2026, 11, 8)


def test_visit_moves_last_visit_and_next_due(worker, elder):
    services.profile_set_risk(actor=worker, resident=elder, level="high", reason="独居，近期跌倒")
    services.visit_record(actor=worker, resident=elder, visited_on=TODAY, situation="一切正常", today=TODAY)
    profile = CareProfile.objects.get(resident=elder)
    assert profile.last_visit_on == TODAY
    assert profile.next_due_on == TODAY + datetime.timedelta(days=7)
    # Lowering the risk level moves the due date at once.
    services.profile_set_risk(actor=worker, resident=elder, level="low", reason="身体好转")
    profile.refresh_from_db()
    assert profile.next_due_on == TODAY + datetime.timedelta(days=90)


def test_an_older_visit_entered_late_does_not_move_the_due_date_back(worker, elder):
    services.visit_record(actor=worker, resident=elder, visited_on=TODAY, situation="好", today=TODAY)
    services.visit_record(
        actor=worker,
        resident=elder,
        visited_on=TODAY - datetime.timedelta(days=20),
        situation="补录",
        today=TODAY,
    )
    assert CareProfile.objects.get(resident=elder).last_visit_on == TODAY


def test_risk_level_needs_a_reason(worker, elder):
    with pytest.raises(ApplicationError) as exc:
        services.profile_set_risk(actor=worker, resident=elder, level="high", reason="  ")
    assert exc.value.field == "risk_reason"
    assert not CareProfile.objects.filter(resident=elder).exists()


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"visited_on": TODAY + datetime.timedelta(days=1)}, "visited_on"),
        ({"situation": ""}, "situation"),
        ({"kind": "drone"}, "kind"),
    ],
)
def test_bad_visits_are_refused_and_change_nothing(worker, elder, kw, field):
    args = {"visited_on": TODAY, "situation": "好", "kind": "home", **kw}
    with pytest.raises(ApplicationError) as exc:
        services.visit_record(actor=worker, resident=elder, today=TODAY, **args)
    assert exc.value.field == field
    assert not Visit.objects.exists()


def test_a_resubmitted_offline_form_records_one_visit(worker, elder):
    first = services.visit_record(
        actor=worker, resident=elder, visited_on=TODAY, situation="好", client_key="abc", today=TODAY
    )
    again = services.visit_record(
        actor=worker, resident=elder, visited_on=TODAY, situation="好", client_key="abc", today=TODAY
    )
    assert first.pk == again.pk
    assert Visit.objects.count() == 1


def test_needs_found_open_a_case_and_a_service_order_in_one_go(tree, worker, elder):
    from gongzhi.cases.models import Case
    from gongzhi.cases.services import category_save

    category = category_save(actor=None, org_unit=tree.community_a, code="help", name="生活困难")
    meal = ServiceType.objects.get(code="meal")
    visit = services.visit_record(
        actor=worker,
        resident=elder,
        visited_on=TODAY,
        situation="老人腿脚不便",
        needs="需要送餐，屋顶漏水",
        case_category=category,
        order_service_type=meal,
        today=TODAY,
    )
    case = Case.objects.get(pk=visit.case_id)
    assert case.org_unit == tree.grid_a1
    assert ServiceOrder.objects.get(profile__resident=elder).service_type == meal


def test_visit_is_audited(worker, elder):
    visit = services.visit_record(actor=worker, resident=elder, visited_on=TODAY, situation="好", today=TODAY)
    assert AuditEntry.objects.filter(
        action="care.visit.record", object_id=str(visit.pk), actor=worker
    ).exists()


# --- assessments -----------------------------------------------------------------------------


def test_assessment_sets_level_and_reassessment_due(worker, elder):
    a = services.assessment_record(
        actor=worker, resident=elder, assessed_on=datetime.date(2026, 2, 28), answers=answers(65), today=TODAY
    )
    assert (a.total, a.level, a.next_due_on) == (65, 2, datetime.date(2027, 2, 28))
    profile = CareProfile.objects.get(resident=elder)
    assert (profile.capability_level, profile.reassess_due_on) == (2, datetime.date(2027, 2, 28))


def test_bad_assessment_is_refused(worker, elder):
    with pytest.raises(ApplicationError) as exc:
        services.assessment_record(
            actor=worker, resident=elder, assessed_on=TODAY, answers={**answers(90), "stairs": 4}, today=TODAY
        )
    assert exc.value.field == "stairs"


def test_database_refuses_a_total_that_is_not_the_sum(worker, elder):
    a = services.assessment_record(
        actor=worker, resident=elder, assessed_on=TODAY, answers=answers(50), today=TODAY
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        type(a).objects.filter(pk=a.pk).update(total=51)


# --- service orders --------------------------------------------------------------------------


def _volunteer_with_points_rule(tree):
    from gongzhi.points.services import rule_create

    rule_create(
        actor=None,
        org_unit=tree.community_a,
        code="volunteer-hour",
        name="志愿服务",
        category="volunteer",
        points=10,
        unit="hour",
    )
    helper = factories.resident(tree.grid_a2, tags=(), birth_date=datetime.date(1990, 1, 1), name="志愿者")
    return services.volunteer_create(
        actor=None, org_unit=tree.grid_a1, name="", resident=helper, skills="做饭"
    )


def test_a_service_order_whole_life(tree, worker, elder):
    volunteer = _volunteer_with_points_rule(tree)
    meal = ServiceType.objects.get(code="meal")
    order = services.order_create(actor=worker, resident=elder, service_type=meal, description="午餐")
    assert order.state == "requested"
    assert services.allowed_actions(order) == ["assign", "cancel"]
    order = services.order_transition(actor=worker, order=order, action="assign", volunteer=volunteer)
    when = datetime.datetime(2026, 11, 21, 11, 30, tzinfo=datetime.UTC)
    order = services.order_transition(actor=worker, order=order, action="schedule", scheduled_for=when)
    with pytest.raises(ApplicationError) as exc:
        services.order_transition(
            actor=worker, order=order, action="complete", done_note="送了午餐", confirmed_by=""
        )
    assert exc.value.field == "confirmed_by"
    order = services.order_transition(
        actor=worker,
        order=order,
        action="complete",
        done_note="送了午餐",
        confirmed_by="本人",
        hours=Decimal("1.5"),
    )
    assert order.state == "done"
    assert order.points_awarded == 15  # 1.5 hours × 10 points through the points bank
    with pytest.raises(ApplicationError) as exc:
        services.order_transition(actor=worker, order=order, action="rate", rating=6)
    order = services.order_transition(actor=worker, order=order, action="rate", rating=5, comment="很好")
    assert order.state == "rated"
    assert [s.action for s in order.steps.all()] == ["request", "assign", "schedule", "complete", "rate"]
    with pytest.raises(ApplicationError) as exc:
        services.order_transition(actor=worker, order=order, action="cancel", note="晚了")
    assert exc.value.status == 409


def test_cancel_needs_a_reason_and_ends_the_order(worker, elder):
    order = services.order_create(
        actor=worker, resident=elder, service_type=ServiceType.objects.get(code="cleaning")
    )
    with pytest.raises(ApplicationError):
        services.order_transition(actor=worker, order=order, action="cancel")
    order = services.order_transition(actor=worker, order=order, action="cancel", note="家属已处理")
    assert order.state == "cancelled" and services.allowed_actions(order) == []


def test_provider_from_another_community_is_refused(tree, worker, elder):
    partner_b = partnerunit_save(actor=None, org_unit=tree.community_b, kind="provider", name="B家政")
    order = services.order_create(
        actor=worker, resident=elder, service_type=ServiceType.objects.get(code="cleaning")
    )
    with pytest.raises(ApplicationError) as exc:
        services.order_transition(actor=worker, order=order, action="assign", partner=partner_b)
    assert exc.value.field == "partner"
    partner_a = partnerunit_save(actor=None, org_unit=tree.community_a, kind="provider", name="A家政")
    assert (
        services.order_transition(actor=worker, order=order, action="assign", partner=partner_a).state
        == "assigned"
    )


def test_recurring_meals_every_weekday_generate_occurrences_once(tree, worker, elder):
    partner = partnerunit_save(actor=None, org_unit=tree.community_a, kind="provider", name="老年食堂")
    services.recurring_create(
        actor=worker,
        resident=elder,
        service_type=ServiceType.objects.get(code="meal"),
        weekdays=[0, 1, 2, 3, 4],
        time=datetime.time(11, 30),
        start_on=datetime.date(2026, 11, 23),  # a Monday
        partner=partner,
    )
    until = datetime.date(2026, 12, 6)  # two weeks
    assert services.recurring_generate(until=until, today=datetime.date(2026, 11, 22)) == 10
    assert services.recurring_generate(until=until, today=datetime.date(2026, 11, 22)) == 0
    orders = ServiceOrder.objects.filter(recurring__isnull=False)
    assert orders.count() == 10
    assert {o.state for o in orders} == {"scheduled"}
    assert {o.occurrence_on.weekday() for o in orders} == {0, 1, 2, 3, 4}


# --- health ----------------------------------------------------------------------------------


def test_health_record_needs_a_legal_basis_and_flags_out_of_range_values(health_worker, elder):
    with pytest.raises(ApplicationError):
        services.health_record_create(actor=health_worker, resident=elder, basis="consent")
    record = services.health_record_create(
        actor=health_worker,
        resident=elder,
        basis="consent",
        consent_given_on=TODAY,
        consent_by="本人",
        consent_relation="self",
        chronic_conditions="高血压",
    )
    assert DataProcessingBasis.objects.filter(object_id=str(record.pk), category="health").exists()
    rows = services.measurements_add(
        actor=health_worker,
        record=record,
        values={
            "systolic": "150",
            "diastolic": "85",
            "glucose_fasting": "5.2",
            "weight": "70",
            "height": "160",
        },
        measured_on=TODAY,
    )
    flagged = {r.kind: r.out_of_range for r in rows}
    assert flagged == {
        "systolic": True,
        "diastolic": False,
        "glucose_fasting": False,
        "weight": False,
        "height": False,
        "bmi": True,
    }
    assert Measurement.objects.get(kind="bmi").value == Decimal("27.3")


@pytest.mark.parametrize(
    ("kind", "value", "flag"),
    [
        ("systolic", "139", False),
        ("systolic", "140", True),
        ("systolic", "89", True),
        ("diastolic", "90", True),
        ("glucose_fasting", "6.1", False),
        ("glucose_fasting", "6.2", True),
        ("glucose_fasting", "3.8", True),
        ("glucose_random", "11.1", True),
        ("bmi", "18.4", True),
        ("bmi", "23.9", False),
        ("bmi", "24.0", True),
    ],
)
def test_reference_range_edges(kind, value, flag):
    assert services.out_of_range(kind, Decimal(value)) is flag


def test_implausible_values_are_refused(health_worker, elder):
    record = services.health_record_create(
        actor=health_worker, resident=elder, basis="statutory", statute="《基本医疗卫生与健康促进法》"
    )
    with pytest.raises(ApplicationError):
        services.measurements_add(
            actor=health_worker, record=record, values={"weight": "7000"}, measured_on=TODAY
        )
    with pytest.raises(ApplicationError):
        services.measurements_add(
            actor=health_worker, record=record, values={"systolic": "120"}, measured_on=TODAY
        )
    assert not Measurement.objects.exists()


def test_free_clinic_fast_entry_opens_records_on_consent(tree, health_worker, elder):
    clinic = services.clinic_create(
        actor=health_worker, org_unit=tree.community_a, name="义诊", held_on=TODAY
    )
    with pytest.raises(ApplicationError) as exc:
        services.clinic_screen(
            actor=health_worker, clinic=clinic, resident=elder, values={"glucose_random": "12"}
        )
    assert exc.value.code == "consent_required"
    rows = services.clinic_screen(
        actor=health_worker, clinic=clinic, resident=elder, values={"glucose_random": "12"}, consent_by="本人"
    )
    assert rows[0].out_of_range and rows[0].clinic == clinic
    other = factories.resident(tree.grid_b1)
    with pytest.raises(ApplicationError):
        services.clinic_screen(
            actor=health_worker, clinic=clinic, resident=other, values={"weight": "60"}, consent_by="本人"
        )


# --- children --------------------------------------------------------------------------------


def test_child_profile_with_a_guardian_from_the_household(tree, worker):
    grandma = factories.resident(tree.grid_a1, tags=(), name="奶奶")
    child = factories.resident(
        tree.grid_a1,
        tags=("left_behind_child",),
        birth_date=datetime.date(2016, 3, 1),
        household=grandma.household,
        relationship="grandchild",
    )
    stranger = factories.resident(tree.grid_a1, tags=())
    with pytest.raises(ApplicationError):
        services.child_profile_create(
            actor=worker, resident=child, kind="left_behind", guardian=stranger, today=TODAY
        )
    profile = services.child_profile_create(
        actor=worker,
        resident=child,
        kind="left_behind",
        guardian=grandma,
        parents_whereabouts="父母在成都打工",
        today=TODAY,
    )
    assert DataProcessingBasis.objects.filter(object_id=str(profile.pk), category="child").exists()
    services.child_follow_up_add(
        actor=worker,
        child=profile,
        on=TODAY,
        note="学习正常",
        next_follow_up_on=TODAY + datetime.timedelta(days=30),
        today=TODAY,
    )
    assert ChildProfile.objects.get(pk=profile.pk).next_follow_up_on == TODAY + datetime.timedelta(days=30)


def test_adults_are_not_monitored_as_children(worker, elder):
    with pytest.raises(ApplicationError):
        services.child_profile_create(actor=worker, resident=elder, kind="distressed", today=TODAY)


def test_volunteer_must_live_in_the_community(tree):
    outsider = factories.resident(tree.grid_b1, tags=())
    with pytest.raises(ApplicationError):
        services.volunteer_create(actor=None, org_unit=tree.community_a, name="x", resident=outsider)
    assert Role.HEALTH_WORKER in {"health_worker"}


# --- needy households ------------------------------------------------------------------------


def test_donations_get_receipt_numbers_per_community_and_year(tree, make_user):
    staff = make_user(Role.COMMUNITY_STAFF, tree.community_a)
    needy = factories.resident(tree.grid_a1, tags=("dibao",))
    d1 = services.donation_record(
        actor=staff,
        org_unit=tree.community_a,
        direction="in",
        kind="money",
        amount="500",
        counterparty="某企业",
        on=TODAY,
        today=TODAY,
    )
    d2 = services.donation_record(
        actor=staff,
        org_unit=tree.community_a,
        direction="out",
        kind="in_kind",
        items="棉被2床",
        counterparty="",
        resident=needy,
        on=TODAY,
        today=TODAY,
    )
    assert (d1.receipt_no, d2.receipt_no, d2.counterparty) == ("2026-0001", "2026-0002", needy.name)
    with pytest.raises(ApplicationError):
        services.donation_record(
            actor=staff,
            org_unit=tree.community_a,
            direction="in",
            kind="money",
            amount="-5",
            counterparty="x",
            on=TODAY,
            today=TODAY,
        )
    with pytest.raises(ApplicationError):
        services.donation_record(
            actor=staff,
            org_unit=tree.community_a,
            direction="in",
            kind="in_kind",
            counterparty="x",
            on=TODAY,
            today=TODAY,
        )


def test_guidance_session_needs_a_topic(tree, make_user):
    staff = make_user(Role.COMMUNITY_STAFF, tree.community_a)
    person = factories.resident(tree.grid_a1, tags=("dibao",), birth_date=datetime.date(1985, 1, 1))
    with pytest.raises(ApplicationError):
        services.guidance_record(actor=staff, resident=person, on=TODAY, topic="", today=TODAY)
    s = services.guidance_record(
        actor=staff, resident=person, on=TODAY, topic="开甜茶馆的手续", mentor="就业指导员", today=TODAY
    )
    assert s.org_unit == tree.grid_a1
