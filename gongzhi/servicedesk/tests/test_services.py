import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Notification, WorkCalendar, WorkCalendarDay
from gongzhi.servicedesk import selectors, services
from gongzhi.servicedesk.models import (
    Appointment,
    Category,
    QueueTicket,
    Rating,
    ServiceItem,
    ServiceRecord,
)

from .conftest import MONDAY, MONDAY_10, TZ


def at(hour, minute=0, day=MONDAY):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


# --- catalogue -----------------------------------------------------------------------------------


def test_forwarded_item_without_target_is_refused(desk):
    with pytest.raises(ApplicationError) as exc:
        services.item_save(
            actor=desk.staff,
            org_unit=desk.tree.community_a,
            code="X1",
            name="低保申请",
            category=Category.ASSISTANCE,
            handling=ServiceItem.Handling.FORWARDED,
        )
    assert exc.value.code == "no_target"
    assert not ServiceItem.objects.filter(code="X1").exists()


def test_forwarded_item_without_target_is_refused_by_the_database(desk):
    item = ServiceItem(
        org_unit=desk.tree.community_a,
        code="X2",
        name="低保申请",
        category=Category.ASSISTANCE,
        handling=ServiceItem.Handling.FORWARDED,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_item_forwarded_only_upwards(desk):
    with pytest.raises(ApplicationError) as exc:
        services.item_save(
            actor=desk.staff,
            org_unit=desk.tree.community_a,
            code="X3",
            name="转办",
            category=Category.OTHER,
            handling=ServiceItem.Handling.FORWARDED,
            forward_unit=desk.tree.community_b,
        )
    assert exc.value.field == "forward_unit"


def test_catalogue_lists_offered_items_in_the_residents_language(desk):
    from django.utils import translation

    items = list(selectors.catalogue(community=desk.tree.community_a))
    assert [i.code for i in items] == ["P01", "S01"]
    with translation.override("en"):
        assert items[0].title == "Proof of residence"
        assert items[0].material_lines == ["身份证", "户口簿"]  # falls back to Chinese
    with translation.override("bo"):
        assert items[0].title == "སྡོད་གནས་ར་སྤྲོད་ལག་ཁྱེར།"
    assert items[1].forward_target == desk.tree.street.name


# --- appointments --------------------------------------------------------------------------------


def test_booking_fills_the_slot_across_counters_then_refuses(desk, make_user):
    residents = [desk.resident, desk.other]
    from .conftest import make_resident

    residents += [make_resident(desk.tree.grid_a1, f"居民{i}") for i in range(2)]
    slot = datetime.time(10, 0)
    booked = [
        services.appointment_book(
            actor=None, resident=r, item=desk.proof_item, date=MONDAY, slot_start=slot, now=at(8)
        )
        for r in residents[:3]
    ]
    assert [b.counter.number for b in booked] == [1, 1, 2]  # capacity 2 at counter 1, 1 at counter 2
    free = {
        row["start"]: row["free"]
        for row in selectors.slot_availability(item=desk.proof_item, date=MONDAY, now=at(8))
    }
    assert free[slot] == 0
    assert free[datetime.time(10, 30)] == 3
    with pytest.raises(ApplicationError) as exc:
        services.appointment_book(
            actor=None, resident=residents[3], item=desk.proof_item, date=MONDAY, slot_start=slot, now=at(8)
        )
    assert exc.value.code == "slot_full"
    assert exc.value.status == 409
    # A cancellation frees the place again.
    services.appointment_cancel(actor=None, appointment=booked[0])
    again = services.appointment_book(
        actor=None, resident=residents[3], item=desk.proof_item, date=MONDAY, slot_start=slot, now=at(8)
    )
    assert again.counter.number == 1


def test_booking_on_a_closed_day_is_refused(desk):
    saturday = MONDAY - datetime.timedelta(days=2)
    with pytest.raises(ApplicationError) as exc:
        services.appointment_book(
            actor=None,
            resident=desk.resident,
            item=desk.proof_item,
            date=saturday,
            slot_start=datetime.time(10),
            now=at(8, day=saturday - datetime.timedelta(days=1)),
        )
    assert exc.value.code == "closed_day"
    cal = WorkCalendar.objects.create(org_unit=desk.tree.community_a, name="纳金")
    WorkCalendarDay.objects.create(calendar=cal, date=MONDAY, is_working=False, note="端午节")
    with pytest.raises(ApplicationError) as exc:
        services.appointment_book(
            actor=None,
            resident=desk.resident,
            item=desk.proof_item,
            date=MONDAY,
            slot_start=datetime.time(10),
            now=at(8),
        )
    assert exc.value.code == "closed_day"
    assert selectors.slot_availability(item=desk.proof_item, date=MONDAY, now=at(8)) == []
    assert Appointment.objects.count() == 0


def test_booking_outside_hours_in_the_past_or_twice_is_refused(desk):
    book = services.appointment_book
    with pytest.raises(ApplicationError) as exc:
        book(
            actor=None,
            resident=desk.resident,
            item=desk.proof_item,
            date=MONDAY,
            slot_start=datetime.time(14, 0),
            now=at(8),
        )
    assert exc.value.code == "bad_slot"  # the lunch break
    with pytest.raises(ApplicationError) as exc:
        book(
            actor=None,
            resident=desk.resident,
            item=desk.proof_item,
            date=MONDAY,
            slot_start=datetime.time(10, 0),
            now=at(11),
        )
    assert exc.value.code == "past"
    book(
        actor=None,
        resident=desk.resident,
        item=desk.proof_item,
        date=MONDAY,
        slot_start=datetime.time(10),
        now=at(8),
    )
    with pytest.raises(ApplicationError) as exc:
        book(
            actor=None,
            resident=desk.resident,
            item=desk.proof_item,
            date=MONDAY,
            slot_start=datetime.time(11),
            now=at(8),
        )
    assert exc.value.code == "duplicate_appointment"


# --- queue ---------------------------------------------------------------------------------------


def test_second_active_ticket_for_the_same_resident_and_item_is_refused(desk):
    first = services.ticket_issue(
        actor=desk.staff, item=desk.proof_item, resident=desk.resident, now=MONDAY_10
    )
    with pytest.raises(ApplicationError) as exc:
        services.ticket_issue(actor=desk.staff, item=desk.proof_item, resident=desk.resident, now=MONDAY_10)
    assert exc.value.code == "duplicate_ticket"
    # Another service is fine, and so is the same one once the first number is finished.
    other = services.ticket_issue(
        actor=desk.staff, item=desk.forward_item, resident=desk.resident, now=MONDAY_10
    )
    assert (first.code, other.code) == ("A001", "A002")
    services.ticket_cancel(actor=desk.staff, ticket=first)
    third = services.ticket_issue(
        actor=desk.staff, item=desk.proof_item, resident=desk.resident, now=MONDAY_10
    )
    assert third.code == "A003"


def test_second_active_ticket_is_refused_by_the_database(desk):
    first = services.ticket_issue(actor=None, item=desk.proof_item, resident=desk.resident, now=MONDAY_10)
    with pytest.raises(IntegrityError), transaction.atomic():
        QueueTicket.objects.create(
            org_unit=first.org_unit,
            day=first.day,
            number=99,
            item=first.item,
            resident=first.resident,
            source=QueueTicket.Source.KIOSK,
        )


def test_yesterdays_number_does_not_block_today(desk):
    services.ticket_issue(actor=None, item=desk.proof_item, resident=desk.resident, now=MONDAY_10)
    tuesday = MONDAY_10 + datetime.timedelta(days=1)
    ticket = services.ticket_issue(actor=None, item=desk.proof_item, resident=desk.resident, now=tuesday)
    assert ticket.code == "A001"  # numbering restarts each day
    assert QueueTicket.objects.filter(status=QueueTicket.Status.CANCELLED).count() == 1


def test_ticket_on_a_closed_day_is_refused(desk):
    sunday = MONDAY_10 - datetime.timedelta(days=1)
    with pytest.raises(ApplicationError) as exc:
        services.ticket_issue(actor=None, item=desk.proof_item, now=sunday, source=QueueTicket.Source.KIOSK)
    assert exc.value.code == "closed_day"


def test_calling_serves_appointments_first_and_skips_no_shows(desk):
    walk_in = services.ticket_issue(
        actor=None, item=desk.proof_item, source=QueueTicket.Source.KIOSK, now=MONDAY_10
    )
    appointment = services.appointment_book(
        actor=None,
        resident=desk.resident,
        item=desk.proof_item,
        date=MONDAY,
        slot_start=datetime.time(10, 30),
        now=at(8),
    )
    booked = services.appointment_check_in(actor=desk.staff, appointment=appointment, now=MONDAY_10)
    assert booked.code == "Y002"
    called = services.ticket_call_next(actor=desk.staff, counter=desk.counter1, now=MONDAY_10)
    assert called == booked
    assert called.status == QueueTicket.Status.CALLED
    # Nobody answered: calling the next number skips this one.
    second = services.ticket_call_next(actor=desk.staff, counter=desk.counter1, now=MONDAY_10)
    assert second == walk_in
    booked.refresh_from_db()
    assert booked.status == QueueTicket.Status.SKIPPED
    assert [t.to_state for t in booked.transitions.all()] == ["waiting", "called", "skipped"]
    assert services.ticket_call_next(actor=desk.staff, counter=desk.counter2, now=MONDAY_10) is None
    board = selectors.display_board(community=desk.tree.community_a, now=MONDAY_10)
    assert [(t.code, t.counter.number) for t in board["serving"]] == [("A001", 1)]


def test_a_served_ticket_gives_waiting_and_handling_times(desk):
    ticket = services.ticket_issue(actor=None, item=desk.proof_item, resident=desk.resident, now=MONDAY_10)
    services.ticket_call_next(actor=desk.staff, counter=desk.counter1, now=at(10, 12))
    services.ticket_start(actor=desk.staff, ticket=ticket, now=at(10, 13))
    record = services.record_create(
        actor=desk.staff,
        item=desk.proof_item,
        channel=ServiceRecord.Channel.COUNTER,
        started_at=at(10, 13),
        ended_at=at(10, 21),
        outcome=ServiceRecord.Outcome.DONE,
        resident=desk.resident,
        ticket=ticket,
    )
    ticket.refresh_from_db()
    assert ticket.status == QueueTicket.Status.DONE
    assert record.waiting_seconds == 13 * 60
    assert record.handling_seconds == 8 * 60
    assert record.counter == desk.counter1
    assert record.org_unit == desk.tree.grid_a1


# --- service records -----------------------------------------------------------------------------


def test_forwarded_record_without_target_is_refused(desk):
    with pytest.raises(ApplicationError) as exc:
        services.record_create(
            actor=desk.staff,
            item=desk.proof_item,
            channel=ServiceRecord.Channel.COUNTER,
            started_at=at(10),
            ended_at=at(10, 5),
            outcome=ServiceRecord.Outcome.FORWARDED,
            resident=desk.resident,
        )
    assert exc.value.code == "no_target"
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.create(
            org_unit=desk.tree.community_a,
            item=desk.proof_item,
            visitor_name="游客",
            started_at=at(10),
            ended_at=at(10, 5),
            outcome=ServiceRecord.Outcome.FORWARDED,
        )


def test_missing_materials_and_refusal_need_their_reason(desk):
    base = {
        "actor": desk.staff,
        "item": desk.proof_item,
        "channel": ServiceRecord.Channel.COUNTER,
        "started_at": at(10),
        "ended_at": at(10, 5),
        "visitor_name": "王芳",
    }
    with pytest.raises(ApplicationError) as exc:
        services.record_create(outcome=ServiceRecord.Outcome.MATERIALS_MISSING, **base)
    assert exc.value.field == "missing_materials"
    with pytest.raises(ApplicationError) as exc:
        services.record_create(outcome=ServiceRecord.Outcome.REFUSED, **base)
    assert exc.value.field == "refusal_reason"
    with pytest.raises(ApplicationError) as exc:
        services.record_create(**{**base, "visitor_name": ""}, outcome=ServiceRecord.Outcome.DONE)
    assert exc.value.code == "no_person"
    with pytest.raises(ApplicationError) as exc:
        services.record_create(**{**base, "ended_at": at(9)}, outcome=ServiceRecord.Outcome.DONE)
    assert exc.value.code == "bad_times"
    with pytest.raises(ApplicationError):
        services.record_create(**{**base, "visitor_name": ""}, resident=desk.resident_b, outcome="done")
    record = services.record_create(
        outcome=ServiceRecord.Outcome.MATERIALS_MISSING, missing_materials="户口簿", **base
    )
    assert record.missing_materials == "户口簿"


def test_forwarded_errand_is_due_in_working_days_reminded_and_the_resident_told(
    desk, django_capture_on_commit_callbacks
):
    friday = datetime.datetime(2026, 6, 5, 11, 0, tzinfo=TZ)
    record = services.record_create(
        actor=desk.staff,
        item=desk.forward_item,
        channel=ServiceRecord.Channel.HOME,
        started_at=friday,
        ended_at=friday + datetime.timedelta(minutes=20),
        outcome=ServiceRecord.Outcome.FORWARDED,
        resident=desk.resident,
    )
    assert record.forward_target == desk.tree.street.name
    assert record.forward_status == ServiceRecord.ForwardStatus.PENDING
    # Three working days after a Friday: Mon, Tue, Wed → due Wednesday evening.
    assert timezone.localtime(record.forward_due_at, TZ).date() == datetime.date(2026, 6, 10)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.forward_remind(now=datetime.datetime(2026, 6, 8, 9, tzinfo=TZ)) == 0  # not due yet
        assert services.forward_remind(now=datetime.datetime(2026, 6, 9, 20, tzinfo=TZ)) == 1
        assert services.forward_remind(now=datetime.datetime(2026, 6, 9, 21, tzinfo=TZ)) == 0  # once a day
    assert Notification.objects.filter(user=desk.staff, title__contains="Due soon").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.record_forward_result(actor=desk.staff, record=record, result="已参保，医保卡三日后领取")
    record.refresh_from_db()
    assert record.forward_status == ServiceRecord.ForwardStatus.RETURNED
    note = Notification.objects.get(user=desk.resident_user)
    assert note.body == "已参保，医保卡三日后领取"
    with pytest.raises(ApplicationError) as exc:
        services.record_forward_result(actor=desk.staff, record=record, result="again")
    assert exc.value.code == "bad_state"


def test_overdue_errands_are_reminded(desk, django_capture_on_commit_callbacks):
    record = services.record_create(
        actor=desk.staff,
        item=desk.forward_item,
        channel="counter",
        started_at=at(10),
        ended_at=at(10, 10),
        outcome=ServiceRecord.Outcome.FORWARDED,
        resident=desk.resident,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.forward_remind(now=record.forward_due_at + datetime.timedelta(days=3)) == 1
    assert Notification.objects.filter(user=desk.staff, title__startswith="Overdue").exists()


# --- proofs --------------------------------------------------------------------------------------


def test_proof_is_numbered_filled_from_the_registry_and_verifiable(desk):
    first = services.proof_issue(
        actor=desk.staff, template=desk.template, resident=desk.resident, purpose="子女入学"
    )
    second = services.proof_issue(actor=desk.staff, template=desk.template, resident=desk.other)
    assert (first.number, second.number) == (f"〔{first.year}〕0001", f"〔{first.year}〕0002")
    assert "兹证明扎西（男，藏族，身份证号540103197005041234）" in first.body
    assert "用途：子女入学" in first.body
    assert first.holder_masked == "扎*"
    assert selectors.proof_verify(first.verification_code.lower()) == first
    assert selectors.proof_verify("WRONGCODE9") is None
    assert selectors.proof_verify("") is None


def test_revoked_proof_no_longer_verifies_as_valid(desk):
    proof = services.proof_issue(actor=desk.staff, template=desk.template, resident=desk.resident)
    with pytest.raises(ApplicationError) as exc:
        services.proof_revoke(actor=desk.secretary, proof=proof, reason="  ")
    assert exc.value.code == "no_reason"
    services.proof_revoke(actor=desk.secretary, proof=proof, reason="信息有误，已重新开具")
    found = selectors.proof_verify(proof.verification_code)
    assert found is not None and not found.is_valid
    assert found.revoke_reason == "信息有误，已重新开具"
    with pytest.raises(ApplicationError) as exc:
        services.proof_revoke(actor=desk.secretary, proof=proof, reason="again")
    assert exc.value.code == "already_revoked"


def test_proof_template_placeholders_are_checked(desk):
    with pytest.raises(ApplicationError) as exc:
        services.template_save(
            actor=None, org_unit=desk.tree.community_a, code="B", title="x", body="{salary}"
        )
    assert exc.value.code == "bad_template"


# --- ratings -------------------------------------------------------------------------------------


def _record(desk, resident=None):
    return services.record_create(
        actor=desk.staff,
        item=desk.proof_item,
        channel="counter",
        started_at=at(10),
        ended_at=at(10, 5),
        outcome=ServiceRecord.Outcome.DONE,
        resident=resident or desk.resident,
    )


def test_rating_a_service_that_is_not_yours_is_refused(desk):
    record = _record(desk)
    with pytest.raises(ApplicationError) as exc:
        services.rating_submit(
            record=record, level="satisfied", via=Rating.Via.APP, user=desk.other_resident_user
        )
    assert exc.value.code == "not_yours"
    assert not Rating.objects.exists()
    services.rating_submit(record=record, level="satisfied", via=Rating.Via.APP, user=desk.resident_user)


def test_rating_twice_is_refused(desk):
    record = _record(desk)
    services.rating_submit(record=record, level="basic", via=Rating.Via.TABLET)
    with pytest.raises(ApplicationError) as exc:
        services.rating_submit(record=record, level="satisfied", via=Rating.Via.QR)
    assert exc.value.code == "already_rated"
    assert Rating.objects.get().level == "basic"


def test_dissatisfied_goes_to_the_secretarys_call_back_list(desk, django_capture_on_commit_callbacks):
    record = _record(desk)
    with django_capture_on_commit_callbacks(execute=True):
        rating = services.rating_submit(
            record=record, level="dissatisfied", reason="等了很久", via=Rating.Via.QR
        )
    assert list(selectors.callback_list(user=desk.secretary)) == [rating]
    assert selectors.callback_list(user=desk.staff_b).count() == 0
    assert Notification.objects.filter(user=desk.secretary).count() == 1
    services.rating_callback(actor=desk.secretary, rating=rating, note="已致歉，解释了高峰时段")
    assert selectors.callback_list(user=desk.secretary).count() == 0


def test_dissatisfied_without_call_back_is_refused_by_the_database(desk):
    record = _record(desk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(org_unit=record.org_unit, record=record, level="dissatisfied", via="qr")


# --- statistics ----------------------------------------------------------------------------------


def test_statistics_count_months_times_shares_and_year_on_year(desk):
    def make(day, minutes, outcome="done", wait=None, level=None):
        start = datetime.datetime.combine(day, datetime.time(10), tzinfo=TZ)
        kwargs = {"forward_unit": desk.tree.street} if outcome == "forwarded" else {}
        r = services.record_create(
            actor=desk.staff,
            item=desk.forward_item if outcome == "forwarded" else desk.proof_item,
            channel="counter",
            started_at=start,
            ended_at=start + datetime.timedelta(minutes=minutes),
            outcome=outcome,
            visitor_name="王芳",
            **kwargs,
        )
        if wait is not None:
            ServiceRecord.objects.filter(pk=r.pk).update(waiting_seconds=wait * 60)
        if level:
            services.rating_submit(record=r, level=level, via="tablet")
        return r

    for _ in range(2):
        make(datetime.date(2025, 3, 2), 10)
    for minutes in (4, 6, 10, 20):
        make(datetime.date(2026, 3, 3), minutes, wait=minutes, level="satisfied")
    make(datetime.date(2026, 4, 1), 30, outcome="forwarded", level="dissatisfied")
    stats = selectors.statistics_for(user=desk.secretary, year=2026, today=datetime.date(2026, 11, 29))
    assert stats["total"] == 5
    assert stats["by_month"][2:4] == [4, 1]
    assert stats["by_month_last"][2] == 2
    assert stats["yoy_percent"] == 150.0
    assert stats["handle_median"] == 10.0
    assert stats["wait_median"] == 8.0
    assert stats["on_the_spot_percent"] == 80.0
    assert stats["satisfied_percent"] == 80.0
    assert {k: t for k, _v, t in stats["by_category"]} == {
        "Proofs and certificates": 4,
        "Social security and medical insurance": 1,
    }
    assert selectors.statistics_for(user=desk.staff_b, year=2026)["total"] == 0


def test_remind_command_notifies_the_staff_of_overdue_errands(desk, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    services.record_create(
        actor=desk.staff,
        item=desk.forward_item,
        channel="counter",
        started_at=at(10),
        ended_at=at(10, 10),
        outcome=ServiceRecord.Outcome.FORWARDED,
        resident=desk.resident,
    )
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("servicedesk_remind", stdout=out)
    assert out.getvalue().startswith("1 ")
    assert Notification.objects.filter(user=desk.staff).count() == 1
