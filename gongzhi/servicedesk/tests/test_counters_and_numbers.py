"""Counters that handle a configured set of services, and queue numbers linked to a resident (by
their mobile number at the kiosk, or taken on their own phone), anonymous numbers still possible."""

import datetime

import pytest
from django.urls import reverse

from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.registry import services as registry_services
from gongzhi.registry.models import Resident
from gongzhi.servicedesk import selectors, services
from gongzhi.servicedesk.models import Appointment, Category, QueueTicket, ServiceItem

from .conftest import MONDAY, MONDAY_10, TZ

PHONE = "13908915555"


def _phone_resident(desk, name="央金", phone=PHONE, grid=None):
    grid = grid or desk.tree.grid_a1
    household = registry_services.household_create(actor=None, org_unit=grid, address=f"纳金路{name}")
    return registry_services.resident_create(
        actor=None,
        household=household,
        name=name,
        gender="female",
        birth_date=datetime.date(1980, 1, 2),
        relationship_to_head=Resident.Relationship.HEAD,
        phone=phone,
    )


@pytest.fixture
def open_today(monkeypatch):
    """Pages issue numbers for today: make today a working day whatever the date of the run."""
    monkeypatch.setattr("gongzhi.core.calendar.is_working_day", lambda *a, **k: True)


# ------------------------------------------------------------------ counters and their services


def test_a_counter_calls_only_the_services_it_handles(desk):
    services.counter_save(
        actor=desk.staff,
        org_unit=desk.tree.community_a,
        counter=desk.counter2,
        number=2,
        name="社保窗口",
        slot_capacity=1,
        items=[desk.forward_item],
    )
    proof1 = services.ticket_issue(actor=None, item=desk.proof_item, now=MONDAY_10)
    proof2 = services.ticket_issue(actor=None, item=desk.proof_item, now=MONDAY_10)
    insurance = services.ticket_issue(actor=None, item=desk.forward_item, now=MONDAY_10)
    # The social-security counter passes over the lower proof numbers.
    called = services.ticket_call_next(actor=desk.staff, counter=desk.counter2, now=MONDAY_10)
    assert called.pk == insurance.pk and called.counter_id == desk.counter2.pk
    assert selectors.counter_waiting(desk.counter2, day=MONDAY) == 0
    assert selectors.counter_waiting(desk.counter1, day=MONDAY) == 2
    # Nothing else for it: it calls nobody rather than a proof number.
    assert services.ticket_call_next(actor=desk.staff, counter=desk.counter2, now=MONDAY_10) is None
    proof1.refresh_from_db()
    proof2.refresh_from_db()
    assert proof1.status == proof2.status == QueueTicket.Status.WAITING
    # The general counter (no services configured) takes the lowest number of any service.
    assert services.ticket_call_next(actor=desk.staff, counter=desk.counter1, now=MONDAY_10).pk == proof1.pk


def test_counter_services_belong_to_its_community_and_empty_means_general(desk, tree):
    foreign = services.item_save(
        actor=None,
        org_unit=tree.community_b,
        code="B01",
        name="居住证明",
        category=Category.PROOFS,
        handling=ServiceItem.Handling.ON_THE_SPOT,
    )
    with pytest.raises(ApplicationError) as exc:
        services.counter_save(
            actor=desk.staff,
            org_unit=tree.community_a,
            counter=desk.counter1,
            number=1,
            name="综合窗口",
            items=[foreign],
        )
    assert exc.value.code == "foreign_item"
    assert list(desk.counter1.items.all()) == []
    services.counter_save(
        actor=desk.staff,
        org_unit=tree.community_a,
        counter=desk.counter1,
        number=1,
        name="综合窗口",
        items=[desk.proof_item],
    )
    assert list(desk.counter1.items.all()) == [desk.proof_item]
    # Saving without `items` keeps them; an empty list makes the counter general again.
    services.counter_save(
        actor=desk.staff, org_unit=tree.community_a, counter=desk.counter1, number=1, name="一号"
    )
    assert desk.counter1.items.count() == 1
    services.counter_save(
        actor=desk.staff, org_unit=tree.community_a, counter=desk.counter1, number=1, name="一号", items=[]
    )
    assert desk.counter1.items.count() == 0


