"""core.rawsql builds what Django's RawQuerySet builds."""

import pytest

from gongzhi.accounts.models import User
from gongzhi.core import rawsql
from gongzhi.core.models import OrgUnit

pytestmark = pytest.mark.django_db


def _same(ours, django, fields):
    assert type(ours) is type(django)
    for name in fields:
        assert getattr(ours, name) == getattr(django, name), name


def test_fetch_builds_the_instances_raw_builds(tree, make_user):
    user = make_user("grid_worker", tree.grid_a1)
    sql = "SELECT * FROM accounts_user WHERE id = %s"
    for _ in range(2):  # the second call reuses the worked-out plan
        ours = rawsql.fetch_first(User, sql, [user.pk])
        django = next(iter(User.objects.raw(sql, [user.pk])))
        _same(ours, django, ["pk", "username", "is_active", "date_joined", "password", "session_epoch"])
    assert isinstance(ours.is_active, bool) and ours.date_joined.tzinfo is not None
    assert ours._state.adding is False and ours._state.db == "default"


def test_extra_columns_become_attributes_and_missing_ones_are_deferred(tree):
    sql = "SELECT id, name, depth + 1 AS next_depth FROM core_orgunit WHERE parent_id = %s ORDER BY id"
    units = rawsql.fetch(OrgUnit, sql, [tree.community_a.pk])
    assert [u.name for u in units] == [tree.grid_a1.name, tree.grid_a2.name]
    assert units[0].next_depth == tree.grid_a1.depth + 1
    assert "path" in units[0].get_deferred_fields()
    assert units[0].path == tree.grid_a1.path  # read on access, as with raw()


def test_no_rows_and_a_missing_primary_key():
    assert rawsql.fetch(OrgUnit, "SELECT * FROM core_orgunit WHERE id = %s", [-1]) == []
    assert rawsql.fetch_first(OrgUnit, "SELECT * FROM core_orgunit WHERE id = %s", [-1]) is None


def test_a_query_without_the_primary_key_is_refused(tree):
    from django.core.exceptions import FieldDoesNotExist

    with pytest.raises(FieldDoesNotExist):
        rawsql.fetch(OrgUnit, "SELECT name FROM core_orgunit WHERE id = %s", [tree.district.pk])
