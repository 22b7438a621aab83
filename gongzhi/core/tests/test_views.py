from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.urls import reverse

from gongzhi.core import services

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_with_a_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] is True


def test_healthz_answers_503_without_a_database(client):
    with mock.patch("gongzhi.core.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_home_needs_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_grid_worker_sees_only_their_grid_in_the_tree(tree, make_user, login, roles):
    worker = make_user(roles.GRID_WORKER, tree.grid_a1)
    page = login(worker).get(reverse("core:orgunit_list")).content.decode()
    assert "A第一网格" in page
    assert "A第二网格" not in page and "B第一网格" not in page


@pytest.mark.parametrize(
    "role,unit_attr",
    [
        ("grid_worker", "grid_a1"),
        ("community_staff", "community_a"),
        ("secretary", "community_a"),
    ],
)
def test_another_communitys_objects_are_404_in_pages(tree, make_user, login, role, unit_attr):
    user = make_user(role, getattr(tree, unit_attr))
    foreign_station = services.gridstation_save(
        actor=None, org_unit=tree.grid_b1, name="B站", address="b", phone="1"
    )
    foreign_partner = services.partnerunit_save(
        actor=None, org_unit=tree.community_b, kind="school", name="B校"
    )
    c = login(user)
    assert c.get(reverse("core:orgunit_detail", args=[tree.community_b.pk])).status_code == 404
    assert c.get(reverse("core:partner_detail", args=[foreign_partner.pk])).status_code == 404
    if role != "grid_worker":
        assert c.get(reverse("core:station_edit", args=[foreign_station.pk])).status_code == 404
        assert c.get(reverse("core:partner_edit", args=[foreign_partner.pk])).status_code == 404


def test_staff_create_a_partner_unit_in_their_community(tree, make_user, login, roles):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    response = login(staff).post(
        reverse("core:partner_create"),
        {
            "org_unit": tree.community_a.pk,
            "kind": "clinic",
            "name": "纳金卫生服务站",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    page = login(staff).get(reverse("core:partner_list")).content.decode()
    assert "纳金卫生服务站" in page


def test_staff_cannot_create_a_partner_in_another_community(tree, make_user, login, roles):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    response = login(staff).post(
        reverse("core:partner_create"),
        {
            "org_unit": tree.community_b.pk,
            "kind": "clinic",
            "name": "越权",
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the form answers with an error
    assert "越权" not in login(staff).get(reverse("core:partner_list")).content.decode()


def test_a_resident_may_not_open_the_organisation_pages(tree, make_user, login, roles):
    resident = make_user(roles.RESIDENT, tree.grid_a1)
    assert login(resident).get(reverse("core:orgunit_list")).status_code == 403


def test_system_admin_creates_a_grid(tree, make_user, login, roles):
    admin = make_user(roles.SYSTEM_ADMIN, tree.district)
    response = login(admin).post(
        reverse("core:orgunit_create"),
        {
            "kind": "grid",
            "parent": tree.community_a.pk,
            "name": "A第三网格",
            "code": "A3",
        },
    )
    assert response.status_code == 302
    assert (
        "A第三网格"
        in login(admin).get(reverse("core:orgunit_detail", args=[tree.community_a.pk])).content.decode()
    )


def test_bad_input_gets_a_form_error_and_changes_nothing(tree, make_user, login, roles):
    admin = make_user(roles.SYSTEM_ADMIN, tree.district)
    response = login(admin).post(
        reverse("core:orgunit_create"),
        {
            "kind": "grid",
            "parent": tree.street.pk,
            "name": "错位网格",
            "code": "Z9",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "cannot be placed under" in response.content.decode()


def test_home_pages_differ_by_role(tree, make_user, login, roles):
    worker = make_user(roles.GRID_WORKER, tree.grid_a1)
    page = login(worker).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Grid worker" in page and "A第一网格" in page


def test_list_pages_cost_a_fixed_number_of_queries(
    tree, make_user, login, roles, django_assert_max_num_queries
):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    c = login(staff)
    for i in range(3):
        services.partnerunit_save(actor=None, org_unit=tree.community_a, kind="school", name=f"校{i}")
    with django_assert_max_num_queries(12) as few:
        c.get(reverse("core:partner_list"))
    for i in range(30):
        services.partnerunit_save(actor=None, org_unit=tree.community_a, kind="school", name=f"新校{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        c.get(reverse("core:partner_list"))
    with django_assert_max_num_queries(14):
        c.get(reverse("core:station_list"))
