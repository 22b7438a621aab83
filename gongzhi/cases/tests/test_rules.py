"""Every named permission against every role, and against a user of another community."""

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.cases.models import Case  # noqa: F401

ROLES_AT = {
    Role.RESIDENT: "community_a",
    Role.GRID_WORKER: "grid_a1",
    Role.COMMUNITY_STAFF: "community_a",
    Role.SECRETARY: "community_a",
    Role.PARTNER_STAFF: "community_a",
    Role.STREET_STAFF: "street",
    Role.COUNTY_STAFF: "district",
    Role.AUDITOR: "district",
    Role.SYSTEM_ADMIN: "district",
}

# permission → roles (placed as in ROLES_AT) that hold it on a grid-A1 case reported by someone else
EXPECTED = {
    "cases.view_case": {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.SECRETARY,
        Role.STREET_STAFF,
        Role.COUNTY_STAFF,
        Role.AUDITOR,
    },
    "cases.handle_case": {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.SECRETARY},
    "cases.manage_case": {Role.COMMUNITY_STAFF, Role.SECRETARY},
    "cases.report_part": {Role.COMMUNITY_STAFF, Role.SECRETARY},
    "cases.rate_case": set(),
}
LIST_EXPECTED = {
    "cases.view_queue": {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.SECRETARY,
        Role.PARTNER_STAFF,
        Role.STREET_STAFF,
        Role.COUNTY_STAFF,
        Role.AUDITOR,
    },
    "cases.enter_case": {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.SECRETARY},
    "cases.view_metrics": {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.SECRETARY,
        Role.STREET_STAFF,
        Role.COUNTY_STAFF,
        Role.AUDITOR,
    },
    "cases.manage_categories": {Role.COMMUNITY_STAFF, Role.SECRETARY},
}


@pytest.mark.parametrize("role", list(ROLES_AT))
def test_object_permissions_by_role(world, make_case, make_user, role):
    case = make_case(reporter=world.other_resident)
    user = make_user(
        role,
        getattr(world.tree, ROLES_AT[role]),
        partner_unit=world.partner2 if role == Role.PARTNER_STAFF else None,
    )
    for perm, holders in EXPECTED.items():
        assert user.has_perm(perm, case) == (role in holders), (perm, role)
    for perm, holders in LIST_EXPECTED.items():
        assert user.has_perm(perm) == (role in holders), (perm, role)


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.SECRETARY])
def test_another_communitys_staff_hold_nothing_on_the_case(world, make_case, make_user, role):
    case = make_case()
    unit = world.tree.grid_b1 if role == Role.GRID_WORKER else world.tree.community_b
    user = make_user(role, unit)
    for perm in EXPECTED:
        assert not user.has_perm(perm, case), perm


def test_reporter_follower_and_participant(world, make_case, make_user):
    case = make_case()
    assert world.resident_user.has_perm("cases.view_case", case)
    assert world.resident_user.has_perm("cases.rate_case", case)
    assert not world.resident_user.has_perm("cases.handle_case", case)
    assert not world.partner_staff.has_perm("cases.view_case", case)
    from gongzhi.cases import services

    case = services.case_transition(actor=world.staff, case=case, action="accept")
    case = services.case_transition(
        actor=world.staff, case=case, action="escalate", tier="joint", note="需要卫生站"
    )
    case = services.case_transition(
        actor=world.staff, case=case, action="assign", partners=[world.partner1], assignee=world.staff
    )
    assert world.partner_staff.has_perm("cases.view_case", case)
    assert world.partner_staff.has_perm("cases.report_part", case)
    assert not world.partner_staff.has_perm("cases.handle_case", case)


def test_duty_person_may_log_calls_at_their_station_only(world, make_user):
    duty = make_user(Role.RESIDENT, world.tree.community_a)
    world.station.duty_staff.add(duty)
    assert duty.has_perm("cases.log_call", world.station)
    assert world.grid_worker.has_perm("cases.log_call", world.station)
    assert not world.grid_worker_b.has_perm("cases.log_call", world.station)
