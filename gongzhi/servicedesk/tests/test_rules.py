"""Each permission against every role, and against a user of another community."""

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.servicedesk import services

from .conftest import MONDAY_10

UNIT_OF = {
    Role.RESIDENT: "grid_a1",
    Role.DISPLAY: "community_a",
    Role.GRID_WORKER: "grid_a1",
    Role.COMMUNITY_STAFF: "community_a",
    Role.SECRETARY: "community_a",
    Role.FINANCE_STAFF: "community_a",  # keeps the collective economy's books: no counter work
    Role.PARTNER_STAFF: "community_a",
    Role.HEALTH_WORKER: "community_a",
    Role.STREET_STAFF: "street",
    Role.COUNTY_STAFF: "district",
    Role.AUDITOR: "district",
    Role.SYSTEM_ADMIN: "district",
    Role.SECURITY_ADMIN: "district",
    Role.AUDIT_ADMIN: "district",
}

# permission -> roles allowed on an object of community A
EXPECTED = {
    "servicedesk.manage_catalogue": {Role.COMMUNITY_STAFF, Role.SECRETARY},
    "servicedesk.serve": {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.SECRETARY},
    "servicedesk.view_records": {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.SECRETARY,
        Role.STREET_STAFF,
        Role.COUNTY_STAFF,
        Role.AUDITOR,
    },
    "servicedesk.revoke_proof": {Role.COMMUNITY_STAFF, Role.SECRETARY},
    "servicedesk.call_back": {Role.COMMUNITY_STAFF, Role.SECRETARY},
}


@pytest.mark.parametrize("role", list(Role))
def test_object_permissions_by_role(role, desk, make_user):
    user = make_user(role, getattr(desk.tree, UNIT_OF[role]))
    record = services.record_create(
        actor=desk.staff,
        item=desk.proof_item,
        channel="counter",
        started_at=MONDAY_10,
        ended_at=MONDAY_10,
        outcome="done",
        resident=desk.resident,
    )
    for perm, allowed in EXPECTED.items():
        assert user.has_perm(perm, record) is (role in allowed), perm
    assert user.has_perm("servicedesk.book_appointment") is (role == Role.RESIDENT)
    assert user.has_perm("servicedesk.view_catalogue")


@pytest.mark.parametrize("perm", list(EXPECTED))
def test_staff_of_another_community_get_nothing_on_community_a(perm, desk):
    record = services.record_create(
        actor=desk.staff,
        item=desk.proof_item,
        channel="counter",
        started_at=MONDAY_10,
        ended_at=MONDAY_10,
        outcome="done",
        resident=desk.resident,
    )
    assert not desk.staff_b.has_perm(perm, record)
    assert desk.staff.has_perm(perm, record) or perm == "servicedesk.view_statistics"
