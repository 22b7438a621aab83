import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from PIL import Image

from gongzhi.economy import services
from gongzhi.economy.models import Invoice, Lease

from . import factories as f

D = Decimal
d = datetime.date


@pytest.fixture
def books(tree):
    """Community A's street with two let units and one invoice per month of early 2026."""
    project = f.project(tree.community_a)
    u1 = f.unit(project, "A101", area="50.00")
    u2 = f.unit(project, "A102", area="40.00")
    t1 = f.enterprise(tree.community_a, name="雪域茶馆", local_employees=3)
    t2 = f.individual(tree.community_a, name="卓玛")
    l1 = f.lease(u1, t1, d(2026, 1, 1), d(2028, 12, 31))
    l2 = f.lease(u2, t2, d(2026, 1, 1), d(2026, 12, 31), payment_cycle="quarterly")
    services.invoices_generate(actor=None, as_of=d(2026, 3, 31))
    return {"project": project, "units": (u1, u2), "tenants": (t1, t2), "leases": (l1, l2)}


ROLES_VIEW = [
    ("finance_staff", "a", True, True),
    ("community_staff", "a", False, False),  # finance is a role of its own, not every staff member's
    ("secretary", "a", True, True),
    ("street_staff", "street", True, False),
    ("county_staff", "district", True, False),
    ("auditor", "district", True, False),
    ("grid_worker", "a1", False, False),
    ("partner_staff", "a", False, False),
    ("resident", "a", False, False),
    ("finance_staff", "b", True, True),  # sees only community B's (empty) books
]


def _unit(tree, key):
    return {
        "a": tree.community_a,
        "b": tree.community_b,
        "street": tree.street,
        "district": tree.district,
        "a1": tree.grid_a1,
    }[key]


@pytest.mark.parametrize(("role", "where", "can_view", "can_manage"), ROLES_VIEW)
def test_rules_for_every_role(tree, books, make_user, role, where, can_view, can_manage):
    user = make_user(role, _unit(tree, where))
    lease = books["leases"][0]
    assert user.has_perm("economy.view_economy") is can_view
    assert user.has_perm("economy.manage_economy") is can_manage
    in_scope = where in ("a", "street", "district")
    assert user.has_perm("economy.view_record", lease) is (can_view and in_scope)
    assert user.has_perm("economy.manage_record", lease) is (can_manage and where == "a")


@pytest.mark.parametrize(("role", "where", "can_view", "can_manage"), ROLES_VIEW)
def test_pages_by_role(tree, books, make_user, login, role, where, can_view, can_manage):
    client = login(make_user(role, _unit(tree, where)))
    lease = books["leases"][0]
    resp = client.get("/economy/")
    assert resp.status_code == (200 if can_view else 403)
    detail = client.get(f"/economy/leases/{lease.pk}/")
    if not can_view:
        assert detail.status_code == 403
    elif where == "b":
        assert detail.status_code == 404  # another community's lease does not exist for them
    else:
        assert detail.status_code == 200
        assert "雪域茶馆" in detail.content.decode()
        assert ("提前终止" in detail.content.decode()) is (where == "a")


def test_overview_shows_target_and_jobs(tree, books, make_user, login):
    client = login(make_user("secretary", tree.community_a))
    html = client.get("/economy/").content.decode()
    assert "纳金商业街" in html and "4,500,000" in html
    assert "47,830,000.00" in html


def test_street_staff_cannot_write(tree, books, make_user, login):
    client = login(make_user("street_staff", tree.street))
    inv = books["leases"][0].invoices.first()
    resp = client.post(
        f"/economy/invoices/{inv.pk}/payments/", {"amount": "10", "paid_on": "2026-01-05", "method": "bank"}
    )
    assert resp.status_code == 403
    assert client.post("/economy/invoices/generate/", {"as_of": "2026-12-31"}).status_code == 403
    assert not inv.payments.exists()


