"""The deposit register (page and API) and the finance role as assigned data."""

import datetime
from decimal import Decimal

import pytest

from gongzhi.accounts import services as account_services
from gongzhi.accounts.roles import PERSONAL_DATA_ROLES, Role
from gongzhi.economy import services

from . import factories as f

D = Decimal
d = datetime.date


@pytest.fixture
def deposits(tree):
    """Community A: a deposit due, one held, one returned with 1,000 kept, a lease without one;
    community B: one held deposit that A must never see."""
    project = f.project(tree.community_a)
    units = [f.unit(project, f"A10{i}", area="40.00") for i in range(1, 5)]
    tenant = f.enterprise(tree.community_a, name="雪域茶馆")
    due = f.lease(units[0], tenant, d(2026, 1, 1), d(2026, 12, 31), deposit=D("6000.00"), number="HT-DUE")
    held = f.lease(units[1], tenant, d(2026, 1, 1), d(2026, 12, 31), deposit=D("9000.00"), number="HT-HELD")
    services.deposit_receive(actor=None, lease=held, received_on=d(2026, 1, 2))
    old = f.lease(units[2], tenant, d(2025, 1, 1), d(2025, 12, 31), deposit=D("5000.00"), number="HT-OLD")
    services.deposit_receive(actor=None, lease=old, received_on=d(2025, 1, 3))
    services.deposit_return(actor=None, lease=old, amount=D("4000.00"), returned_on=d(2026, 1, 10))
    f.lease(units[3], tenant, d(2026, 1, 1), d(2026, 12, 31), number="HT-NONE")
    other = f.lease(
        f.unit(f.project(tree.community_b), "B101"),
        f.enterprise(tree.community_b, name="嘎玛商店"),
        d(2026, 1, 1),
        d(2026, 12, 31),
        deposit=D("7000.00"),
        number="HT-B",
    )
    services.deposit_receive(actor=None, lease=other, received_on=d(2026, 1, 2))
    return {"due": due, "held": held, "old": old, "other": other}


def test_register_page_lists_deposits_with_totals(tree, deposits, make_user, login):
    client = login(make_user("finance_staff", tree.community_a))
    html = client.get("/economy/deposits/").content.decode()
    assert all(n in html for n in ("HT-DUE", "HT-HELD", "HT-OLD"))
    assert "HT-NONE" not in html and "HT-B" not in html  # no deposit; another community
    # due 6,000; held 9,000; returned 4,000 of 5,000, so 1,000 kept
    for figure in ("6,000.00", "9,000.00", "4,000.00", "1,000.00"):
        assert figure in html
    held_only = client.get("/economy/deposits/?status=held").content.decode()
    assert "HT-HELD" in held_only and "HT-DUE" not in held_only and "HT-OLD" not in held_only
    # A status that does not exist is ignored, never a 500.
    assert client.get("/economy/deposits/?status=<x>").status_code == 200


def test_register_page_costs_a_fixed_number_of_queries(
    tree, deposits, make_user, login, django_assert_max_num_queries
):
    client = login(make_user("secretary", tree.community_a))
    client.get("/economy/deposits/")  # warm the session and the user's assignments
    with django_assert_max_num_queries(12):
        assert client.get("/economy/deposits/").status_code == 200
    project = f.project(tree.community_a, name="第二期")
    tenant = f.enterprise(tree.community_a, name="另一家")
    for i in range(15):
        f.lease(f.unit(project, f"C{i:02d}"), tenant, d(2026, 1, 1), d(2026, 12, 31), deposit=D("100.00"))
    with django_assert_max_num_queries(12):
        assert client.get("/economy/deposits/").status_code == 200


def test_deposit_api_is_scoped_and_filtered(tree, deposits, make_user, login):
    client = login(make_user("county_staff", tree.district))
    body = client.get("/api/v1/economy/deposits").json()
    assert body["count"] == 4  # both communities, the lease without a deposit left out
    client = login(make_user("finance_staff", tree.community_a))
    body = client.get("/api/v1/economy/deposits?status=returned").json()
    assert body["count"] == 1
    row = body["items"][0]
    assert row["lease_number"] == "HT-OLD" and row["unit_number"] == "A103"
    assert D(row["deposit"]) == D("5000.00") and D(row["returned"]) == D("4000.00") and D(row["held"]) == 0
    held = client.get("/api/v1/economy/deposits?status=held").json()["items"]
    assert [(r["lease_number"], D(r["held"])) for r in held] == [("HT-HELD", D("9000.00"))]
    assert (
        login(make_user("partner_staff", tree.community_a)).get("/api/v1/economy/deposits").status_code == 403
    )
    assert (
        login(make_user("community_staff", tree.community_a)).get("/api/v1/economy/deposits").status_code
        == 403
    )


def test_finance_role_is_assigned_data(tree, deposits, make_user, login):
    """The finance role is granted and revoked like any other role; without it, community staff
    see nothing of the books; it needs the second factor like every role that sees personal data."""
    assert Role.FINANCE_STAFF in PERSONAL_DATA_ROLES
    user = make_user("community_staff", tree.community_a)
    lease = deposits["held"]
    assert not user.has_perm("economy.view_economy")
    assignment = account_services.role_assign(
        actor=None, user=user, role=Role.FINANCE_STAFF, org_unit=tree.community_a
    )
    user.forget_assignments()
    assert user.has_perm("economy.manage_record", lease)
    assert not user.has_perm("economy.manage_record", deposits["other"])
    client = login(user)
    assert client.get(f"/economy/leases/{lease.pk}/").status_code == 200
    account_services.role_revoke(actor=None, assignment=assignment)
    user.forget_assignments()
    assert not user.has_perm("economy.view_economy")
    assert client.get(f"/economy/leases/{lease.pk}/").status_code == 403


def test_finance_staff_see_no_other_app(tree, make_user):
    user = make_user("finance_staff", tree.community_a)
    for perm in ("assistance.view_files", "cases.view_queue", "registry.view_registry"):
        assert not user.has_perm(perm)
