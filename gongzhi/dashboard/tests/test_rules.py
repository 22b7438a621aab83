"""Each permission against every role, at its own unit and at another community."""

import pytest

from gongzhi.accounts.roles import ROLE_UNIT_KIND, Role
from gongzhi.core.errors import ApplicationError

pytestmark = pytest.mark.django_db

COCKPIT = {Role.COMMUNITY_STAFF, Role.SECRETARY, Role.STREET_STAFF, Role.COUNTY_STAFF, Role.AUDITOR}
SCREEN = COCKPIT | {Role.DISPLAY}
REFRESH = {Role.COMMUNITY_STAFF, Role.SECRETARY, Role.STREET_STAFF, Role.COUNTY_STAFF}


def _unit(tree, role):
    return {
        "grid": tree.grid_a1,
        "community": tree.community_a,
        "street": tree.street,
        "district": tree.district,
    }[ROLE_UNIT_KIND[role]]


@pytest.mark.parametrize("role", list(Role))
def test_permissions_of_every_role(tree, make_user, role):
    user = make_user(role, _unit(tree, role), phone="13800001234" if role == Role.RESIDENT else "")
    a, b = tree.community_a, tree.community_b
    assert user.has_perm("dashboard.view_cockpit", a) == (role in COCKPIT)
    assert user.has_perm("dashboard.view_screen", a) == (role in SCREEN)
    assert user.has_perm("dashboard.open") == (role in SCREEN)
    assert user.has_perm("dashboard.refresh") == (role in REFRESH)
    # Another community: only the street and county levels (and auditors) reach it.
    above = ROLE_UNIT_KIND[role] in ("street", "district")
    assert user.has_perm("dashboard.view_cockpit", b) == (role in COCKPIT and above)
    assert user.has_perm("dashboard.view_screen", b) == (role in SCREEN and above)


def test_a_display_account_needs_no_second_factor_and_is_not_assigned_to_a_grid(tree, make_user):
    from gongzhi.accounts import services as account_services
    from gongzhi.accounts.security import needs_second_factor

    display = make_user(Role.DISPLAY, tree.community_a)
    assert not needs_second_factor(display)
    assert display.primary_role == Role.DISPLAY
    other = make_user()
    with pytest.raises(ApplicationError):
        account_services.role_assign(actor=None, user=other, role=Role.DISPLAY, org_unit=tree.grid_a1)
    # Beside a real role the display role never becomes the primary one.
    account_services.role_assign(actor=None, user=display, role=Role.SECRETARY, org_unit=tree.community_a)
    display.forget_assignments()
    assert display.primary_role == Role.SECRETARY
