import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from gongzhi.core.models import AuditEntry

from .. import selectors, services
from ..models import Batch, PaymentLine
from . import factories as f


@pytest.fixture
def world(tree, make_user, roles):
    progs = f.programmes(tree)
    users = {
        "staff": make_user(roles.COMMUNITY_STAFF, tree.community_a),
        "secretary": make_user(roles.SECRETARY, tree.community_a),
        "street": make_user(roles.STREET_STAFF, tree.street),
        "county": make_user(roles.COUNTY_STAFF, tree.district),
        "auditor": make_user(roles.AUDITOR, tree.district),
        "staff_b": make_user(roles.COMMUNITY_STAFF, tree.community_b),
        "grid": make_user(roles.GRID_WORKER, tree.grid_a1),
        "partner": make_user(roles.PARTNER_STAFF, tree.community_a),
    }
    return progs, users


def _enrol(progs, users, key, hh, **kw):
    return f.enrol(
        programme=progs[key],
        hh=hh,
        staff=users["staff"],
        secretary=users["secretary"],
        street=users["street"],
        county=users["county"],
        **kw,
    )


def test_only_assistance_roles_see_the_pages(client, tree, world):
    progs, users = world
    hh, _ = f.household(tree.grid_a1)
    enrolment = _enrol(progs, users, "dibao", hh)
    for who in ("grid", "partner"):
        client.force_login(users[who])
        assert client.get("/assistance/").status_code == 403
        assert client.get(f"/assistance/enrolments/{enrolment.pk}/").status_code == 403
    client.force_login(users["staff_b"])
    assert client.get(f"/assistance/enrolments/{enrolment.pk}/").status_code == 404
    assert client.get(f"/assistance/applications/{enrolment.application_id}/").status_code == 404
    for who in ("staff", "street", "county", "auditor"):
        client.force_login(users[who])
        r = client.get(f"/assistance/enrolments/{enrolment.pk}/")
        assert r.status_code == 200 and "****3445" in r.content.decode()


def test_every_view_of_a_file_is_logged(client, tree, world):
    progs, users = world
    hh, _ = f.household(tree.grid_a1)
    enrolment = _enrol(progs, users, "dibao", hh)
    client.force_login(users["auditor"])
    client.get(f"/assistance/enrolments/{enrolment.pk}/")
    client.get(f"/assistance/applications/{enrolment.application_id}/")
    views = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS, actor=users["auditor"])
    assert set(views.values_list("action", flat=True)) == {
        "view:assistance.enrolment",
        "view:assistance.application",
    }


