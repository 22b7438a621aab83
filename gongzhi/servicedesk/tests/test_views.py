import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.servicedesk import services
from gongzhi.servicedesk.models import Proof, QueueTicket, Rating, ServiceRecord

from .conftest import TZ, make_resident


def _record(desk, resident=None, outcome="done", **kw):
    start = datetime.datetime(2026, 6, 1, 10, tzinfo=TZ)
    return services.record_create(
        actor=desk.staff,
        item=kw.pop("item", desk.proof_item),
        channel="counter",
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=6),
        outcome=outcome,
        resident=resident or desk.resident,
        **kw,
    )


def test_catalogue_is_public_and_in_three_languages(client, desk):
    url = reverse("servicedesk:catalogue", args=[desk.tree.community_a.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Proof of residence" in page.content.decode()
    assert "Done on the spot" in page.content.decode()
    client.cookies["django_language"] = "bo"
    assert "སྡོད་གནས་ར་སྤྲོད་ལག་ཁྱེར།" in client.get(url).content.decode()
    detail = client.get(reverse("servicedesk:item_detail", args=[desk.proof_item.pk])).content.decode()
    assert "户口簿" in detail


def test_forwarded_item_form_without_target_shows_the_refusal(login, desk):
    client = login(desk.staff)
    response = client.post(
        reverse("servicedesk:item_create"),
        {
            "code": "Z9",
            "name": "低保申请",
            "category": "assistance",
            "handling": "forwarded",
            "time_limit_days": 5,
            "fee": "0",
            "sort_order": 10,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "must name the unit" in response.content.decode()


def test_resident_books_a_slot_and_sees_it(login, desk, monkeypatch):
    client = login(desk.resident_user)
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.isoweekday() > 5:
        day += datetime.timedelta(days=1)
    page = client.get(reverse("servicedesk:book", args=[desk.proof_item.pk]), {"date": day.isoformat()})
    assert "16:00" in page.content.decode()
    response = client.post(
        reverse("servicedesk:book", args=[desk.proof_item.pk]),
        {"date": day.isoformat(), "slot_start": "16:00"},
    )
    assert response.status_code == 302
    mine = client.get(reverse("servicedesk:my")).content.decode()
    assert "16:00" in mine and "Proof of residence" in mine


def test_kiosk_gives_a_number_and_the_display_shows_only_numbers(login, desk, client):
    staff = login(desk.staff)
    response = staff.post(
        reverse("servicedesk:kiosk", args=[desk.tree.community_a.pk]), {"item": desk.proof_item.pk}
    )
    body = response.content.decode()
    if timezone.localdate().isoweekday() > 5:
        assert "closed today" in body
        return
    assert "A001" in body
    staff.post(reverse("servicedesk:caller", args=[desk.counter1.pk]), {"action": "next"})
    staff.logout()
    board = client.get(reverse("servicedesk:display", args=[desk.tree.community_a.pk]), {"partial": 1})
    assert board.status_code == 200
    assert "A001" in board.content.decode()


def test_display_never_shows_names(client, desk, monkeypatch):
    now = datetime.datetime(2026, 6, 1, 10, tzinfo=TZ)
    ticket = services.ticket_issue(actor=None, item=desk.proof_item, resident=desk.resident, now=now)
    services.ticket_call_next(actor=desk.staff, counter=desk.counter1, now=now)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: ticket.day)
    page = client.get(reverse("servicedesk:display", args=[desk.tree.community_a.pk])).content.decode()
    assert "A001" in page
    assert "扎西" not in page
    assert 'hx-trigger="every 5s"' in page


def test_caller_skips_a_no_show(login, desk, monkeypatch):
    now = datetime.datetime(2026, 6, 1, 10, tzinfo=TZ)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: now.date())
    first = services.ticket_issue(actor=None, item=desk.proof_item, source="kiosk", now=now)
    services.ticket_issue(actor=None, item=desk.proof_item, source="kiosk", now=now)
    client = login(desk.staff)
    url = reverse("servicedesk:caller", args=[desk.counter1.pk])
    client.post(url, {"action": "next"})
    page = client.post(url, {"action": "skip"}, HTTP_HX_REQUEST="true").content.decode()
    first.refresh_from_db()
    assert first.status == QueueTicket.Status.SKIPPED
    assert "1 waiting" in page


def test_another_communitys_pages_are_404(login, desk):
    record = _record(desk)
    client = login(desk.staff_b)
    assert client.get(reverse("servicedesk:record_detail", args=[record.pk])).status_code == 404
    assert client.get(reverse("servicedesk:caller", args=[desk.counter1.pk])).status_code == 404
    assert client.get(reverse("servicedesk:kiosk", args=[desk.tree.community_a.pk])).status_code == 404


def test_resident_cannot_open_staff_pages(login, desk):
    client = login(desk.resident_user)
    assert client.get(reverse("servicedesk:record_list")).status_code == 403
    assert client.get(reverse("servicedesk:desk")).status_code == 403


def test_record_form_in_a_few_taps_and_forward_result(login, desk, django_capture_on_commit_callbacks):
    client = login(desk.staff)
    response = client.post(
        reverse("servicedesk:record_create"),
        {
            "item": desk.forward_item.pk,
            "resident": desk.resident.pk,
            "channel": "counter",
            "started_at": "2026-06-01T10:00",
            "ended_at": "2026-06-01T10:12",
            "outcome": "forwarded",
        },
    )
    record = ServiceRecord.objects.get()
    assert response.status_code == 302
    assert record.forward_status == "pending"
    detail = client.get(reverse("servicedesk:record_detail", args=[record.pk])).content.decode()
    assert desk.tree.street.name in detail
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("servicedesk:record_detail", args=[record.pk]), {"result": "已参保"})
    record.refresh_from_db()
    assert record.forward_status == "returned"
    assert desk.resident_user.notifications.count() == 1


def test_record_form_refuses_missing_materials_without_what(login, desk):
    client = login(desk.staff)
    response = client.post(
        reverse("servicedesk:record_create"),
        {
            "item": desk.proof_item.pk,
            "visitor_name": "王芳",
            "channel": "counter",
            "started_at": "2026-06-01T10:00",
            "ended_at": "2026-06-01T10:12",
            "outcome": "materials_missing",
        },
    )
    assert response.status_code == 200
    assert "Write which materials are missing." in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_resident_search_finds_by_last_four_digits(login, desk):
    client = login(desk.staff)
    page = client.get(reverse("servicedesk:resident_search"), {"q": "1234"}).content.decode()
    assert "扎西" in page
    assert "540103197005041234" not in page  # masked
    other = login(desk.staff_b).get(reverse("servicedesk:resident_search"), {"q": "1234"}).content.decode()
    assert "扎西" not in other


def test_tablet_rating_once_and_dissatisfied_on_the_call_back_list(client, login, desk):
    record = _record(desk)
    url = reverse("servicedesk:rate", args=[record.rating_token])
    assert "Thank you" in client.post(url, {"level": "dissatisfied", "reason": "太慢"}).content.decode()
    client.post(url, {"level": "satisfied"})
    assert Rating.objects.get().level == "dissatisfied"
    page = login(desk.secretary).get(reverse("servicedesk:callbacks")).content.decode()
    assert "太慢" in page


def test_resident_cannot_rate_someone_elses_service(login, desk):
    record = _record(desk)
    client = login(desk.other_resident_user)
    assert (
        client.post(reverse("servicedesk:rate_mine", args=[record.pk]), {"level": "satisfied"}).status_code
        == 404
    )
    assert not Rating.objects.exists()


def test_proof_print_and_public_verification(login, client, desk):
    staff = login(desk.staff)
    response = staff.post(
        reverse("servicedesk:proof_issue"),
        {"template": desk.template.pk, "resident": desk.resident.pk, "purpose": "入学"},
    )
    proof = Proof.objects.get()
    assert response.status_code == 302
    sheet = staff.get(reverse("servicedesk:proof_print", args=[proof.pk])).content.decode()
    assert "<svg" in sheet and proof.verification_code in sheet and "540103197005041234" in sheet
    staff.logout()
    page = client.get(reverse("servicedesk:verify_code", args=[proof.verification_code])).content.decode()
    assert "Genuine" in page and "扎*" in page
    assert "540103197005041234" not in page and "扎西" not in page
    wrong = client.get(reverse("servicedesk:verify"), {"code": "ABCDEFGHJK"}).content.decode()
    assert "No proof has this code" in wrong


def test_revoked_proof_shows_as_not_valid(login, client, desk):
    proof = services.proof_issue(actor=desk.staff, template=desk.template, resident=desk.resident)
    secretary = login(desk.secretary)
    secretary.post(reverse("servicedesk:proof_revoke", args=[proof.pk]), {"reason": "地址有误"})
    secretary.logout()
    page = client.get(reverse("servicedesk:verify_code", args=[proof.verification_code])).content.decode()
    assert "Not valid" in page and "Genuine" not in page


def test_grid_worker_cannot_revoke(login, desk):
    proof = services.proof_issue(actor=desk.staff, template=desk.template, resident=desk.resident)
    response = login(desk.grid_worker).post(
        reverse("servicedesk:proof_revoke", args=[proof.pk]), {"reason": "x"}
    )
    assert response.status_code in (403, 404)
    proof.refresh_from_db()
    assert proof.revoked_at is None


@pytest.mark.parametrize("n", [3, 12])
def test_record_list_costs_the_same_queries_at_any_size(login, desk, django_assert_max_num_queries, n):
    residents = [make_resident(desk.tree.grid_a1, f"居民{i}") for i in range(n)]
    for r in residents:
        rec = _record(desk, resident=r)
        services.rating_submit(record=rec, level="satisfied", via="tablet")
    client = login(desk.staff)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("servicedesk:record_list"))
    assert page.content.decode().count("居住证明") >= n


