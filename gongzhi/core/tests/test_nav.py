"""The menu: computed once per set of roles and language (core.context_processors.menu_for)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.core.context_processors import menu_for
from gongzhi.core.extension_points import nav_items

pytestmark = pytest.mark.django_db


def _user_holding(role, unit, **attrs) -> User:
    user = User(username=f"nav-{role}-{unit.pk}", is_active=True, **attrs)
    user._gz_assignments = [RoleAssignment(user=user, role=role, org_unit=unit)]
    return user


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_menu_permission_is_decided_by_the_role_names_alone(tree, role):
    """menu_for shares one menu between users with the same role names: that is only right while
    no menu permission looks at where the role is held or at anything else about the user."""
    places = [tree.district, tree.community_a, tree.grid_b1]
    for item in nav_items():
        answers = {_user_holding(role, unit).has_perm(item.permission) for unit in places}
        answers.add(_user_holding(role, tree.grid_a2, partner_unit_id=None).has_perm(item.permission))
        assert len(answers) == 1, f"{item.permission} differs by place for {role}"


def test_the_menu_follows_the_roles_and_the_language(tree):
    worker = _user_holding(Role.GRID_WORKER, tree.grid_a1)
    resident = _user_holding(Role.RESIDENT, tree.grid_a1)
    with translation.override("en"):
        worker_menu = [link.label for link in menu_for(worker)]
        resident_menu = [link.label for link in menu_for(resident)]
    assert "Cases" in worker_menu and "My points" not in worker_menu
    assert "My points" in resident_menu and "Cases" not in resident_menu
    with translation.override("zh-hans"):
        assert "我的积分" in [link.label for link in menu_for(resident)]
    assert reverse("cases:queue") in [link.url for link in menu_for(worker)]


def test_a_new_role_shows_its_entries_at_once(tree):
    user = _user_holding(Role.RESIDENT, tree.grid_a1)
    with translation.override("en"):
        assert "Case metrics" not in [link.label for link in menu_for(user)]
        user._gz_assignments.append(RoleAssignment(user=user, role=Role.SECRETARY, org_unit=tree.community_a))
        assert "Case metrics" in [link.label for link in menu_for(user)]


def test_a_page_reads_no_django_permission_table(tree, make_user, login):
    """Permissions are rules; the menu's refused entries used to read auth_permission twice."""
    worker = make_user(Role.GRID_WORKER, tree.grid_a1)
    client = login(worker)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("core:home"))
    assert page.status_code == 200
    assert reverse("cases:queue") in page.content.decode()
    assert not [q["sql"] for q in queries if "auth_permission" in q["sql"] or "auth_group" in q["sql"]]