def test_application_steps_through_the_pages(client, tree, world):
    progs, users = world
    hh, (head, child) = f.household(tree.grid_a1, members=((40, "head"), (9, "child")))
    client.force_login(users["staff"])
    r = client.post(
        "/assistance/applications/new/",
        {"household": hh.pk, "programme": progs["dibao"].pk, "reason": "失业"},
    )
    assert r.status_code == 302
    pk = int(r["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/assistance/applications/{pk}/").content.decode()
    assert "Record the income and assets check" in page
    client.post(
        f"/assistance/applications/{pk}/step/",
        {"action": "check", "household_size": 2, "monthly_income": "600"},
    )
    client.post(f"/assistance/applications/{pk}/step/", {"action": "visit", "note": "属实"})
    r = client.post(f"/assistance/applications/{pk}/step/", {"action": "review", "note": ""}, follow=True)
    assert "Record what was found." in r.content.decode()
    client.post(f"/assistance/applications/{pk}/step/", {"action": "review", "note": "同意"})
    client.post(f"/assistance/applications/{pk}/step/", {"action": "publish", "notice_days": 5})
    notice = client.get(f"/assistance/applications/{pk}/notice/").content.decode()
    assert head.name not in notice and head.name[0] + "*" in notice
    assert "1,600.00" in notice  # (1100 − 300) × 2
    r = client.post(
        f"/assistance/applications/{pk}/step/", {"action": "refuse", "reason": "隐瞒收入"}, follow=True
    )
    assert "隐瞒收入" in r.content.decode()


def test_household_sees_the_refusal_reason(client, tree, world, make_user, roles):
    progs, users = world
    hh, (head,) = f.household(tree.grid_a1)
    resident_user = make_user(roles.RESIDENT, tree.community_a)
    head.user = resident_user
    head.save()
    app = services.application_submit(actor=users["staff"], household=hh, programme=progs["dibao"])
    services.application_transition(
        actor=users["staff"], application=app, action="refuse", reason="有两套住房"
    )
    client.force_login(resident_user)
    page = client.get("/").content.decode()
    assert "有两套住房" in page and "Refused" in page


def test_batch_pages_bank_file_and_reconciliation(client, tree, world):
    progs, users = world
    for age in (81, 95):
        hh, (p,) = f.household(tree.grid_a1, members=((age, "head"),))
        _enrol(progs, users, "elderly", hh, beneficiary=p)
    client.force_login(users["staff"])
    r = client.post(
        "/assistance/batches/",
        {"programme": progs["elderly"].pk, "community": tree.community_a.pk, "month": "2026-06"},
    )
    assert r.status_code == 302
    batch = Batch.objects.get()
    assert client.get(f"/assistance/batches/{batch.pk}/file.csv").status_code == 404  # not approved yet
    client.force_login(users["secretary"])
    client.post(f"/assistance/batches/{batch.pk}/step/", {"action": "check"})
    client.force_login(users["county"])
    r = client.post(f"/assistance/batches/{batch.pk}/step/", {"action": "pay"}, follow=True)
    assert "A batch must be approved before it is paid." in r.content.decode()
    client.post(f"/assistance/batches/{batch.pk}/step/", {"action": "approve"})
    client.post(f"/assistance/batches/{batch.pk}/step/", {"action": "pay"})
    csv_text = client.get(f"/assistance/batches/{batch.pk}/file.csv").content.decode("utf-8-sig")
    assert (
        "****3445" in csv_text
        and "6222020200112233445" not in csv_text
        and "300" not in csv_text.split("\n")[0]
    )
    assert {"100.00", "200.00"} <= set(re.findall(r"\d+\.\d\d", csv_text))
    wb = load_workbook(io.BytesIO(client.get(f"/assistance/batches/{batch.pk}/file.xlsx").content))
    assert wb.active.max_row == 3
    first, second = batch.lines.order_by("id")
    upload = SimpleUploadedFile(
        "back.csv", f"line,result,reason\n{first.pk},成功,\n{second.pk},失败,户名不符\n".encode()
    )
    client.post(f"/assistance/batches/{batch.pk}/step/", {"action": "reconcile", "file": upload})
    batch.refresh_from_db()
    assert batch.state == Batch.State.RECONCILED and batch.total == Decimal("100.00")
    assert PaymentLine.objects.get(pk=second.pk).failure_reason == "户名不符"


def test_list_pages_cost_the_same_whatever_the_size(client, tree, world, django_assert_max_num_queries):
    progs, users = world
    client.force_login(users["county"])

    def grow(n):
        for _ in range(n):
            hh, (p,) = f.household(tree.grid_a1, members=((85, "head"),))
            _enrol(progs, users, "elderly", hh, beneficiary=p)

    grow(1)
    for url in (
        "/assistance/applications/",
        "/assistance/enrolments/",
        "/assistance/",
        "/assistance/missed/",
    ):
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200
    grow(4)
    for url in (
        "/assistance/applications/",
        "/assistance/enrolments/",
        "/assistance/",
        "/assistance/missed/",
    ):
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200


def test_possibly_missed_lists_the_old_without_pension(tree, world):
    progs, users = world
    hh, (old,) = f.household(tree.grid_a1, members=((86, "head"),))
    hh2, (covered,) = f.household(tree.grid_a1, members=((90, "head"),))
    _enrol(progs, users, "elderly", hh2, beneficiary=covered)
    rows = selectors.possibly_missed(user=users["staff"], today=datetime.date(2026, 6, 1))
    names = {row["resident"].name for row in rows}
    assert old.name in names and covered.name not in names
    assert selectors.possibly_missed(user=users["staff_b"], today=datetime.date(2026, 6, 1)) == []


def test_report_page_and_xlsx(client, tree, world):
    progs, users = world
    hh, _ = f.household(tree.grid_a1, members=((40, "head"), (10, "child"), (8, "child")))
    _enrol(progs, users, "dibao", hh, check={"household_size": 3, "monthly_income": "900"})
    for month in (datetime.date(2026, 5, 1), datetime.date(2026, 6, 1)):
        batch = services.batch_create(
            actor=users["staff"], programme=progs["dibao"], community=tree.community_a, month=month
        )
        services.batch_transition(actor=users["secretary"], batch=batch, action="check")
        services.batch_transition(actor=users["county"], batch=batch, action="approve")
        services.batch_transition(actor=users["county"], batch=batch, action="pay")
        services.batch_reconcile(
            actor=users["county"], batch=batch, results={line.pk: ("paid", "") for line in batch.lines.all()}
        )
    client.force_login(users["county"])
    params = {"org_unit": tree.district.pk, "date_from": "2026-01-01", "date_to": "2026-12-31"}
    page = client.get("/assistance/reports/", params).content.decode()
    assert "1 households / 3 people, 4,800 yuan" in page  # (1100 − 900 ÷ 3) × 3 × 2 months
    assert 'id="assistance-trend"' in page and "<script>" not in page
    wb = load_workbook(io.BytesIO(client.get("/assistance/reports/xlsx/", params).content))
    assert wb["Report"]["D2"].value == 4800


def test_demo_reproduces_a_county_report(db):
    call_command("core_demo", verbosity=0)
    from gongzhi.accounts.models import User
    from gongzhi.core.models import OrgUnit

    county = OrgUnit.objects.get(kind="district")
    report = selectors.care_report(
        user=User.objects.get(username="county"),
        org_unit=county,
        date_from=datetime.date(2025, 12, 1),
        date_to=datetime.date(2026, 11, 30),
    )
    texts = {row["label"]: row["text"] for row in report["groups"]}
    assert len(texts) == 3
    pattern = re.compile(r"^[\d,]+ households / [\d,]+ people, [\d,]+(\.\d\d)? yuan$")
    assert all(pattern.match(t) for t in texts.values()), texts
    paid = PaymentLine.objects.filter(status="paid")
    assert report["total"] == sum(paid.values_list("amount", flat=True))
    # Twelve months were paid, and nobody twice for a programme and month.
    assert paid.dates("month", "month").count() == 12
    assert paid.values("programme", "beneficiary_key", "month").distinct().count() == paid.count()


def test_county_records_a_new_standard_from_a_date(client, tree, world):
    progs, users = world
    client.force_login(users["staff"])
    page = client.get("/assistance/standards/").content.decode()
    assert "1,100.00" in page and "New standard" not in page
    client.force_login(users["county"])
    data = {
        "programme": progs["dibao"].pk,
        "org_unit": tree.district.pk,
        "valid_from": "2027-01-01",
        "amount": "-5",
        "minimum": "0",
        "supplement_elderly_pct": "0",
        "supplement_disabled_pct": "0",
        "supplement_ill_pct": "0",
    }
    r = client.post("/assistance/standards/", data)
    assert r.status_code == 200 and "Amounts cannot be negative." in r.content.decode()
    data["amount"] = "1200"
    assert client.post("/assistance/standards/", data).status_code == 302
    book = services.StandardBook(progs["dibao"])
    assert book.find(tree.grid_a1, datetime.date(2026, 12, 1)).amount == Decimal("1100.00")
    assert book.find(tree.grid_a1, datetime.date(2027, 1, 1)).amount == Decimal("1200.00")


def test_review_is_recorded_in_place_with_htmx(client, tree, world):
    progs, users = world
    hh, (head,) = f.household(tree.grid_a1)
    enrolment = _enrol(progs, users, "dibao", hh)
    (task,) = services.enrolment_registry_change(resident=head, change="house", actor=users["staff"])
    client.force_login(users["staff"])
    url = f"/assistance/enrolments/{enrolment.pk}/reviews/{task.pk}/"
    r = client.post(url, {"outcome": "exit", "exit_reason": ""}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and body.startswith('<section class="card" id="reviews">')
    assert "Give the reason for the exit." in body
    r = client.post(url, {"outcome": "phase_out", "phase_out_months": "6"}, HTTP_HX_REQUEST="true")
    assert "The review was recorded." in r.content.decode() and "Phase out" in r.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == "phase_out"


def test_documents_are_filed_and_shown_only_to_assistance_roles(client, tree, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    progs, users = world
    hh, _ = f.household(tree.grid_a1)
    app = services.application_submit(actor=users["staff"], household=hh, programme=progs["dibao"])
    client.force_login(users["staff"])
    pdf = SimpleUploadedFile("income.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    r = client.post(
        f"/assistance/applications/{app.pk}/documents/", {"title": "收入证明", "file": pdf}, follow=True
    )
    assert "收入证明" in r.content.decode()
    doc = app.files.get()
    assert doc.org_unit == app.org_unit == tree.grid_a1
    assert [s.action for s in app.steps.all()] == ["submit", "document"]
    client.force_login(users["auditor"])
    assert client.get(f"/files/{doc.upload_id}/").status_code == 200
    for who in ("grid", "staff_b"):
        client.force_login(users[who])
        assert client.get(f"/files/{doc.upload_id}/").status_code in (403, 404)
    client.force_login(users["staff"])
    r = client.post(f"/assistance/applications/{app.pk}/documents/", {"title": " ", "file": pdf}, follow=True)
    assert app.files.count() == 1