def test_statistics_page_and_xlsx(login, desk):
    _record(desk)
    client = login(desk.secretary)
    page = client.get(reverse("servicedesk:stats"), {"year": 2026}).content.decode()
    assert "sd-chart-data" in page and "echarts.min.js" in page
    export = client.get(reverse("servicedesk:stats_export"), {"year": 2026})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(export.content))
    month_sheet = wb.worksheets[1]
    assert [c.value for c in month_sheet[7]][:2] == ["6", 1]


def test_managers_set_up_templates_and_counters(login, desk):
    client = login(desk.staff)
    response = client.post(
        reverse("servicedesk:template_create"),
        {
            "code": "QS",
            "title": "亲属关系证明",
            "body": "兹证明{name}与{household_head}系{relationship}。",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    bad = client.post(
        reverse("servicedesk:template_create"),
        {"code": "X", "title": "x", "body": "{salary}", "is_active": "on"},
    )
    assert "Unknown placeholder: salary" in bad.content.decode()
    taken = client.post(
        reverse("servicedesk:counter_create"),
        {"number": 1, "name": "重复", "slot_minutes": 30, "slot_capacity": 2, "is_active": "on"},
    )
    assert "This counter number is taken." in taken.content.decode()
    page = client.get(reverse("servicedesk:setup")).content.decode()
    assert "亲属关系证明" in page and "综合窗口" in page
    assert login(desk.grid_worker).get(reverse("servicedesk:setup")).status_code == 403


def test_grid_worker_issues_and_prints_a_proof_for_a_resident_of_their_grid(login, desk):
    client = login(desk.grid_worker)
    response = client.post(
        reverse("servicedesk:proof_issue"), {"template": desk.template.pk, "resident": desk.resident.pk}
    )
    assert response.status_code == 302
    sheet = client.get(response["Location"])
    assert sheet.status_code == 200 and "居住证明" in sheet.content.decode()
    refused = client.post(
        reverse("servicedesk:proof_issue"), {"template": desk.template.pk, "resident": desk.other.pk}
    )
    assert "Choose a resident from the registry." in refused.content.decode()
    assert Proof.objects.count() == 1


def test_desk_page_links_the_counters_and_lists(login, desk):
    page = login(desk.staff).get(reverse("servicedesk:desk")).content.decode()
    assert "Counter 1 · 综合窗口" in page and "Manage the service catalogue" in page