def test_appointments_go_only_to_counters_that_handle_the_service(desk, tree):
    at8 = datetime.datetime(2026, 6, 1, 8, 0, tzinfo=TZ)
    slot = datetime.time(10, 0)
    free = {
        r["start"]: r["free"] for r in selectors.slot_availability(item=desk.proof_item, date=MONDAY, now=at8)
    }
    assert free[slot] == 3  # counter 1 (2) + counter 2 (1), both general
    services.counter_save(
        actor=desk.staff,
        org_unit=tree.community_a,
        counter=desk.counter2,
        number=2,
        name="社保窗口",
        slot_capacity=1,
        items=[desk.forward_item],
    )
    free = {
        r["start"]: r["free"] for r in selectors.slot_availability(item=desk.proof_item, date=MONDAY, now=at8)
    }
    assert free[slot] == 2
    residents = [desk.resident, desk.other, _phone_resident(desk)]
    booked = [
        services.appointment_book(
            actor=None, resident=r, item=desk.proof_item, date=MONDAY, slot_start=slot, now=at8
        )
        for r in residents[:2]
    ]
    assert {a.counter_id for a in booked} == {desk.counter1.pk}
    with pytest.raises(ConflictError) as exc:
        services.appointment_book(
            actor=None, resident=residents[2], item=desk.proof_item, date=MONDAY, slot_start=slot, now=at8
        )
    assert exc.value.code == "slot_full"
    insurance = services.appointment_book(
        actor=None, resident=residents[2], item=desk.forward_item, date=MONDAY, slot_start=slot, now=at8
    )
    assert insurance.counter_id == desk.counter2.pk
    assert Appointment.objects.count() == 3


def test_counter_page_configures_its_services(desk, login):
    client = login(desk.secretary)
    url = reverse("servicedesk:counter_edit", args=[desk.counter2.pk])
    assert (
        desk.forward_item.name_en in client.get(url).content.decode()
        or "医保" in client.get(url).content.decode()
    )
    response = client.post(
        url,
        {
            "number": 2,
            "name": "社保窗口",
            "slot_minutes": 30,
            "slot_capacity": 1,
            "is_active": "on",
            "items": [desk.forward_item.pk],
        },
    )
    assert response.status_code == 302
    assert list(desk.counter2.items.all()) == [desk.forward_item]
    setup = client.get(reverse("servicedesk:setup")).content.decode()
    assert "Handles every service" in setup  # counter 1 stays general
    # Another community's service is not a choice: the form refuses it, nothing changes.
    other = services.item_save(
        actor=None,
        org_unit=desk.tree.community_b,
        code="B02",
        name="其他",
        category=Category.OTHER,
        handling=ServiceItem.Handling.ON_THE_SPOT,
    )
    response = client.post(
        url,
        {
            "number": 2,
            "name": "社保窗口",
            "slot_minutes": 30,
            "slot_capacity": 1,
            "is_active": "on",
            "items": [other.pk],
        },
    )
    assert response.status_code == 200
    assert list(desk.counter2.items.all()) == [desk.forward_item]


# ------------------------------------------------------------------ numbers linked to residents


def test_registry_finds_one_living_resident_by_phone(desk, tree):
    resident = _phone_resident(desk)
    from gongzhi.registry import selectors as registry_selectors

    assert registry_selectors.resident_by_phone(org_unit=tree.community_a, phone="139 0891 5555") == resident
    assert registry_selectors.resident_by_phone(org_unit=tree.community_b, phone=PHONE) is None
    assert registry_selectors.resident_by_phone(org_unit=tree.community_a, phone="123") is None
    _phone_resident(desk, name="央金的母亲")  # a family phone shared by two people: ambiguous
    assert registry_selectors.resident_by_phone(org_unit=tree.community_a, phone=PHONE) is None


