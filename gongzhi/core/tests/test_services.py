import pytest
from django.db import IntegrityError

from gongzhi.core import selectors, services
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEntry, OrgUnit, PartnerUnit

pytestmark = pytest.mark.django_db


def test_tree_paths_make_subtrees_one_prefix_query(tree, django_assert_num_queries):
    assert (
        tree.grid_a1.path == f"{tree.district.path}{tree.street.pk}/{tree.community_a.pk}/{tree.grid_a1.pk}/"
    )
    assert tree.grid_a1.depth == 4
    with django_assert_num_queries(1):
        names = set(selectors.orgunit_subtree(tree.community_a).values_list("name", flat=True))
    assert names == {"纳金社区", "A第一网格", "A第二网格"}


def test_a_grid_cannot_hang_under_a_street(tree):
    with pytest.raises(ApplicationError) as exc:
        services.orgunit_create(kind="grid", name="X", code="X1", parent=tree.street, actor=None)
    assert exc.value.field == "parent"
    assert not OrgUnit.objects.filter(code="X1").exists()


def test_a_duplicate_code_is_refused(tree):
    with pytest.raises(ApplicationError) as exc:
        services.orgunit_create(
            kind="grid", name="X", code=tree.grid_a1.code, parent=tree.community_a, actor=None
        )
    assert exc.value.code == "duplicate"


def test_moving_a_grid_moves_its_path(tree):
    services.orgunit_move(unit=tree.grid_a2, new_parent=tree.community_b, actor=None)
    tree.grid_a2.refresh_from_db()
    assert tree.grid_a2.path.startswith(tree.community_b.path)
    assert set(selectors.orgunit_subtree(tree.community_b).values_list("pk", flat=True)) == {
        tree.community_b.pk,
        tree.grid_b1.pk,
        tree.grid_b2.pk,
        tree.grid_a2.pk,
    }


def test_depth_constraint_holds_in_the_database(tree):
    with pytest.raises(IntegrityError):
        OrgUnit.objects.create(kind="grid", name="bad", code="BAD", parent=tree.grid_a1, path="/x/", depth=5)


def test_partner_units_are_unique_by_name_in_a_community(tree):
    services.partnerunit_save(actor=None, org_unit=tree.community_a, kind="school", name="纳金小学")
    with pytest.raises(ApplicationError):
        services.partnerunit_save(actor=None, org_unit=tree.community_a, kind="clinic", name="纳金小学")
    # Another community may have a unit of the same name.
    services.partnerunit_save(actor=None, org_unit=tree.community_b, kind="school", name="纳金小学")
    assert PartnerUnit.objects.filter(name="纳金小学").count() == 2


def test_a_grid_station_must_sit_in_a_grid(tree):
    with pytest.raises(ApplicationError):
        services.gridstation_save(actor=None, org_unit=tree.community_a, name="S", address="a", phone="1")


def test_every_write_is_audited_with_actor(tree, make_user, roles):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    partner = services.partnerunit_save(actor=staff, org_unit=tree.community_a, kind="clinic", name="卫生站")
    entry = AuditEntry.objects.filter(action="partnerunit.create").latest("id")
    assert entry.actor == staff
    assert entry.object_id == str(partner.pk)
    assert entry.org_unit == tree.community_a
    assert entry.role == "community_staff"


def test_notifications_count_and_mark_read(tree, make_user):
    user = make_user()
    services.notification_send(user=user, title="案件已受理")
    services.notification_send(user=user, title="案件已办结")
    assert selectors.notification_unread_count(user=user) == 2
    assert services.notification_mark_read(user=user) == 2
    assert selectors.notification_unread_count(user=user) == 0