def test_lease_form_refuses_an_overlap(tree, books, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    u1 = books["units"][0]
    t2 = books["tenants"][1]
    resp = client.post(
        "/economy/leases/new/",
        {
            "unit": u1.pk,
            "tenant": t2.pk,
            "start_date": "2026-06-01",
            "end_date": "2027-05-31",
            "rent_basis": "per_m2",
            "rent_rate": "60",
            "payment_cycle": "monthly",
            "rent_free_months": 0,
            "yearly_increase_pct": 0,
            "deposit": 0,
            "due_days": 15,
        },
    )
    assert resp.status_code == 200
    assert "已部分出租" in resp.content.decode()  # "already leased for part of these dates"
    assert Lease.objects.filter(unit=u1).count() == 1


def test_tenant_form_refuses_a_bad_credit_code(tree, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    resp = client.post(
        "/economy/tenants/new/",
        {
            "kind": "enterprise",
            "name": "坏代码公司",
            "credit_code": "91350100M000100Y44",
            "local_employees": 0,
        },
    )
    assert "统一社会信用代码无效" in resp.content.decode()
    resp = client.post(
        "/economy/tenants/new/",
        {
            "kind": "enterprise",
            "name": "好代码公司",
            "credit_code": "91350100M000100Y43",
            "local_employees": 2,
        },
    )
    assert resp.status_code == 302


def test_payment_by_htmx_returns_the_partial_and_a_receipt(tree, books, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    inv = books["leases"][0].invoices.get(period_start=d(2026, 1, 1))
    url = f"/economy/invoices/{inv.pk}/payments/"
    resp = client.post(
        url, {"amount": "1200.00", "paid_on": "2026-01-10", "method": "wechat"}, HTTP_HX_REQUEST="true"
    )
    html = resp.content.decode()
    assert resp.status_code == 200 and 'id="payments"' in html and "<html" not in html
    assert "1,800.00" in html  # the balance
    too_much = client.post(
        url, {"amount": "5000.00", "paid_on": "2026-01-10", "method": "bank"}, HTTP_HX_REQUEST="true"
    )
    assert "超过账单余额" in too_much.content.decode()
    payment = inv.payments.get()
    receipt = client.get(f"/economy/receipts/{payment.pk}/").content.decode()
    assert payment.receipt_number in receipt and "1,200.00" in receipt and "雪域茶馆" in receipt


def test_arrears_page_at_a_month_end(tree, books, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    html = client.get("/economy/arrears/?as_of=2026-03-31").content.decode()
    # Lease 1: Jan (74 days late), Feb (43), Mar (15) at 3,000 each; lease 2: the first quarter,
    # 3 × 40 m² × 60 = 7,200, due 16 January (74 days).
    report = re.search(r'<div class="stats">(.*?)</div>\s*<div class="table-wrap">', html, re.S).group(1)
    nums = re.findall(r'<span class="num">([\d,.]+)</span>', report)
    assert nums == ["3,000.00", "13,200.00", "0.00", "16,200.00"]
    assert client.get("/economy/arrears/?as_of=not-a-date").status_code == 200


def test_income_page_chart_data_and_xlsx(tree, books, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    project = books["project"]
    inv = books["leases"][0].invoices.get(period_start=d(2026, 1, 1))
    services.payment_record(actor=None, invoice=inv, amount=D("3000.00"), paid_on=d(2026, 1, 8))
    resp = client.get(f"/economy/projects/{project.pk}/income/?year=2026")
    html = resp.content.decode()
    assert 'type="application/json"' in html and 'id="income-data"' in html
    assert "<script>" not in html and " onclick=" not in html and 'style="' not in html
    data = json.loads(
        re.search(r'<script id="income-data" type="application/json">(.*?)</script>', html).group(1)
    )
    assert data["collected"][0] == 3000.0 and data["expected"][0] == 3000.0 + 2400.0
    xlsx = client.get(f"/economy/projects/{project.pk}/income.xlsx?year=2026")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(ws.iter_rows(values_only=True))
    # January: expected 3,000 + 2,400; invoiced 3,000 + the first quarter of lease 2 (7,200); collected.
    assert rows[4][:4] == (1, 5400, 10200, 3000)


def test_lists_cost_the_same_queries_at_two_sizes(tree, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    project = f.project(tree.community_a)

    def grow(n, offset):
        for i in range(n):
            u = f.unit(project, f"U{offset + i}")
            f.lease(u, f.enterprise(tree.community_a, name=f"t{offset + i}"), d(2026, 1, 1), d(2026, 12, 31))
        services.invoices_generate(actor=None, as_of=d(2026, 2, 1))

    counts = []
    for n, offset in ((2, 0), (8, 100)):
        grow(n, offset)
        sizes = []
        for url in (
            "/economy/leases/",
            "/economy/invoices/",
            "/economy/tenants/",
            f"/economy/projects/{project.pk}/",
        ):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            sizes.append(len(ctx))
        counts.append(sizes)
    assert counts[0] == counts[1]


def test_unit_photo_upload_and_status(tree, books, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    unit = f.unit(books["project"], "B201")
    buf = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(buf, "JPEG")
    buf.name = "shop.jpg"
    buf.seek(0)
    assert client.post(f"/economy/units/{unit.pk}/", {"photo": buf}).status_code == 302
    assert unit.photos.count() == 1
    assert client.post(f"/economy/units/{unit.pk}/", {"status": "under_repair"}).status_code == 302
    unit.refresh_from_db()
    assert unit.status == "under_repair"
    # A let unit cannot be put under repair.
    let = books["units"][0]
    resp = client.post(f"/economy/units/{let.pk}/", {"status": "under_repair"}, follow=True)
    assert "请先结束租赁" in resp.content.decode()


def test_daily_command(tree, books, make_user):
    make_user("finance_staff", tree.community_a)
    out = io.StringIO()
    call_command("economy_daily", "--date", "2026-10-02", stdout=out)
    assert "reminders sent: 1" in out.getvalue()  # lease 2 ends on 31 December
    assert Invoice.objects.filter(lease=books["leases"][0], period_start=d(2026, 10, 1)).exists()
    call_command("economy_daily", "--date", "2026-10-02", stdout=out)
    assert out.getvalue().strip().endswith("invoices issued: 0, leases expired: 0, reminders sent: 0")


def test_renew_and_terminate_through_the_pages(tree, books, make_user, login):
    client = login(make_user("secretary", tree.community_a))
    l1, l2 = books["leases"]
    resp = client.post(f"/economy/leases/{l2.pk}/renew/", {"end_date": "2027-12-31", "rent_free_months": 0})
    new = Lease.objects.get(previous=l2)
    assert resp.status_code == 302 and resp["Location"] == f"/economy/leases/{new.pk}/"
    assert new.start_date == d(2027, 1, 1)
    resp = client.post(
        f"/economy/leases/{l1.pk}/terminate/",
        {"termination_date": "2026-03-15", "penalty": "0", "reason": "经营不善"},
    )
    assert resp.status_code == 302
    html = client.get(f"/economy/leases/{l1.pk}/").content.decode()
    assert "结算" in html and "经营不善" in html  # the settlement is shown
    # Bad input: a termination date outside the lease is refused on the form.
    resp = client.post(
        f"/economy/leases/{new.pk}/terminate/",
        {"termination_date": "2030-01-01", "penalty": "0", "reason": "x"},
    )
    assert resp.status_code == 200 and "终止日期必须在租期内" in resp.content.decode()


def test_payment_correction_from_the_invoice_page(tree, books, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    inv = books["leases"][0].invoices.get(period_start=d(2026, 1, 1))
    pay = services.payment_record(actor=None, invoice=inv, amount=D("3000.00"), paid_on=d(2026, 1, 5))
    assert "冲正" in client.get(f"/economy/invoices/{inv.pk}/").content.decode()
    resp = client.post(f"/economy/payments/{pay.pk}/reverse/", {"reason": "重复登记"})
    assert resp.status_code == 302
    inv.refresh_from_db()
    assert inv.status == "open"
    street = login(make_user("street_staff", tree.street))
    assert street.post(f"/economy/payments/{pay.pk}/reverse/", {"reason": "x"}).status_code == 403


def test_leases_ending_within_90_days(tree, books, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    project = books["project"]
    today = datetime.date.today()
    soon = f.lease(
        f.unit(project, "C1"),
        books["tenants"][0],
        today - datetime.timedelta(days=200),
        today + datetime.timedelta(days=45),
    )
    html = client.get("/economy/leases/?ending=1").content.decode()
    assert soon.number in html and books["leases"][0].number not in html


def test_edit_project_and_unit(tree, books, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    project = books["project"]
    resp = client.post(
        f"/economy/projects/{project.pk}/edit/",
        {"name": "纳金商业街（一期）", "investment": "47830000.00", "annual_rent_target": "4600000.00"},
    )
    assert resp.status_code == 302
    project.refresh_from_db()
    assert project.annual_rent_target == D("4600000.00") and project.name == "纳金商业街（一期）"
    free = f.unit(project, "C9", area="30.00")
    assert (
        client.post(
            f"/economy/units/{free.pk}/edit/", {"floor": 2, "area": "32.50", "use": "零售"}
        ).status_code
        == 302
    )
    free.refresh_from_db()
    assert free.area == D("32.50") and free.floor == 2
    # The area of a let unit is fixed while its lease runs (the rent depends on it).
    let = books["units"][0]
    resp = client.post(f"/economy/units/{let.pk}/edit/", {"floor": 1, "area": "99.00", "use": ""})
    assert resp.status_code == 200 and "不能修改面积" in resp.content.decode()
    other = login(make_user("finance_staff", tree.community_b))
    assert other.get(f"/economy/projects/{project.pk}/edit/").status_code == 404


def test_create_project_and_unit_through_the_pages(tree, make_user, login):
    client = login(make_user("secretary", tree.community_a))
    resp = client.post(
        "/economy/projects/new/",
        {
            "org_unit": tree.community_a.pk,
            "name": "纳金商业街",
            "investment": "47830000.00",
            "annual_rent_target": "4500000",
        },
    )
    assert resp.status_code == 302
    project_url = resp["Location"]
    # Bad input: another community is not offered; a zero area is refused.
    resp = client.post(
        "/economy/projects/new/",
        {"org_unit": tree.community_b.pk, "name": "别人的街", "investment": "1", "annual_rent_target": "1"},
    )
    assert resp.status_code == 200
    resp = client.post(f"{project_url}units/new/", {"number": "A101", "floor": 1, "area": "0", "use": "餐饮"})
    assert resp.status_code == 200 and "面积必须大于零" in resp.content.decode()
    assert (
        client.post(
            f"{project_url}units/new/", {"number": "A101", "floor": 1, "area": "80.5", "use": "餐饮"}
        ).status_code
        == 302
    )
    assert "A101" in client.get(project_url).content.decode()