def test_kiosk_links_a_number_to_the_resident_by_phone(desk, login, open_today):
    resident = _phone_resident(desk)
    staff = login(desk.staff)
    url = reverse("servicedesk:kiosk", args=[desk.tree.community_a.pk])
    body = staff.post(url, {"item": desk.proof_item.pk, "phone": PHONE}).content.decode()
    ticket = QueueTicket.objects.get()
    assert ticket.resident == resident and ticket.source == QueueTicket.Source.KIOSK
    assert ticket.code in body and "央*" in body and "央金" not in body  # masked on a public tablet
    # The same resident, the same service again: refused, nothing issued.
    body = staff.post(url, {"item": desk.proof_item.pk, "phone": PHONE}).content.decode()
    assert "already holds a queue number" in body and QueueTicket.objects.count() == 1
    # A number nobody is registered with: a clear message, no ticket.
    body = staff.post(url, {"item": desk.proof_item.pk, "phone": "13900000000"}).content.decode()
    assert "No resident of this community is registered" in body and QueueTicket.objects.count() == 1
    # Without a phone the number stays anonymous, as before.
    staff.post(url, {"item": desk.proof_item.pk})
    assert QueueTicket.objects.filter(resident__isnull=True).count() == 1


def test_a_signed_in_resident_takes_a_number_on_their_phone(desk, login, open_today):
    client = login(desk.resident_user)
    response = client.post(reverse("servicedesk:take_number"), {"item": desk.proof_item.pk})
    assert response.status_code == 302
    ticket = QueueTicket.objects.get()
    assert ticket.resident == desk.resident and ticket.source == QueueTicket.Source.PHONE
    page = client.get(reverse("servicedesk:my")).content.decode()
    assert ticket.code in page and "0 numbers before you" in page
    client.post(reverse("servicedesk:take_number"), {"item": desk.proof_item.pk})
    assert QueueTicket.objects.count() == 1  # one active number per resident and service
    page = client.get(reverse("servicedesk:my")).content.decode()
    assert "already holds a queue number" in page
    # Bad input changes nothing and is never a 500.
    for bad in ("", "abc", "999999"):
        assert client.post(reverse("servicedesk:take_number"), {"item": bad}).status_code == 302
    assert QueueTicket.objects.count() == 1
    # Staff cannot use the resident's page; another community's service is refused.
    assert (
        login(desk.staff).post(reverse("servicedesk:take_number"), {"item": desk.proof_item.pk}).status_code
        == 403
    )


def test_api_tickets_for_residents_and_by_phone(desk, login, open_today):
    resident_client = login(desk.resident_user)
    response = resident_client.post(
        "/api/v1/servicedesk/tickets",
        {"item_id": desk.proof_item.pk, "resident_id": desk.other.pk},  # resident_id is ignored
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["source"] == "phone"
    assert QueueTicket.objects.get().resident == desk.resident
    again = resident_client.post(
        "/api/v1/servicedesk/tickets", {"item_id": desk.proof_item.pk}, content_type="application/json"
    )
    assert again.status_code == 409
    staff = login(desk.staff)
    resident = _phone_resident(desk)
    response = staff.post(
        "/api/v1/servicedesk/tickets",
        {"item_id": desk.forward_item.pk, "phone": PHONE, "source": "kiosk"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert QueueTicket.objects.get(pk=response.json()["id"]).resident == resident
    unknown = staff.post(
        "/api/v1/servicedesk/tickets",
        {"item_id": desk.forward_item.pk, "phone": "13900000000", "source": "kiosk"},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and unknown.json()["code"]
    anonymous = staff.post(
        "/api/v1/servicedesk/tickets",
        {"item_id": desk.forward_item.pk, "source": "kiosk"},
        content_type="application/json",
    )
    assert anonymous.status_code == 201
    assert QueueTicket.objects.count() == 3
